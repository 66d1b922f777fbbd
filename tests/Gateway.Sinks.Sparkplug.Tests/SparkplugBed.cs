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

