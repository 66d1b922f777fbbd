using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

using Gateway.Core;
using Gateway.OpcUa.Types;

using UaNodeId = Gateway.OpcUa.Types.NodeId;

namespace Gateway.Connectors.OpcUa;

/// <summary>Where a tag of an OPC UA source is: a NodeId, or a browse path resolved at each connect.</summary>
public sealed class OpcUaTagAddress
{
    // A NodeId with a string identifier is kept as two parts: the text before the identifier (`nsu=URI;s=`,
    // `ns=2;s=`), one shared instance per distinct text in the process, and the identifier, which the connector's
    // parsed NodeId then shares (see OpcUaTag.WithOwnIdentifier). Every tag of a machine made from a template
    // carries the same namespace URI: 100,000 tags kept it 100,000 times, about 80 B each, plus a second copy of
    // the identifier in the NodeId. Any other text is kept whole in _nodeIdTail with _nodeIdHead null.
    private string? _nodeIdHead;
    private string? _nodeIdTail;

    [Description("OPC UA NodeId: `ns=2;s=Spindle.Speed`, `i=2258`, `nsu=urn:...;s=...`, `g=...`, `b=...`. {machine} and variables are substituted.")]
    public string? NodeId
    {
        get => _nodeIdHead is null ? _nodeIdTail : string.Concat(_nodeIdHead, _nodeIdTail);
        set
        {
            var split = value is null ? -1 : StringIdentifierStart(value);
            if (split < 0)
            {
                _nodeIdHead = null;
                _nodeIdTail = value;
            }
            else
            {
                _nodeIdHead = string.Intern(value![..split]);
                _nodeIdTail = value[split..];
            }
        }
    }

    /// <summary>The text before the identifier (`nsu=URI;s=`), one instance per distinct text; null when kept whole.</summary>
    internal string? NodeIdHead => _nodeIdHead;

    /// <summary>The text after `s=` when the NodeId text is `nsu=URI;s=...` or `ns=N;s=...`, else null.</summary>
    internal string? StringIdentifier => _nodeIdHead is null ? null : _nodeIdTail;

    /// <summary>The NodeId text and the other's are equal (without putting either together).</summary>
    /// <remarks>A text is always split the same way and heads are interned, so equal texts have the same head instance.</remarks>
    internal bool SameNodeId(OpcUaTagAddress other) =>
        ReferenceEquals(_nodeIdHead, other._nodeIdHead) && string.Equals(_nodeIdTail, other._nodeIdTail, StringComparison.Ordinal);

    /// <summary>A NodeId is set (without putting its text together).</summary>
    internal bool HasNodeId => _nodeIdTail is not null;

    /// <summary>A hash of the NodeId text that equal texts share (a text is split the same way whatever its instance).</summary>
    internal int NodeIdHash() => HashCode.Combine(_nodeIdHead, _nodeIdTail);

    [Description("Browse path from Objects, e.g. `Objects/CNC1/Spindle/Speed` (segments may be `ns:Name`). Used when nodeId is not set.")]
    public string? Path { get; set; }

    [Description("OPC UA index range for arrays, e.g. `0:9`.")]
    public string? IndexRange { get; set; }

    [AllowedValues("json", "flatten", "raw")]
    [Description("For a structured DataType: `json` (default; one reading whose value is the structure as a JSON object), `flatten` (one reading per leaf field, named `tag.field.sub`, `tag.list[0].sub`) or `raw` (type id and base64 body, undecoded).")]
    public string Structure { get; set; } = "json";

    [Description("For a structured DataType: the fields to keep, as dot-separated paths without array indexes (`Life.Used`, `WearHistory`); a path keeps everything under it. Empty keeps all.")]
    public List<string>? Fields { get; set; }

    /// <summary>
    /// Where the identifier of `nsu=URI;s=ID` or `ns=N;s=ID` starts (Part 6, 5.1.12), or -1 for any other text
    /// (numeric, GUID and opaque ids are short; text with spaces around it or not of this form is kept as written).
    /// The first `;s=` after the namespace part ends the head, so the heads are as few as the namespaces.
    /// </summary>
    private static int StringIdentifierStart(string text)
    {
        if (!text.StartsWith("nsu=", StringComparison.Ordinal) && !text.StartsWith("ns=", StringComparison.Ordinal))
        {
            return -1;
        }

        var marker = text.IndexOf(";s=", 3, StringComparison.Ordinal);
        return marker < 0 || marker + 3 >= text.Length ? -1 : marker + 3;
    }
}

