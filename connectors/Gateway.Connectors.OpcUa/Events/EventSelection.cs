using Gateway.OpcUa.Client;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa.Events;

/// <summary>One selected event field: the name it carries in the event's JSON and the select clause that fetches it.</summary>
public sealed record SelectedField(string Name, NodeId TypeDefinitionId, IReadOnlyList<QualifiedName> BrowsePath, uint AttributeId = Attributes.Value)
{
    public SimpleAttributeOperand ToOperand() => new()
    {
        TypeDefinitionId = TypeDefinitionId,
        BrowsePath = [.. BrowsePath],
        AttributeId = AttributeId,
    };
}

/// <summary>
/// The EventFilter of an events group (Part 4, 7.22.3): the standard fields of BaseEventType, the state of conditions
/// (Part 9), the configured fields by browse path, and the where clause written in YAML as ContentFilter elements
/// (Part 4, 7.7). The field indexes below are the positions of <see cref="Fields"/> in every EventFieldList.
/// </summary>
public sealed class EventSelection
{
    public const int EventId = 0;
    public const int EventType = 1;
    public const int SourceNode = 2;
    public const int SourceName = 3;
    public const int Time = 4;
    public const int ReceiveTime = 5;
    public const int Message = 6;
    public const int Severity = 7;
    public const int ConditionId = 8;
    public const int ConditionName = 9;
    public const int BranchId = 10;
    public const int Retain = 11;
    public const int EnabledState = 12;
    public const int ActiveState = 13;
    public const int ActiveSince = 14;
    public const int AckedState = 15;
    public const int ConfirmedState = 16;
    public const int Quality = 17;
    public const int Comment = 18;
    public const int ShelvingState = 19;
    public const int SuppressedOrShelved = 20;

    /// <summary>The fields every events group selects, at the indexes of the constants above.</summary>
    public static readonly IReadOnlyList<SelectedField> StandardFields =
    [
        Base("eventId", "EventId"),
        Base("eventType", "EventType"),
        Base("sourceNode", "SourceNode"),
        Base("sourceName", "SourceName"),
        Base("time", "Time"),
        Base("receiveTime", "ReceiveTime"),
        Base("message", "Message"),
        Base("severity", "Severity"),
        // Part 9, 5.5.2: the ConditionId is the NodeId attribute of the ConditionType with an empty browse path.
        new("conditionId", EventTypes.ConditionType, [], Attributes.NodeId),
        Of(EventTypes.ConditionType, "conditionName", "ConditionName"),
        Of(EventTypes.ConditionType, "branchId", "BranchId"),
        Of(EventTypes.ConditionType, "retain", "Retain"),
        Of(EventTypes.ConditionType, "enabledState", "EnabledState", "Id"),
        Of(EventTypes.AlarmConditionType, "activeState", "ActiveState", "Id"),
        Of(EventTypes.AlarmConditionType, "activeSince", "ActiveState", "TransitionTime"),
        Of(EventTypes.AcknowledgeableConditionType, "ackedState", "AckedState", "Id"),
        Of(EventTypes.AcknowledgeableConditionType, "confirmedState", "ConfirmedState", "Id"),
        Of(EventTypes.ConditionType, "quality", "Quality"),
        Of(EventTypes.ConditionType, "comment", "Comment"),
        // Part 9, 5.8.2 and 5.8.10: shelving (an operator hid the alarm for a while) and suppression, both optional.
        Of(EventTypes.AlarmConditionType, "shelvingState", "ShelvingState", "CurrentState"),
        Of(EventTypes.AlarmConditionType, "suppressedOrShelved", "SuppressedOrShelved"),
    ];

    private EventSelection(IReadOnlyList<SelectedField> fields, EventFilter filter)
    {
        Fields = fields;
        Filter = filter;
    }

    /// <summary>Every selected field, in select-clause order: the standard ones, then the configured ones.</summary>
    public IReadOnlyList<SelectedField> Fields { get; }

    public EventFilter Filter { get; }

    /// <summary>How many of <see cref="Fields"/> are configured (they follow the standard ones).</summary>
    public int ConfiguredCount => Fields.Count - StandardFields.Count;

