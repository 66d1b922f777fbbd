using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;

using Gateway.Core;

namespace Gateway.Simulator;

/// <summary>
/// What the simulated shop looks like and where its OPC UA server listens. The gateway's `simulator:` YAML section
/// binds to this type (its public settable properties, camelCase, checked against [Range]; [NotAKey] ones are for code
/// and `gateway simulate` only), and `gateway simulate` takes its defaults and help from it, so both read the same
/// options with the same limits.
/// </summary>
public sealed record SimulatorOptions
{
    public const int MaxMachines = 1000;

    public const int MaxTagsPerMachine = 100_000;

    public const int MaxTotalTags = 1_000_000;

    [Description("Start the simulator inside the gateway (`gateway run`); `gateway simulate` always starts it.")]
    public bool Enabled { get; init; } = true;

    [Description("Address to bind the simulator's OPC UA endpoint to (127.0.0.1: this machine only, 0.0.0.0: every interface).")]
    public string Bind { get; init; } = "127.0.0.1";

    [Range(0, 65535)]
    [Description("TCP port of the simulator's endpoint (0 = any free port).")]
    public int Port { get; init; } = 4840;

    [Range(-1, 65535)]
    [Description("TCP port of the simulator's MELSEC PLC (MC protocol: 3E/4E/1E frames, binary and ASCII) on the same bind address; -1 = none, 0 = any free port.")]
    public int MelsecPort { get; init; } = -1;

    [Range(-1, 65535)]
    [Description("TCP port of the simulator's Modbus TCP server, a power meter (unit 1) and a PLC (unit 2) that follow the machines, on the same bind address; -1 = none, 0 = any free port.")]
    public int ModbusPort { get; init; } = -1;

    /// <remarks>Kinds repeat cnc, cnc, press, mould; named per kind (cnc-01, cnc-02, press-01, mould-01, cnc-03, ...).</remarks>
    [Range(1, MaxMachines)]
    [Description("How many simulated machines the simulator serves (kinds repeat cnc, cnc, press, mould).")]
    public int Machines { get; init; } = 4;

    [Range(0, MaxTagsPerMachine)]
    [Description("Extra generated tags per machine, for load tests: when above the machine's model tags, Generated/TagNNNNN tags fill up to this number (0 = model tags only).")]
    public int TagsPerMachine { get; init; }

    [Description("Serve a structured tag per CNC: `{machine}/Tool`, a ToolData structure (number, name, Life { Used, Limit }, WearHistory[], optional Comment) with its DataType, encoding and DataTypeDefinition.")]
    public bool ToolRecords { get; init; }

    [Range(10, 3_600_000)]
    [Description("How often simulated values change, in milliseconds.")]
    public int RateMs { get; init; } = 1000;

    [Description("Random seed, so that a run is reproducible (the same seed gives the same values, tick by tick).")]
    public int Seed { get; init; } = 1;

    [Range(1, 1000)]
    [Description("Machine time per wall-clock time (1 = real time; 60 shows a shift's cycles, idles and alarms within minutes).")]
    public double TimeScale { get; init; } = 1;

    [Description("Also model the first CNC per OPC 40501 (umati MachineTool) at Objects/Machines/MachineTool-cnc-01, its values following that CNC (read it with `discover: {model: machinetool}`).")]
    public bool MachineTool { get; init; }

    /// <remarks>The load harness recomputes what was produced from <see cref="Gateway.Simulator.TickValues.Of"/> and finds every lost or duplicated reading.</remarks>
    [NotAKey]
    [Description("Load tests: generated tags change on every tick to a pure function of (machine, tag, tick), so a checker can recompute them.")]
    public bool TickValues { get; init; }

    [NotAKey]
    [Range(0, double.MaxValue)]
    [Description("With tick values: the first tick's number (a restarted simulator continues where the last one stopped).")]
    public long StartTick { get; init; }

    [NotAKey]
    [Range(0, double.MaxValue)]
    [Description("Stop moving values after this many ticks (the first values count as one); 0 = never. The server keeps serving.")]
    public long MaxTicks { get; init; }

    /// <remarks>Tests compute an oracle from it (docs/oee.md); it grows with every tick, so it is off for real runs.</remarks>
    [NotAKey]
    [Description("Tests: keep each tick's execution state and counters per machine (SimulatorServer.Schedule).")]
    public bool RecordSchedule { get; init; }

