using Gateway.Core;
using Gateway.Testing;

namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>Builds sinks the way the host does (through the plugin) and readings the way the buffer hands them over.</summary>
public static class TestSinks
{
    public static readonly LabelSet GatewayLabels = LabelSet.From([new("site", "plant1")]);

    public static readonly DateTime Time = new(2026, 11, 25, 3, 0, 0, 123, DateTimeKind.Utc);

    public static MqttSinkOptions Options(int port) => new()
    {
        Port = port,
        ReconnectDelayMs = 200,
        ReconnectMaxDelayMs = 1000,
        TimeoutMs = 5000,
    };

    public static MqttSink Create(MqttSinkOptions options, TestLog? log = null, string name = "mqtt", string gateway = "gw1")
    {
        var plugin = new MqttSinkPlugin();
        var problems = plugin.Validate(options).ToList();
        Assert.True(problems.Count == 0, string.Join("; ", problems.Select(p => $"{p.Key}: {p.Message}")));
        var context = new SinkContext(gateway, GatewayLabels, RepositoryPaths.NewTempDirectory("mqtt-sink-data"), log ?? new TestLog(), TimeProvider.System);
        return (MqttSink)plugin.Create(name, options, context);
    }

    public static Reading Reading(long seq, string machine = "cnc1", string tag = "SpindleSpeed", ReadingValue? value = null, string? unit = "rpm", LabelSet? labels = null) => new()
    {
        Source = "opc1",
        Machine = machine,
        Tag = tag,
        Measurement = "cnc",
        Value = value ?? ReadingValue.FromDouble(1000 + seq),
        Quality = Quality.Good,
        Timestamp = Time.AddMilliseconds(seq),
        Unit = unit,
        Labels = labels ?? GatewayLabels,
        Sequence = seq,
    };

    /// <summary>Readings 1..count spread over <paramref name="tags"/> tags of one machine.</summary>
    public static List<Reading> Readings(long firstSeq, int count, int tags = 10, string machine = "cnc1") =>
        [.. Enumerable.Range(0, count).Select(i => Reading(firstSeq + i, machine, "Tag" + (i % tags)))];

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
            catch (MqttSinkException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    public static async Task WaitForStateAsync(ISink sink, ConnectionState state, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (sink.State != state)
        {
            Assert.True(DateTime.UtcNow < deadline, $"sink state stayed {sink.State}, expected {state}");
            await Task.Delay(20);
        }
    }
}
