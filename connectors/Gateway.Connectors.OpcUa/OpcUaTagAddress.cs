using System.ComponentModel;

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
            tag.UnitFromDevice);
    }
}