/// <summary>
/// One tag as the OPC UA connector reads it: a view of the configuration's own objects, not a copy. The group's part
/// (source, machine, group, interval, options, measurement, labels) is one <see cref="SourceGroup"/> shared by the
/// group's tags, and the address is the configuration's <see cref="OpcUaTagAddress"/> instance (which the host keeps
/// anyway), so a tag costs the connector one small object (100,000 tags: 5.6 MB instead of 12 MB of copied fields).
/// Equality is by value, over the same parts as ever: source, machine, group, tag, NodeId, browse path, index range,
/// group options, interval, measurement, labels, unitFromServer, structure and fields.
/// </summary>
public sealed class OpcUaTag : IEquatable<OpcUaTag>
{
    private readonly SourceGroup _group;
    private readonly OpcUaTagAddress _address;

    /// <param name="NodeId">The NodeId text, or null when <paramref name="BrowsePath"/> is used.</param>
    /// <param name="BrowsePath">The browse path, or null.</param>
    /// <param name="IndexRange">The OPC UA index range, or null.</param>
    /// <param name="GroupConfig">The tag group's acquisition settings (mode, queue, deadband).</param>
    /// <param name="Interval">The group's interval (poll, or subscription publishing).</param>
    /// <param name="UnitFromServer">Read the unit from the node's EngineeringUnits property.</param>
    public OpcUaTag(
        string Source,
        string Machine,
        string Group,
        string Tag,
        string? NodeId,
        string? BrowsePath,
        string? IndexRange,
        OpcUaGroupOptions GroupConfig,
        TimeSpan Interval,
        string Measurement,
        LabelSet Labels,
        bool UnitFromServer)
        : this(
            new SourceGroup(Source, Machine, Group, Interval, GroupConfig, Measurement, Labels),
            Tag,
            new OpcUaTagAddress { NodeId = NodeId, Path = NodeId is null ? BrowsePath : null, IndexRange = IndexRange },
            UnitFromServer)
    {
    }

    private OpcUaTag(SourceGroup group, string tag, OpcUaTagAddress address, bool unitFromServer)
    {
        _group = group;
        Tag = tag;
        _address = address;
        UnitFromServer = unitFromServer;
    }

    public string Source => _group.Source;

    public string Machine => _group.Machine;

    public string Group => _group.Group;

    public string Tag { get; }

    /// <summary>The NodeId text, or null when <see cref="BrowsePath"/> is used.</summary>
    public string? NodeId => _address.NodeId;

    /// <summary>The browse path, or null (also when a NodeId is given: the NodeId wins).</summary>
    public string? BrowsePath => _address.HasNodeId ? null : _address.Path;

    /// <summary>The OPC UA index range, or null.</summary>
    public string? IndexRange => _address.IndexRange;

    /// <summary>The tag group's acquisition settings (mode, queue, deadband).</summary>
    public OpcUaGroupOptions GroupConfig => (OpcUaGroupOptions)_group.GroupOptions;

    /// <summary>The group's interval (poll, or subscription publishing).</summary>
    public TimeSpan Interval => _group.Interval;

    public string Measurement => _group.Measurement;

    public LabelSet Labels => _group.Labels;

    /// <summary>Read the unit from the node's EngineeringUnits property.</summary>
    public bool UnitFromServer { get; }

    /// <summary>What a value of a structured DataType becomes (`structure:`).</summary>
    public StructureMode Structure { get; private init; }

    /// <summary>The part of a structure kept (`fields:`), or null for all of it.</summary>
    public FieldSelection? Fields { get; private init; }

    /// <summary>Where <see cref="SourceTagHealth"/> keeps this tag's status (checked there against its own table).</summary>
    internal int HealthSlot { get; set; } = -1;

