using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Gateway.Connectors.OpcUa;

public enum AcquisitionMode
{
    Subscribe,
    Poll,
}

/// <summary>The keys of a tag group of an OPC UA source besides the common ones (name, intervalMs, measurement, normalize, tags).</summary>
public sealed class OpcUaGroupOptions
{
    [Description("`subscribe` (monitored items, default) or `poll` (Read every interval).")]
    public AcquisitionMode Mode { get; set; } = AcquisitionMode.Subscribe;

    [Range(-1, 3_600_000)]
    [Description("Sampling interval for subscribed items in ms (-1 = same as the publishing interval).")]
    public int SamplingIntervalMs { get; set; } = -1;

    [Range(0, 10000)]
    [Description("Server-side queue size per monitored item.")]
    public int QueueSize { get; set; } = 10;

    [AllowedValues("none", "absolute", "percent")]
    [Description("Server-side deadband for subscribed items: `none`, `absolute` or `percent`.")]
    public string DeadbandType { get; set; } = "none";

    [Range(0, double.MaxValue)]
    public double DeadbandValue { get; set; }

    [Description("Find this group's tags by browsing (a glob on browse paths, or `model: machinetool`); listed tags stand beside the discovered ones.")]
    public Discovery.DiscoverOptions? Discover { get; set; }

    [Description("After the gateway was stopped or the server unreachable, read the missed values with HistoryRead (nodes with the AccessLevel HistoryRead bit) and send them, marked backfilled, before live ones.")]
    public bool Backfill { get; set; }

    [Range(1, 525_600)]
    [Description("The longest gap `backfill` reads, in minutes, counted back from the reconnect; older values are left out (logged).")]
    public int MaxGapMinutes { get; set; } = 1440;
}
