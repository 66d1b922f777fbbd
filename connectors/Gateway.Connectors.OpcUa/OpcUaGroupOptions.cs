using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Gateway.Connectors.OpcUa;

public enum AcquisitionMode
{
    Subscribe,
    Poll,

    /// <summary>Events and alarms of event notifiers (Part 4, 5.12.1 with an EventFilter); no tags needed.</summary>
    Events,
}

/// <summary>The keys of a tag group of an OPC UA source besides the common ones (name, intervalMs, measurement, normalize, tags).</summary>
public sealed class OpcUaGroupOptions
{
    [Description("`subscribe` (monitored items, default), `poll` (Read every interval) or `events` (events and alarms of `notifiers`, no tags needed; docs/events.md).")]
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
    [Description("Mode events: the objects whose events are subscribed (NodeIds, `nsu=` allowed, {machine} substituted); default the Server object i=2253, which reports every event of the server.")]
    public List<string> Notifiers { get; set; } = [];

    [Description("Mode events: more event fields to select, by browse path from the event type (`AlarmNumber`, `2:Vendor/Code`, segments `ns:Name`), added to each event under `fields`.")]
    public List<string> Fields { get; set; } = [];

    [Range(1, 100_000)]
    [Description("Mode events: the server's event queue per notifier (events kept between two publishes); when it overflows the server says so with an EventQueueOverflow event, flagged as a data gap.")]
    public int EventQueueSize { get; set; } = 1000;

    [Description("Mode events: which events the server sends (the EventFilter's where clause).")]
    public EventWhereOptions Where { get; set; } = new();

    [AllowedValues("inactive", "acknowledged")]
    [Description("Mode events: an alarm episode ends when the alarm becomes `inactive` (default) or when it is inactive and `acknowledged`.")]
    public string EpisodeEnd { get; set; } = "inactive";
}

/// <summary>The where clause of an events group (Part 4, 7.7): all set parts must hold.</summary>
public sealed class EventWhereOptions
{
    [Description("Event types to keep, with their subtypes (OfType): standard names (`AlarmConditionType`, `SystemEventType`, ...) or NodeIds.")]
    public List<string> OfType { get; set; } = [];

    [Range(0, 1000)]
    [Description("Keep events of at least this severity (1-1000).")]
    public int? MinSeverity { get; set; }

    [Description("Keep events whose SourceName is one of these.")]
    public List<string> SourceNames { get; set; } = [];
}
