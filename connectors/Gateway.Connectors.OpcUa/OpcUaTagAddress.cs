using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

using Gateway.Core;

namespace Gateway.Connectors.OpcUa;

/// <summary>Where a tag of an OPC UA source is: a NodeId, or a browse path resolved at each connect.</summary>
public sealed class OpcUaTagAddress
{
    [Description("OPC UA NodeId: `ns=2;s=Spindle.Speed`, `i=2258`, `nsu=urn:...;s=...`, `g=...`, `b=...`. {machine} and variables are substituted.")]
    public string? NodeId { get; set; }

    [Description("Browse path from Objects, e.g. `Objects/CNC1/Spindle/Speed` (segments may be `ns:Name`). Used when nodeId is not set.")]
    public string? Path { get; set; }

    [Description("OPC UA index range for arrays, e.g. `0:9`.")]
    public string? IndexRange { get; set; }

    [AllowedValues("json", "flatten", "raw")]
    [Description("For a structured DataType: `json` (default; one reading whose value is the structure as a JSON object), `flatten` (one reading per leaf field, named `tag.field.sub`, `tag.list[0].sub`) or `raw` (type id and base64 body, undecoded).")]
    public string Structure { get; set; } = "json";

    [Description("For a structured DataType: the fields to keep, as dot-separated paths without array indexes (`Life.Used`, `WearHistory`); a path keeps everything under it. Empty keeps all.")]
    public List<string>? Fields { get; set; }
}

/// <summary>One tag as the OPC UA connector reads it: the source tag with its address and group options typed.</summary>
/// <param name="NodeId">The NodeId text, or null when <paramref name="BrowsePath"/> is used.</param>
/// <param name="BrowsePath">The browse path, or null.</param>
/// <param name="IndexRange">The OPC UA index range, or null.</param>
/// <param name="GroupConfig">The tag group's acquisition settings (mode, queue, deadband).</param>
/// <param name="Interval">The group's interval (poll, or subscription publishing).</param>
/// <param name="UnitFromServer">Read the unit from the node's EngineeringUnits property.</param>
public sealed record OpcUaTag(
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
{
    /// <summary>What a value of a structured DataType becomes (`structure:`).</summary>
    public StructureMode Structure { get; init; }

    /// <summary>The part of a structure kept (`fields:`), or null for all of it.</summary>
    public FieldSelection? Fields { get; init; }

    public static OpcUaTag From(SourceTag tag)
    {
        var address = (OpcUaTagAddress)tag.Address;
        return new OpcUaTag(
            tag.Source,
            tag.Machine,
            tag.Group,
            tag.Tag,
            address.NodeId,
            address.NodeId is null ? address.Path : null,
            address.IndexRange,
            (OpcUaGroupOptions)tag.GroupOptions,
            tag.Interval,
            tag.Measurement,
            tag.Labels,
            tag.UnitFromDevice)
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
}
