using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.LoadTests;

/// <summary>What one run measured, written as JSON (tests/Gateway.LoadTests/results/SCENARIO.json).</summary>
public sealed record LoadResult
{
    public required string Scenario { get; init; }

    public required DateTime StartedAt { get; init; }

    public required LoadScenario Parameters { get; init; }

    public required MachineInfo Machine { get; init; }

    /// <summary>Seconds of the measured window (after warm-up, until the simulator froze its values).</summary>
    public double MeasuredSeconds { get; init; }

    public Throughput Throughput { get; init; } = new();

    public LatencyFigures Latency { get; init; } = new();

    public LatencyFigures LiveLatency { get; init; } = new();

    public ProcessFigures Gateway { get; init; } = new();

    public DeliveryFigures Delivery { get; init; } = new();

    public FaultFigures? Fault { get; init; }

    public SoakFigures? Soak { get; init; }

    /// <summary>The bare MQTTnet client in the same run, against the same broker (issue 26).</summary>
    public BareBaseline? Baseline { get; init; }

    /// <summary>The gateway's CPU per reading delivered to MQTT, and its ratio to the baseline's CPU per message.</summary>
    public CostPerReading? CostPerReading { get; init; }

    /// <summary>From the gateway process's start to the first reading at the subscriber.</summary>
    public double StartToFirstReadingSeconds { get; init; }

    public FixedCostFigures? FixedCost { get; init; }

    /// <summary>The fixed cost again once the gateway has run `--settle-seconds` (null without it).</summary>
    public SettledFixedCost? SettledFixedCost { get; init; }

    public List<Target> Targets { get; init; } = [];

    public bool Passed => Targets.All(t => t.Passed);

    public List<string> Notes { get; init; } = [];

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}

public sealed record MachineInfo(string Cpu, int Cores, long MemoryMb, string Os, string LoadAverageAtStart, string LoadAverageAtEnd, string Dotnet);

/// <summary>Readings per second over the measured window.</summary>
public sealed record Throughput
{
    public double Produced { get; init; }

    public double Buffered { get; init; }

    public Dictionary<string, double> DeliveredBySink { get; init; } = [];

    public double ReceivedBySubscriber { get; init; }
}

public sealed record LatencyFigures
{
    public long Count { get; init; }

    public double P50Ms { get; init; }

    public double P99Ms { get; init; }

    public double MaxMs { get; init; }

    public static LatencyFigures Of(LatencyHistogram histogram) => new()
    {
        Count = histogram.Count,
        P50Ms = histogram.Percentile(50),
        P99Ms = histogram.Percentile(99),
        MaxMs = Math.Round(histogram.MaxMs, 1),
    };
}

public sealed record ProcessFigures
{
    /// <summary>CPU over the measured window, in % of one core.</summary>
    public double CpuPercentOfOneCore { get; init; }

    public double PeakRssMb { get; init; }

    public double RssAtEndMb { get; init; }

    public int ThreadsAtEnd { get; init; }

    public int HandlesAtEnd { get; init; }

    public int ThreadsMax { get; init; }

    public int HandlesMax { get; init; }
}

public sealed record DeliveryFigures
{
    /// <summary>Of the readings received, those on the replay topic (a run with --replay-topic).</summary>
    public long Replayed { get; init; }

    /// <summary>Ticks x series the simulator produced that the subscriber should have got (from each series' first reading).</summary>
    public long Expected { get; init; }

    /// <summary>Distinct (series, tick) pairs received over MQTT.</summary>
    public long UniqueReceived { get; init; }

    /// <summary>Produced while the gateway or the server was down (nobody could read them): not counted as lost.</summary>
    public long Excused { get; init; }

    public long Lost { get; init; }

    public List<string> LostExamples { get; init; } = [];

    /// <summary>Of <see cref="Lost"/>, readings whose series' next reading was flagged as a gap: lost, but the user was told.</summary>
    public long LostReported { get; init; }

    /// <summary>The lost readings described: runs, ticks and their production times, machines, the commonest runs.</summary>
    public List<string> LossDetail { get; init; } = [];

