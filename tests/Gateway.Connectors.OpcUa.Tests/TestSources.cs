using Gateway.Core;
using Microsoft.Extensions.Logging;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>A tag group as the configuration would bind it for an OPC UA source: the common interval and the OPC UA keys.</summary>
internal sealed record TestGroup(int IntervalMs, OpcUaGroupOptions Options)
{
    public AcquisitionMode Mode => Options.Mode;
}

/// <summary>A source's name and its OPC UA options, as the configuration would bind them.</summary>
internal sealed class TestSource(string name, OpcUaSourceOptions options)
{
    public string Name { get; } = name;

    public OpcUaSourceOptions Options { get; } = options;

    public OpcUaSecurityOptions Security
    {
        get => Options.Security;
        set => Options.Security = value;
    }

    public OpcUaIdentityOptions Identity
    {
        get => Options.Identity;
        set => Options.Identity = value;
    }
}

/// <summary>Sources and tags as the configuration would resolve them, for connector tests.</summary>
internal static class TestSources
{
    public static TestGroup Group(AcquisitionMode mode, int intervalMs, int samplingMs = 50, int queueSize = 10, string deadband = "none", double deadbandValue = 0) => new(
        intervalMs,
        new OpcUaGroupOptions
        {
            Mode = mode,
            SamplingIntervalMs = samplingMs,
            QueueSize = queueSize,
            DeadbandType = deadband,
            DeadbandValue = deadbandValue,
        });

    public static SourceTag Tag(string name, string? nodeId, TestGroup group, string? path = null, string machine = "cell-1", string source = "plc") => new(
        source,
        machine,
        $"g-{group.Mode}{group.IntervalMs}s{group.Options.SamplingIntervalMs}{group.Options.DeadbandType}",
        name,
        TimeSpan.FromMilliseconds(group.IntervalMs),
        group.Options,
        new OpcUaTagAddress { NodeId = nodeId, Path = path },
        source,
        LabelSet.From([new("site", "test")]));

    public static SourceTag Tag(string name, string? nodeId, AcquisitionMode mode, int intervalMs, string? path = null) =>
        Tag(name, nodeId, Group(mode, intervalMs), path);

    public static TestSource Source(string endpoint, string name = "plc", int requestTimeoutMs = 5000, int maxSessions = 1) => new(name, new OpcUaSourceOptions
    {
        Endpoint = endpoint,
        Reconnect = new OpcUaReconnectOptions { InitialDelayMs = 200, MaxDelayMs = 1000 },
        RequestTimeoutMs = requestTimeoutMs,
        SessionTimeoutMs = 30_000,
        MaxSessions = maxSessions,
    });

    public static OpcUaSourceConnector Connector(TestSource source, IReadOnlyList<SourceTag> tags, ILogger logger, TimeProvider time, OpcUaClientSecurity? security = null, IReadOnlyList<SourceGroup>? groups = null, string? dataDirectory = null) =>
        new(source.Name, source.Options, tags, logger, time, security, groups, dataDirectory);

    /// <summary>The counters of the node-opcua server's Counters block, by tag name "c00042".</summary>
    public static List<SourceTag> Counters(int count, TestGroup group) =>
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
