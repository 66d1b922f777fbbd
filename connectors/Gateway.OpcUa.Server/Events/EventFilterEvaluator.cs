using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.Events;

/// <summary>
/// Applies an EventFilter (Part 4, 7.22.3) to a <see cref="ServerEvent"/>: the select clauses pick fields by browse
/// path, the where clause (a ContentFilter, 7.7) decides whether the event is reported at all.
/// </summary>
internal static class EventFilterEvaluator
{
    private static readonly FilterOperator[] Supported =
    [
        FilterOperator.Equals, FilterOperator.IsNull, FilterOperator.GreaterThan, FilterOperator.LessThan,
        FilterOperator.GreaterThanOrEqual, FilterOperator.LessThanOrEqual, FilterOperator.Not, FilterOperator.InList,
        FilterOperator.And, FilterOperator.Or, FilterOperator.OfType,
    ];

    /// <summary>Checks a where clause once, when the item is created: per element, Good or why not.</summary>
    public static ContentFilterResult Check(ContentFilter where, out bool valid)
    {
        var elements = where.Elements ?? [];
        var results = new ContentFilterElementResult[elements.Length];
        valid = true;
        for (var i = 0; i < elements.Length; i++)
        {
            var element = elements[i];
            var operands = element.FilterOperands ?? [];
            var operandResults = new StatusCode[operands.Length];
            var status = Array.IndexOf(Supported, element.FilterOperator) < 0 ? StatusCodes.BadFilterOperatorUnsupported : StatusCodes.Good;
            for (var j = 0; j < operands.Length; j++)
            {
                var good = operands[j].Body switch
                {
                    LiteralOperand or SimpleAttributeOperand => true,
                    // Part 4, 7.7.4.2: an element operand points to a later element (no cycles).
                    ElementOperand e => e.Index > i && e.Index < elements.Length,
                    _ => false,
                };
                operandResults[j] = good ? StatusCode.Good : new StatusCode(StatusCodes.BadFilterOperandInvalid);
                if (!good && status == StatusCodes.Good)
                {
                    status = StatusCodes.BadFilterOperandInvalid;
                }
            }

            if (status == StatusCodes.Good && element.FilterOperator == FilterOperator.OfType && operands is not [{ Body: LiteralOperand { Value.Type: BuiltInType.NodeId } }])
            {
                status = StatusCodes.BadFilterOperandInvalid;
            }

            valid &= status == StatusCodes.Good;
            results[i] = new ContentFilterElementResult { StatusCode = new StatusCode(status), OperandStatusCodes = operandResults, OperandDiagnosticInfos = [] };
        }

        return new ContentFilterResult { ElementResults = results, ElementDiagnosticInfos = [] };
    }

    /// <summary>The event's fields in select-clause order.</summary>
    public static Variant[] Select(SimpleAttributeOperand[] clauses, ServerEvent serverEvent, UaAddressSpace space)
    {
        var fields = new Variant[clauses.Length];
        for (var i = 0; i < clauses.Length; i++)
        {
            fields[i] = Read(clauses[i], serverEvent, space);
        }

        return fields;
    }

    /// <summary>True when the where clause keeps the event; an empty clause keeps every event.</summary>
    public static bool Passes(ContentFilter where, ServerEvent serverEvent, UaAddressSpace space) =>
        where.Elements is not { Length: > 0 } elements || Evaluate(elements, 0, serverEvent, space, 0) is true;

    private static Variant Read(SimpleAttributeOperand operand, ServerEvent serverEvent, UaAddressSpace space)
    {
        // A field of a type the event is not of is Null (Part 4, 7.22.3).
        if (!operand.TypeDefinitionId.IsNull && !space.IsSubtypeOf(serverEvent.EventType, operand.TypeDefinitionId))
        {
            return Variant.Null;
        }

        var path = operand.BrowsePath ?? [];
        if (path.Length == 0)
        {
            return operand.AttributeId == Attributes.NodeId && serverEvent.ConditionId is { } id ? Variant.FromObject(BuiltInType.NodeId, id) : Variant.Null;
        }

        return operand.AttributeId == Attributes.Value ? serverEvent.Field(string.Join('/', path.Select(p => p.Name))) : Variant.Null;
    }

    private static bool? Evaluate(ContentFilterElement[] elements, int index, ServerEvent serverEvent, UaAddressSpace space, int depth)
    {
        if (depth > 64 || index >= elements.Length)
        {
            return null;
        }

        var element = elements[index];
        var operands = element.FilterOperands ?? [];
        Variant Operand(int i) => i >= operands.Length ? Variant.Null : operands[i].Body switch
        {
            LiteralOperand literal => literal.Value,
            SimpleAttributeOperand attribute => Read(attribute, serverEvent, space),
            ElementOperand e => Evaluate(elements, (int)e.Index, serverEvent, space, depth + 1) is { } b ? Variant.From(b) : Variant.Null,
            _ => Variant.Null,
        };
        bool? Logical(int i) => Operand(i) is { Type: BuiltInType.Boolean } v ? (bool)v.Value! : null;

        switch (element.FilterOperator)
        {
            case FilterOperator.OfType:
                return Operand(0).Value is NodeId type && space.IsSubtypeOf(serverEvent.EventType, type);
            case FilterOperator.And:
                return Logical(0) is { } a && Logical(1) is { } b && a && b;
            case FilterOperator.Or:
                return Logical(0) is true || Logical(1) is true;
            case FilterOperator.Not:
                return Logical(0) is { } n ? !n : null;
            case FilterOperator.IsNull:
                return Operand(0).IsNull;
            case FilterOperator.InList:
                var first = Operand(0);
                return Enumerable.Range(1, Math.Max(0, operands.Length - 1)).Any(i => Compare(first, Operand(i)) == 0);
            case FilterOperator.Equals:
                return Compare(Operand(0), Operand(1)) == 0;
            case FilterOperator.GreaterThan:
                return Compare(Operand(0), Operand(1)) > 0;
            case FilterOperator.LessThan:
                return Compare(Operand(0), Operand(1)) < 0;
            case FilterOperator.GreaterThanOrEqual:
                return Compare(Operand(0), Operand(1)) >= 0;
            case FilterOperator.LessThanOrEqual:
                return Compare(Operand(0), Operand(1)) <= 0;
            default:
                return null;
        }
    }

    /// <summary>Numbers compare as numbers, text as text (ordinal), anything else only for equality; null when not comparable.</summary>
    private static int? Compare(Variant left, Variant right)
    {
        if (left.IsNull || right.IsNull || left.IsArray || right.IsArray)
        {
            return null;
        }

        if (left.Type != BuiltInType.Boolean && right.Type != BuiltInType.Boolean && left.TryGetDouble(out var a) && right.TryGetDouble(out var b))
        {
            return a.CompareTo(b);
        }

        var l = left.Value is LocalizedText lt ? lt.Text : left.Value;
        var r = right.Value is LocalizedText rt ? rt.Text : right.Value;
        if (l is string ls && r is string rs)
        {
            return string.CompareOrdinal(ls, rs);
        }

        return Equals(l, r) ? 0 : null;
    }
}
