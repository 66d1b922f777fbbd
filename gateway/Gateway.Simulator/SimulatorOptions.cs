namespace Gateway.Simulator;

/// <summary>What the simulated shop looks like and where its OPC UA server listens.</summary>
public sealed record SimulatorOptions
{
    /// <summary>The address to listen on; loopback unless told otherwise.</summary>
    public string Bind { get; init; } = "127.0.0.1";

    /// <summary>The TCP port; 0 picks a free one (<see cref="SimulatorServer.Port"/> says which).</summary>
    public int Port { get; init; } = 4840;

    /// <summary>
    /// How many machines. They come in a repeating pattern of four: cnc, cnc, press, mould; named per kind
    /// (cnc-01, cnc-02, press-01, mould-01, cnc-03, ...).
    /// </summary>
    public int Machines { get; init; } = 4;

    /// <summary>
    /// Tags per machine: when larger than the machine's model tags, generated tags (Generated/Tag00001, ...) fill up
    /// to this number; 0 = model tags only.
    /// </summary>
    public int TagsPerMachine { get; init; }

    /// <summary>How often every value moves, in milliseconds.</summary>
    public int RateMs { get; init; } = 1000;

    /// <summary>The same seed gives the same sequence of values, tick by tick.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Machine time per wall-clock time: 60 lives a shift's cycles, idles and alarms in minutes (demos, tests).</summary>
    public double TimeScale { get; init; } = 1;

    /// <summary>
    /// Load-test mode: every generated tag changes on every tick to <see cref="TickValues.Of"/>(machine, tag, tick), a pure
    /// function, so a checker can recompute what was produced and find every lost or duplicated reading.
    /// </summary>
    public bool TickValues { get; init; }

    /// <summary>The number of the first tick (a restarted simulator continues where the last one stopped); tick values only.</summary>
    public long StartTick { get; init; }

    /// <summary>Stop moving values after this many ticks (the first values count as one); 0 = never. The server keeps serving.</summary>
    public long MaxTicks { get; init; }

    public bool AllowAnonymous { get; init; } = true;

    /// <summary>User name / password pairs the server accepts in addition to (or instead of) anonymous.</summary>
    public IReadOnlyDictionary<string, string> Users { get; init; } = new Dictionary<string, string>();

    public const int MaxMachines = 1000;

    public const int MaxTotalTags = 1_000_000;

    /// <summary>Every problem, each naming the option and the fix; empty when the options are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Machines is < 1 or > MaxMachines)
        {
            problems.Add($"machines: {Machines} is outside 1..{MaxMachines}");
        }

        if (TagsPerMachine < 0)
        {
            problems.Add($"tags-per-machine: {TagsPerMachine} must be 0 (model tags only) or more");
        }
        else if ((long)Machines * TagsPerMachine > MaxTotalTags)
        {
            problems.Add($"tags-per-machine: {Machines} machines x {TagsPerMachine} tags is over {MaxTotalTags:N0} tags in all; lower one of them");
        }

        if (RateMs is < 10 or > 3_600_000)
        {
            problems.Add($"rate-ms: {RateMs} is outside 10..3600000");
        }

        if (!(TimeScale >= 1 && TimeScale <= 1000))
        {
            problems.Add($"time-scale: {TimeScale} is outside 1..1000 (1 = real time)");
        }

        if (StartTick < 0 || MaxTicks < 0)
        {
            problems.Add($"start-tick / max-ticks: {StartTick} / {MaxTicks} must be 0 or more");
        }

        if (Port is < 0 or > 65535)
        {
            problems.Add($"port: {Port} is outside 0..65535 (0 picks a free port)");
        }

        if (!System.Net.IPAddress.TryParse(Bind, out _))
        {
            problems.Add($"bind: '{Bind}' is not an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every interface)");
        }

        return problems;
    }
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
