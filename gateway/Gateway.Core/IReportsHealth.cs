namespace Gateway.Core;

/// <summary>
/// What a source or a sink says about itself to the monitoring (/metrics, /status, the <c>gateway</c> measurement),
/// so that the host never needs to know which kind of source or sink it is. Every member has a default: a part
/// that knows nothing more than its <see cref="ConnectionState"/> implements none of them.
/// </summary>
public interface IReportsHealth
{
    /// <summary>Why the part does not work, in the operator's words, and since when; null while it works.</summary>
    HealthProblem? Problem => null;

    /// <summary>How the tags of one machine stand (a source that knows each tag's latest status); null when it keeps no such record.</summary>
    MachineTagHealth? TagHealthOf(string machine) => null;

    /// <summary>
    /// Adds the part's own counters and gauges (see <see cref="MetricSample"/>); the host adds the <c>source</c> or
    /// <c>sink</c> label. Called from the monitoring threads, so it reads thread-safe figures only.
    /// </summary>
    void ReportSamples(ICollection<MetricSample> samples)
    {
    }
}

/// <summary>Why a part does not work (the last failure of the running outage) and when the outage started.</summary>
public sealed record HealthProblem(string Problem, DateTimeOffset Since);

/// <summary>How many of a machine's tags are Bad, and the status of the first of them (in configuration order).</summary>
/// <param name="FirstBadStatus">The status as the protocol names it, e.g. "BadNodeIdUnknown (0x80340000)".</param>
/// <param name="Discovery">For tags found by browsing: the last change, e.g. "discovered 12 (+1, -0 at 15:30:02Z)"; null otherwise.</param>
public sealed record MachineTagHealth(int Tags, int BadTags, string? FirstBadStatus, string? Discovery = null)
{
    /// <summary>"all 3 tags Bad (BadNodeIdUnknown (0x80340000))", "1 of 3 tags Bad (...)", "3 tags, none Bad"; then the discovery, if any.</summary>
    public string Describe() => Discovery is null ? DescribeTags() : $"{DescribeTags()}; {Discovery}";

    private string DescribeTags() => (BadTags, Tags) switch
    {
        (0, 1) => "1 tag, not Bad",
        (0, _) => $"{Tags} tags, none Bad",
        (1, 1) => $"its only tag Bad ({FirstBadStatus})",
        _ when BadTags == Tags => $"all {Tags} tags Bad ({FirstBadStatus})",
        _ => $"{BadTags} of {Tags} tags Bad ({FirstBadStatus})",
    };
}

public enum MetricKind
{
    /// <summary>Only grows while the part lives (a Prometheus counter; its name ends in <c>_total</c>).</summary>
    Counter,

    /// <summary>A level now (items, tags, seconds); goes up and down.</summary>
    Gauge,
}

/// <summary>
/// One figure of a part. <see cref="Name"/> is the Prometheus name, <c>gateway_…</c> as docs/monitoring.md lists
/// them (counters end in <c>_total</c>); in the <c>gateway</c> measurement the field is the name without
/// <c>gateway_</c> and <c>_total</c>. <see cref="Labels"/> are extra labels besides source or sink (e.g. <c>path</c>);
/// a sample with labels becomes a point of its own in the measurement, tagged with them.
/// </summary>
public sealed record MetricSample(string Name, string Help, MetricKind Kind, double Value, bool Whole, IReadOnlyList<KeyValuePair<string, string>> Labels)
{
    /// <summary>A whole-number counter, e.g. <c>gateway_sink_dead_lettered_total</c>.</summary>
    public static MetricSample Counter(string name, string help, long value, params KeyValuePair<string, string>[] labels) =>
        new(name, help, MetricKind.Counter, value, true, labels);

    /// <summary>A whole-number level, e.g. monitored items now.</summary>
    public static MetricSample Gauge(string name, string help, long value, params KeyValuePair<string, string>[] labels) =>
        new(name, help, MetricKind.Gauge, value, true, labels);

    /// <summary>Seconds that only grow (time spent waiting, summed).</summary>
    public static MetricSample CounterSeconds(string name, string help, double seconds) =>
        new(name, help, MetricKind.Counter, seconds, false, []);

    /// <summary>Seconds now (an age, a maximum).</summary>
    public static MetricSample GaugeSeconds(string name, string help, double seconds) =>
        new(name, help, MetricKind.Gauge, seconds, false, []);

    /// <summary>The field of the <c>gateway</c> measurement: the name without <c>gateway_</c> and <c>_total</c>.</summary>
    public string FieldName
    {
        get
        {
            var name = Name.StartsWith("gateway_", StringComparison.Ordinal) ? Name["gateway_".Length..] : Name;
            return name.EndsWith("_total", StringComparison.Ordinal) ? name[..^"_total".Length] : name;
        }
    }
}
