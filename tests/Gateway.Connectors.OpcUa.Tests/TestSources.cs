using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Core;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>Sources and tags as the configuration would resolve them, for connector tests.</summary>
internal static class TestSources
{
    public static TagGroupConfig Group(AcquisitionMode mode, int intervalMs, int samplingMs = 50, int queueSize = 10, string deadband = "none", double deadbandValue = 0) => new()
    {
        Name = "g",
        Mode = mode,
        IntervalMs = intervalMs,
        SamplingIntervalMs = samplingMs,
        QueueSize = queueSize,
        DeadbandType = deadband,
        DeadbandValue = deadbandValue,
    };

    public static ResolvedTag Tag(string name, string? nodeId, TagGroupConfig group, string? path = null, string machine = "cell-1", string source = "plc") => new(
        source,
        machine,
        $"g-{group.Mode}{group.IntervalMs}s{group.SamplingIntervalMs}{group.DeadbandType}",
        name,
        nodeId,
        path,
        null,
        group,
        source,
        new NormalizeConfig(),
        LabelSet.From([new("site", "test")]),
        null);

    public static ResolvedTag Tag(string name, string? nodeId, AcquisitionMode mode, int intervalMs, string? path = null) =>
        Tag(name, nodeId, Group(mode, intervalMs), path);

    public static SourceConfig Source(string endpoint, string name = "plc", int requestTimeoutMs = 5000, int maxSessions = 1) => new()
    {
        Name = name,
        Endpoint = endpoint,
        Reconnect = new ReconnectConfig { InitialDelayMs = 200, MaxDelayMs = 1000 },
        RequestTimeoutMs = requestTimeoutMs,
        SessionTimeoutMs = 30_000,
        MaxSessions = maxSessions,
    };

    /// <summary>The counters of the node-opcua server's Counters block, by tag name "c00042".</summary>
    public static List<ResolvedTag> Counters(int count, TagGroupConfig group) =>
        Enumerable.Range(0, count).Select(i => Tag($"c{i:D5}", $"nsu=urn:gateway:tests;s=Counters.{i:D5}", group)).ToList();

    /// <summary>Per tag, the values that are missing between the first and the last one received, and whether any went backwards.</summary>
    public static (int Gaps, int Backwards, string Example) CheckSequences(IEnumerable<Reading> readings)
    {
        var gaps = 0;
        var backwards = 0;
        var example = "";
        foreach (var tag in readings.Where(r => r.Quality == Quality.Good).GroupBy(r => r.Tag))
        {
            long? last = null;
            foreach (var reading in tag)
            {
                var value = reading.Value.AsInt64();
                if (last is { } previous)
                {
                    if (value < previous)
                    {
                        backwards++;
                        example = example.Length > 0 ? example : $"{tag.Key}: {previous} then {value} (at {reading.GatewayTimestamp:HH:mm:ss.fff})";
                    }
                    else if (value > previous + 1)
                    {
                        gaps += (int)(value - previous - 1);
                        example = example.Length > 0 ? example : $"{tag.Key}: {previous} then {value} (data gap flag {reading.DataGap}, at {reading.GatewayTimestamp:HH:mm:ss.fff})";
                    }
                }

                last = Math.Max(last ?? value, value);
            }
        }

        return (gaps, backwards, example);
    }
}