    /// <summary>
    /// The selection of a group: <paramref name="resolveType"/> turns a type written in `where.ofType` (a standard name or
    /// a NodeId text with `nsu=`) into this session's NodeId.
    /// </summary>
    public static EventSelection For(OpcUaGroupOptions options, Func<string, NodeId> resolveType)
    {
        var fields = StandardFields.Concat(options.Fields.Select(ConfiguredField)).ToList();
        var filter = new EventFilter
        {
            SelectClauses = fields.Select(f => f.ToOperand()).ToArray(),
            WhereClause = WhereClause(options.Where, resolveType),
        };
        return new EventSelection(fields, filter);
    }

    /// <summary>A configured field: `AlarmNumber`, `2:Vendor/Code` (segments `ns:Name`), selected from BaseEventType.</summary>
    public static SelectedField ConfiguredField(string path) =>
        new(path, EventTypes.BaseEventType, path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(QualifiedName.Parse).ToArray());

    /// <summary>
    /// The where clause: the parts that are set, joined with And. Element 0 is the root (Part 4, 7.7.1); an empty filter
    /// keeps every event.
    /// </summary>
    public static ContentFilter WhereClause(EventWhereOptions where, Func<string, NodeId> resolveType)
    {
        var elements = new List<ContentFilterElement>();
        var parts = new List<Func<int>>();
        if (where.OfType.Count > 0)
        {
            var types = where.OfType.Select(resolveType).ToList();
            parts.Add(() => AnyOf(elements, types.Select(t => (Func<int>)(() => Add(elements, FilterOperator.OfType, Literal(Variant.FromObject(BuiltInType.NodeId, t))))).ToList()));
        }

        if (where.MinSeverity is { } minimum)
        {
            parts.Add(() => Add(elements, FilterOperator.GreaterThanOrEqual, Operand("Severity"), Literal(Variant.From((ushort)minimum))));
        }

        if (where.SourceNames.Count > 0)
        {
            parts.Add(() => Add(elements, FilterOperator.InList, [Operand("SourceName"), .. where.SourceNames.Select(n => Literal(Variant.From(n)))]));
        }

        if (parts.Count > 0)
        {
            // The refresh brackets and the overflow event pass whatever the written filter says: without them a refresh
            // could not be told from live events, nor a loss be seen.
            Func<int> Always(NodeId type) => () => Add(elements, FilterOperator.OfType, Literal(Variant.FromObject(BuiltInType.NodeId, type)));
            AnyOf(elements, [Always(EventTypes.RefreshStartEventType), Always(EventTypes.RefreshEndEventType), Always(EventTypes.EventQueueOverflowEventType), () => AllOf(elements, parts)]);
        }

        return new ContentFilter { Elements = elements.Count == 0 ? null : [.. elements] };
    }

    private static SelectedField Base(string name, string browseName) => Of(EventTypes.BaseEventType, name, browseName);

    private static SelectedField Of(NodeId type, string name, params string[] path) => new(name, type, path.Select(p => new QualifiedName(0, p)).ToArray());

    private static ExtensionObject Operand(string browseName) => ExtensionObject.From(new SimpleAttributeOperand
    {
        TypeDefinitionId = EventTypes.BaseEventType,
        BrowsePath = [new QualifiedName(0, browseName)],
        AttributeId = Attributes.Value,
    });

    private static ExtensionObject Literal(Variant value) => ExtensionObject.From(new LiteralOperand { Value = value });

    private static ExtensionObject Element(int index) => ExtensionObject.From(new ElementOperand { Index = (uint)index });

    private static int Add(List<ContentFilterElement> elements, FilterOperator op, params ExtensionObject[] operands)
    {
        elements.Add(new ContentFilterElement { FilterOperator = op, FilterOperands = operands });
        return elements.Count - 1;
    }

    // And / Or of several parts as a chain of binary elements; the element for the whole is reserved first, so that the
    // outermost one is the lowest index (element 0 for the root).
    private static int AllOf(List<ContentFilterElement> elements, IReadOnlyList<Func<int>> parts) => Chain(elements, FilterOperator.And, parts);

    private static int AnyOf(List<ContentFilterElement> elements, IReadOnlyList<Func<int>> parts) => Chain(elements, FilterOperator.Or, parts);

    private static int Chain(List<ContentFilterElement> elements, FilterOperator op, IReadOnlyList<Func<int>> parts)
    {
        if (parts.Count == 1)
        {
            return parts[0]();
        }

        var index = Add(elements, op);
        var first = parts[0]();
        var rest = Chain(elements, op, parts.Skip(1).ToList());
        elements[index].FilterOperands = [Element(first), Element(rest)];
        return index;
    }
}