    /// <summary>Buffer sequence numbers missing at the subscriber: readings the gateway accepted and never delivered.</summary>
    public long MissingSequenceNumbers { get; init; }

    /// <summary>The same buffer sequence number received again (QoS 1 redelivery; allowed).</summary>
    public long Redelivered { get; init; }

    /// <summary>The same (series, tick) under another sequence number (read twice, e.g. on resubscribe; allowed).</summary>
    public long DuplicateTicks { get; init; }

    public long BadQualityReadings { get; init; }

    /// <summary>Readings flagged by the OPC UA server as following a queue overflow (older values dropped at the server).</summary>
    public long ServerQueueOverflows { get; init; }

    /// <summary>Readings the gateway flagged `"gap": true` (values before them lost: an overflow or a notification no longer at the server).</summary>
    public long GapFlagged { get; init; }

    public long WrongValues { get; init; }

    public long SeriesNeverSeen { get; init; }

    public long VictoriaSamples { get; init; }

    /// <summary>Distinct Good numeric and boolean readings the subscriber saw that VictoriaMetrics does not hold.</summary>
    public long VictoriaMissing { get; init; }

    public Dictionary<string, double> PendingAtEnd { get; init; } = [];
}

public sealed record FaultFigures
{
    public required string Kind { get; init; }

    public double DurationSeconds { get; init; }

    /// <summary>Readings waiting for MQTT when the fault ended (outage) or when the gateway was killed.</summary>
    public double BacklogReadings { get; init; }

    /// <summary>From the end of the fault until the MQTT backlog was under one second of data.</summary>
    public double? CatchUpSeconds { get; init; }

    /// <summary>Readings/s delivered to the sink that was not affected, while the fault lasted.</summary>
    public double OtherSinkReadingsPerSecondDuringFault { get; init; }

    /// <summary>From the broker's return until the first reading reached the subscriber: the sink's reconnect backoff.</summary>
    public double? ReconnectSeconds { get; init; }

    /// <summary>From the first reading after the broker's return until caught up: the drain itself.</summary>
    public double? DrainSeconds { get; init; }

    /// <summary>
    /// During the drain (from 2 s after the sink reconnected until caught up), the lowest number of fresh (under 2 s old)
    /// readings the subscriber got in any second.
    /// </summary>
    public long? FreshReadingsPerSecondMinDuringCatchUp { get; init; }

    public List<string> Timeline { get; init; } = [];
}

/// <summary>
/// RSS, threads and handles after the warm-up and at the end. <see cref="RssTrendPercentPerHour"/> is the least-squares
/// slope of every RSS sample after the warm-up, per hour, as a share of their mean: the flatness the target judges, since
/// two single samples differ by the GC's own swing (about 40 MB at 4,000 readings/s).
/// </summary>
public sealed record SoakFigures(
    double RssAfterWarmupMb, double RssAtEndMb, double RssGrowthPercent, int ThreadsAfterWarmup, int ThreadsAtEnd, int HandlesAfterWarmup, int HandlesAtEnd, List<double> RssPerMinuteMb,
    double RssSlopeMbPerHour, double RssTrendPercentPerHour);

public sealed record Target(string Name, string Goal, string Measured, bool Passed);

/// <summary>µs of gateway CPU per reading delivered to MQTT, the baseline's µs per message at the same rate, and their ratio.</summary>
public sealed record CostPerReading(double GatewayMicroseconds, double BaselineMicroseconds, double Ratio, double CatchUpRateRatio);

/// <summary>
/// CPU in % of one core: the scenario's gateway while values change (its /metrics scraped every second by the harness),
/// the same gateway once they are frozen (with no scrapes, and with the harness's scrape every second), and
/// `gateway run` with config/gateway.yaml (the embedded default), with its peak RSS and its start to first reading.
/// </summary>
public sealed record FixedCostFigures(double ChangingCpuPercent, double? FrozenCpuPercent, double? FrozenScrapedEverySecondCpuPercent, double? EmbeddedDefaultCpuPercent, double? EmbeddedDefaultPeakRssMb, double? EmbeddedDefaultStartToFirstReadingSeconds);
