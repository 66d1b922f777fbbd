using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Gateway.Connectors.OpcUa.Discovery;

/// <summary>
/// `discover:` in a tag group: the group's tags are found by browsing the server instead of (or besides) being listed,
/// at every connect, and again every <see cref="EveryMinutes"/>. Either a browse (<see cref="Start"/>, <see cref="Glob"/>,
/// <see cref="NodeClasses"/>, <see cref="DataTypes"/>) or a companion model (<see cref="Model"/>: machinetool).
/// </summary>
[Description("Find this group's tags by browsing the server: at connect, after every reconnect, and every `everyMinutes`.")]
public sealed class DiscoverOptions
{
    [Description("A companion model to find instead of a glob: `machinetool` (OPC 40501: every MachineToolType instance's operation mode, machine state, active program and state, part counters, overrides).")]
    public DiscoveryModel? Model { get; set; }

    [Description("Where the browse starts: a browse path from Objects (`Objects/Machines`, segments may be `ns:Name`) or a NodeId (`nsu=...;s=...`). Default: the Objects folder.")]
    public string Start { get; set; } = "Objects";

    [Description("Glob on the browse path below `start`, '/'-separated browse names: `*` any run of characters within a name, `?` one character, `**` any number of levels, e.g. `Machine*/Spindle/*`.")]
    public string Glob { get; set; } = "**";

    [Description("Node classes to keep: Variable (default), Object. Objects are kept only to be listed, never read.")]
    public List<string> NodeClasses { get; set; } = ["Variable"];

    [Description("Data types to keep, by built-in name (`Double`, `Int32`, `String`, ...) or NodeId; empty keeps every type.")]
    public List<string> DataTypes { get; set; } = [];

    [Description("For `model: machinetool`: a glob on the browse names of the MachineTool instances this group reads (default: all; with more than one, tag names start with the instance's name).")]
    public string Instances { get; set; } = "*";

    [Range(1, 1_000_000)]
    [Description("Most nodes one discovery may visit; a larger address space is cut there with a warning naming the key.")]
    public int MaxNodes { get; set; } = 20_000;

    [Range(0, 10_080)]
    [Description("Discover again every N minutes while connected (0: only at connect and after every reconnect). A change re-opens the session with the new tag list.")]
    public int EveryMinutes { get; set; }
}

/// <summary>The companion models `discover.model` knows.</summary>
public enum DiscoveryModel
{
    /// <summary>OPC 40501 (umati): instances of MachineToolType.</summary>
    Machinetool,
}