    public static OpcUaTag From(SourceTag tag) => From(tag, new SourceGroup(tag.Source, tag.Machine, tag.Group, tag.Interval, tag.GroupOptions, tag.Measurement, tag.Labels));

    /// <summary>The tags of a source, the tags of one group sharing one <see cref="SourceGroup"/>.</summary>
    public static List<OpcUaTag> From(IReadOnlyList<SourceTag> tags)
    {
        var groups = new Dictionary<SourceGroup, SourceGroup>();
        var result = new List<OpcUaTag>(tags.Count);
        SourceGroup? last = null;
        foreach (var tag in tags)
        {
            // A group's tags come one after the other: most tags reuse the previous tag's group without a lookup.
            if (last is null || !IsOf(last, tag))
            {
                var group = new SourceGroup(tag.Source, tag.Machine, tag.Group, tag.Interval, tag.GroupOptions, tag.Measurement, tag.Labels);
                if (!groups.TryGetValue(group, out last))
                {
                    groups[group] = last = group;
                }
            }

            result.Add(From(tag, last));
        }

        return result;
    }

    private static bool IsOf(SourceGroup group, SourceTag tag) =>
        string.Equals(group.Machine, tag.Machine, StringComparison.Ordinal)
        && string.Equals(group.Group, tag.Group, StringComparison.Ordinal)
        && string.Equals(group.Source, tag.Source, StringComparison.Ordinal)
        && group.Interval == tag.Interval
        && Equals(group.GroupOptions, tag.GroupOptions)
        && string.Equals(group.Measurement, tag.Measurement, StringComparison.Ordinal)
        && Equals(group.Labels, tag.Labels);

    private static OpcUaTag From(SourceTag tag, SourceGroup group)
    {
        var address = (OpcUaTagAddress)tag.Address;
        _ = (OpcUaGroupOptions)tag.GroupOptions; // a wrong options type fails here, as it did when the options were copied
        return new OpcUaTag(group, tag.Tag, address, tag.UnitFromDevice)
        {
            Structure = address.Structure switch
            {
                "flatten" => StructureMode.Flatten,
                "raw" => StructureMode.Raw,
                _ => StructureMode.Json,
            },
            Fields = FieldSelection.From(address.Fields),
        };
    }

    public bool Equals(OpcUaTag? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (string.Equals(Source, other.Source, StringComparison.Ordinal)
                && string.Equals(Machine, other.Machine, StringComparison.Ordinal)
                && string.Equals(Group, other.Group, StringComparison.Ordinal)
                && string.Equals(Tag, other.Tag, StringComparison.Ordinal)
                && _address.SameNodeId(other._address)
                && string.Equals(BrowsePath, other.BrowsePath, StringComparison.Ordinal)
                && string.Equals(IndexRange, other.IndexRange, StringComparison.Ordinal)
                && Equals(GroupConfig, other.GroupConfig)
                && Interval == other.Interval
                && string.Equals(Measurement, other.Measurement, StringComparison.Ordinal)
                && Equals(Labels, other.Labels)
                && UnitFromServer == other.UnitFromServer
                && Structure == other.Structure
                && Equals(Fields, other.Fields)));

    public override bool Equals(object? obj) => Equals(obj as OpcUaTag);

    public override int GetHashCode() => HashCode.Combine(Machine, Group, Tag, _address.NodeIdHash(), BrowsePath);

    /// <summary>
    /// <paramref name="resolved"/> (this tag's NodeId as the session resolved it) holding the address's own identifier
    /// instance when the two are equal, so the tag's identifier is kept once, not once more per NodeId.
    /// </summary>
    internal UaNodeId WithOwnIdentifier(UaNodeId resolved) =>
        resolved.IdType == IdType.String
        && _address.StringIdentifier is { } own
        && !ReferenceEquals(own, resolved.StringIdentifier)
        && string.Equals(own, resolved.StringIdentifier, StringComparison.Ordinal)
            ? new UaNodeId(resolved.NamespaceIndex, own)
            : resolved;

    public override string ToString() => $"{Source}/{Machine}/{Group}/{Tag} ({NodeId ?? BrowsePath})";
}
