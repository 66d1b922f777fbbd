using System.Text.Json;

using Gateway.Core;
using Gateway.Testing;

namespace Gateway.Sinks.Sparkplug.Tests;

/// <summary>
/// A real mosquitto, a TCP relay in front of it for the gateway's connection (to cut it as a crash or an outage would),
/// and the independent Sparkplug host application (tests/servers/sparkplug/host.js) connected to the broker directly.
/// </summary>
public sealed class SparkplugBed : IAsyncDisposable
{
    public const string Group = "plant1";
    public const string Node = "gw1";

    private readonly List<SparkplugSink> _sinks = [];

    private SparkplugBed(MosquittoServer broker, TcpRelay relay, SparkplugHostApplication host)
    {
        Broker = broker;
        Relay = relay;
        Host = host;
    }

    public MosquittoServer Broker { get; }

    public TcpRelay Relay { get; }

    public SparkplugHostApplication Host { get; }

    public string DataDirectory { get; } = RepositoryPaths.NewTempDirectory("sparkplug-sink-data");

    public TestLog Log { get; } = new();

    public static readonly LabelSet GatewayLabels = LabelSet.From([new("site", Group)]);

    public static async Task<SparkplugBed> StartAsync(string? hostId = null)
    {
        var broker = await MosquittoServer.StartAsync();
        var relay = TcpRelay.Start(broker.Port);
        var host = await SparkplugHostApplication.StartAsync(broker.Port, Group, Node, hostId);
        return new SparkplugBed(broker, relay, host);
    }

    /// <summary>A sink built the way the host builds it (options checked by the plugin), connected through the relay.</summary>
    public SparkplugSink CreateSink(Action<SparkplugSinkOptions>? configure = null)
    {
        var options = new SparkplugSinkOptions
        {
            Port = Relay.Port,
            ReconnectDelayMs = 200,
            ReconnectMaxDelayMs = 1000,
            TimeoutMs = 5000,
            KeepAliveSeconds = 5,
        };
        configure?.Invoke(options);
        var plugin = new SparkplugSinkPlugin();
        var problems = plugin.Validate(options).ToList();
        Assert.True(problems.Count == 0, string.Join("; ", problems.Select(p => $"{p.Key}: {p.Message}")));
        var context = new SinkContext(Node, GatewayLabels, DataDirectory, Log, TimeProvider.System);
        var sink = (SparkplugSink)plugin.Create("spb", options, context);
        _sinks.Add(sink);
        return sink;
    }

    public async Task<SparkplugSink> StartSinkAsync(Action<SparkplugSinkOptions>? configure = null)
    {
        var sink = CreateSink(configure);
        await sink.StartAsync(CancellationToken.None);
        await WaitForStateAsync(sink, ConnectionState.Connected);
        return sink;
    }

    public static Reading Reading(string machine, string tag, ReadingValue value, DateTime? timestamp = null, Quality quality = Quality.Good, uint status = 0) => new()
    {
        Source = "opc1",
        Machine = machine,
        Tag = tag,
        Measurement = "cnc",
        Value = value,
        Quality = quality,
        StatusCode = status,
        Timestamp = timestamp ?? DateTime.UtcNow,
        SourceTimestamp = timestamp ?? DateTime.UtcNow,
        Labels = GatewayLabels,
    };

    /// <summary>What a connector writes for every tag of a machine when it loses its source.</summary>
    public static Reading SourceLost(string machine, string tag) =>
        Reading(machine, tag, ReadingValue.Null, quality: Quality.Bad, status: 0x808A0000);