    [NotAKey]
    public bool AllowAnonymous { get; init; } = true;

    /// <summary>User name / password pairs the server accepts in addition to (or instead of) anonymous.</summary>
    [NotAKey]
    public IReadOnlyDictionary<string, string> Users { get; init; } = new Dictionary<string, string>();

    /// <summary>The [Description] of an option, for help texts that must say what the YAML schema says.</summary>
    public static string Describe(string property) =>
        typeof(SimulatorOptions).GetProperty(property)?.GetCustomAttribute<DescriptionAttribute>()?.Description
        ?? throw new ArgumentException($"{property} is not a described simulator option", nameof(property));

    /// <summary>
    /// Every problem, each naming the option (its property name, which the caller spells as a YAML key or a command-line
    /// option) and the fix; empty when the options are usable.
    /// </summary>
    public IReadOnlyList<SimulatorOptionProblem> Problems()
    {
        var problems = new List<SimulatorOptionProblem>();
        foreach (var property in typeof(SimulatorOptions).GetProperties())
        {
            if (property.GetCustomAttribute<RangeAttribute>() is not { } range)
            {
                continue;
            }

            var value = Convert.ToDouble(property.GetValue(this), CultureInfo.InvariantCulture);
            var min = Convert.ToDouble(range.Minimum, CultureInfo.InvariantCulture);
            var max = Convert.ToDouble(range.Maximum, CultureInfo.InvariantCulture);
            if (!(value >= min && value <= max))
            {
                var shown = Convert.ToString(property.GetValue(this), CultureInfo.InvariantCulture);
                problems.Add(new(property.Name, max >= double.MaxValue ? $"{shown} must be {min} or more" : $"{shown} is outside {min}..{max}"));
            }
        }

        if (TagsPerMachine >= 0 && (long)Machines * TagsPerMachine > MaxTotalTags)
        {
            problems.Add(new(nameof(TagsPerMachine), $"{Machines} machines x {TagsPerMachine} tags is over {MaxTotalTags:N0} tags in all; lower one of them"));
        }

        if (!System.Net.IPAddress.TryParse(Bind, out _))
        {
            problems.Add(new(nameof(Bind), $"'{Bind}' is not an IP address; use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)"));
        }

        return problems;
    }

    /// <summary>Every problem as `option-name: what is wrong`, in the command line's spelling.</summary>
    public IReadOnlyList<string> Validate() => [.. Problems().Select(p => $"{p.CommandLineOption}: {p.Problem}")];
}

/// <summary>One unusable simulator option: its property name and what is wrong with it.</summary>
public sealed record SimulatorOptionProblem(string Option, string Problem)
{
    /// <summary>The YAML key under `simulator:`, e.g. tagsPerMachine.</summary>
    public string Key => char.ToLowerInvariant(Option[0]) + Option[1..];

    /// <summary>The `gateway simulate` option without its dashes, e.g. tags-per-machine.</summary>
    public string CommandLineOption => string.Concat(Option.Select((c, i) => char.IsUpper(c) ? (i == 0 ? "" : "-") + char.ToLowerInvariant(c) : c.ToString()));
}

/// <summary>One simulated tag as advertised: where it is, what type it has and in which unit.</summary>
/// <param name="NodeId">The node id with the namespace index, e.g. <c>ns=2;s=cnc-01/Spindle/Speed</c> (<see cref="ExpandedNodeId"/> names the namespace by URI).</param>
/// <param name="Path">The browse path below Objects, e.g. <c>cnc-01/Spindle/Speed</c> (also the string identifier).</param>
/// <param name="Machine">The machine, e.g. <c>cnc-01</c>.</param>
/// <param name="MachineKind">cnc, press or mould.</param>
/// <param name="DataType">The OPC UA built-in type name: Double, Int32, Boolean, String.</param>
/// <param name="Unit">The engineering unit, or null for a dimensionless value.</param>
/// <param name="Description">What the value is.</param>
public sealed record SimulatedTag(string NodeId, string Path, string Machine, string MachineKind, string DataType, string? Unit, string Description)
{
    public string ExpandedNodeId => $"nsu={SimulatorServer.NamespaceUri};s={Path}";
}