    /// <summary>What the buffer does: hand the batch again until the sink accepts it.</summary>
    public static async Task DeliverWithRetriesAsync(ISink sink, IReadOnlyList<Reading> batch, TimeSpan giveUpAfter)
    {
        var deadline = DateTime.UtcNow + giveUpAfter;
        while (true)
        {
            try
            {
                await sink.DeliverAsync(batch, CancellationToken.None);
                return;
            }
            catch (Exception e) when (e is SparkplugSinkException or RetryLaterException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    public static async Task WaitForStateAsync(ISink sink, ConnectionState state, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (sink.State != state)
        {
            Assert.True(DateTime.UtcNow < deadline, $"sink state stayed {sink.State}, expected {state}");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var sink in _sinks)
        {
            await sink.DisposeAsync();
        }

        await Host.DisposeAsync();
        await Relay.DisposeAsync();
        await Broker.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The rules every stream of one edge node's messages must keep, checked on what the independent decoder saw.</summary>
public static class SparkplugStream
{
    public static IEnumerable<JsonElement> OfType(this IEnumerable<JsonElement> messages, string type) =>
        messages.Where(m => m.GetProperty("type").GetString() == type);

    public static string Type(this JsonElement message) => message.GetProperty("type").GetString()!;

    public static string? Device(this JsonElement message) => message.GetProperty("device").GetString();

    public static long? Seq(this JsonElement message) => message.GetProperty("seq").ValueKind == JsonValueKind.Null ? null : message.GetProperty("seq").GetInt64();

    public static IEnumerable<JsonElement> Metrics(this JsonElement message) => message.GetProperty("metrics").EnumerateArray();

    public static long BdSeq(this JsonElement message) =>
        long.Parse(message.Metrics().Single(m => m.GetProperty("name").GetString() == "bdSeq").GetProperty("value").ToString(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>One data point as the host application resolves it: device, metric name (from the birth's alias), the metric.</summary>
    public sealed record DataPoint(string Device, string Name, JsonElement Metric, string DataType);

    /// <summary>
    /// Walks the messages as a host application does and fails on any break of the rules: NBIRTH first (seq 0, bdSeq,
    /// Node Control/Rebirth), a DBIRTH before a device's DDATA or DDEATH, DDATA by alias only and every alias known from
    /// the device's birth, seq continuing by one (wrapping after 255) over every message but NDEATH.
    /// </summary>
    public static List<DataPoint> Check(IReadOnlyList<JsonElement> messages)
    {
        var points = new List<DataPoint>();
        long? expectedSeq = null;
        var aliases = new Dictionary<string, Dictionary<long, (string Name, string Type)>>();
        var alive = new HashSet<string>();
        var nodeBorn = false;
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var type = message.Type();
            var where = $"message {i} ({type} {message.GetProperty("topic").GetString()})";
            if (type is "NCMD" or "DCMD")
            {
                continue; // the host's own commands, not the node's messages
            }

            if (type == "NDEATH")
            {
                nodeBorn = false;
                expectedSeq = null;
                alive.Clear();
                continue;
            }

            var seq = message.Seq();
            Assert.True(seq is not null, $"{where} has no seq");
            if (type == "NBIRTH")
            {
                Assert.Equal(0, seq);
                var names = message.Metrics().Select(m => m.GetProperty("name").GetString()).ToList();
                Assert.Contains("bdSeq", names);
                Assert.Contains("Node Control/Rebirth", names);
                nodeBorn = true;
                alive.Clear();
            }
            else
            {
                Assert.True(nodeBorn, $"{where} came before any NBIRTH of this session");
                Assert.True(seq == expectedSeq, $"{where} has seq {seq}, expected {expectedSeq} (no gap, wrapping after 255)");
            }

            expectedSeq = (seq + 1) % 256;
            var device = message.Device();
            switch (type)
            {
                case "DBIRTH":
                    var map = new Dictionary<long, (string, string)>();
                    foreach (var metric in message.Metrics())
                    {
                        Assert.Equal(JsonValueKind.String, metric.GetProperty("name").ValueKind);
                        // The library names datatypes up to 21; the 3.0 arrays (22..34) by their code.
                        var typeName = metric.GetProperty("type").GetString() ?? "code " + metric.GetProperty("datatype").GetInt32();
                        map.Add(metric.GetProperty("alias").GetInt64(), (metric.GetProperty("name").GetString()!, typeName));
                    }

                    aliases[device!] = map;
                    alive.Add(device!);
                    break;
                case "DDATA":
                    Assert.True(alive.Contains(device!), $"{where}: DDATA of device '{device}' before its DBIRTH (or after its DDEATH)");
                    foreach (var metric in message.Metrics())
                    {
                        Assert.Equal(JsonValueKind.Null, metric.GetProperty("name").ValueKind);
                        var alias = metric.GetProperty("alias").GetInt64();
                        Assert.True(aliases[device!].TryGetValue(alias, out var known), $"{where}: alias {alias} is not in device '{device}''s DBIRTH");
                        points.Add(new DataPoint(device!, known.Name, metric, known.Type));
                    }

                    break;
                case "DDEATH":
                    Assert.True(alive.Remove(device!), $"{where}: DDEATH of device '{device}' that was not born");
                    break;
            }
        }

        return points;
    }
}
