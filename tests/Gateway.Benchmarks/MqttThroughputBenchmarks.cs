using System.Buffers;

using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

using Gateway.Buffer;
using Gateway.Core;
using Gateway.Sinks.Mqtt;
using Gateway.Testing;

using Microsoft.Extensions.Logging.Abstractions;

using MQTTnet;
using MQTTnet.Protocol;

namespace Gateway.Benchmarks;

/// <summary>
/// Readings per second acknowledged by a real mosquitto, three ways in the same run and with the same QoS:
/// <list type="bullet">
/// <item><c>PlainPublishLoop</c> (baseline): an MQTTnet client publishing the very messages the `json` sink sends
/// (topics and payloads prepared beforehand), with as many in flight as the sink allows;</item>
/// <item><c>Json</c>: <see cref="MqttSink.DeliverAsync"/> with payload `json` (encoding included), batches of 5000;</item>
/// <item><c>JsonBatch</c>: the same with payload `json-batch` (10 machines, so 10 messages per batch of 5000).</item>
/// <item><c>JsonThroughBuffer</c>, <c>JsonBatchThroughBuffer</c>: the product's path: the readings committed to the
/// durable buffer first, then drained by its <see cref="SinkDeliveryLoop"/> into the sink, cursor moves included.</item>
/// </list>
/// One operation = one reading, so 1 / (time per op) is readings/s.
/// Run: <c>dotnet run -c Release --project tests/Gateway.Benchmarks -- --filter *MqttThroughput*</c>.
/// </summary>
[Config(typeof(MqttThroughputBenchmarks.InProcessMonitoring))]
[MemoryDiagnoser]
public class MqttThroughputBenchmarks
{
    private const int ReadingsPerOperation = 20_000;
    private const int BatchSize = 5000;

    private MosquittoServer? _broker;
    private MqttSink _json = null!;
    private MqttSink _jsonBatch = null!;
    private IMqttClient _plain = null!;
    private int _plainInflight;
    private List<Reading> _readings = [];
    private List<MqttApplicationMessage> _plainMessages = [];
    private string _dataDirectory = "";
    private StoreAndForwardBuffer? _buffer;
    private int _round;

    [Params(0, 1)]
    public int Qos { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        // mosquitto leaves Nagle on by default: its last PUBACKs of a delivery then wait for our delayed ACK (~40 ms on
        // Linux), which caps json-batch at QoS 1 to about 100,000 readings/s. Production brokers should set this too.
        _broker = await MosquittoServer.StartAsync(new MosquittoSettings { ExtraLines = ["set_tcp_nodelay true"] });
        _dataDirectory = RepositoryPaths.NewTempDirectory("mqtt-bench");
        var labels = LabelSet.From([new("site", "plant1")]);
        var time = new DateTime(2026, 11, 25, 3, 0, 0, DateTimeKind.Utc);
        _readings = [.. Enumerable.Range(0, ReadingsPerOperation).Select(i => new Reading
        {
            Source = "opc1",
            Machine = "cnc" + (i % 10),
            Tag = "Tag" + (i % 200),
            Measurement = "cnc",
            Value = ReadingValue.FromDouble(1000.5 + i),
            Quality = Quality.Good,
            Timestamp = time.AddMilliseconds(i),
            Unit = "rpm",
            Labels = labels,
            Sequence = 1_000_000 + i,
        })];

        var context = new SinkContext("gw1", labels, Path.GetTempPath(), NullLoggerFactory.Instance, TimeProvider.System);
        _json = new MqttSink("bench-json", Options(PayloadFormats.Json), context);
        _jsonBatch = new MqttSink("bench-batch", Options(PayloadFormats.JsonBatch), context);
        await _json.StartAsync(CancellationToken.None);
        await _jsonBatch.StartAsync(CancellationToken.None);

        // The same messages as the json sink sends, prepared once: the loop measures MQTTnet and mosquitto only.
        var template = TopicTemplate.Parse(TopicTemplate.DefaultReadingTopic);
        using var buffer = new PooledBufferWriter();
        using var writer = new JsonPayloadWriter(buffer);
        _plainMessages = [.. _readings.Select(r =>
        {
            buffer.Clear();
            var (start, length) = writer.WriteReading(r);
            return new MqttApplicationMessage
            {
                Topic = template.Render(TopicValues.Of(r, "gw1")),
                Payload = new ReadOnlySequence<byte>(buffer.Slice(start, length).ToArray()),
                QualityOfServiceLevel = (MqttQualityOfServiceLevel)Qos,
            };
        })];
        _plain = new MqttClientFactory().CreateMqttClient();
        var connected = await _plain.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", _broker.Port)
            .WithClientId("bench-plain")
            .Build());
        _plainInflight = Qos == 0 ? 1000 : Math.Min(1000, connected.ReceiveMaximum is > 0 ? (int)connected.ReceiveMaximum.Value : ushort.MaxValue);
    }

    /// <summary>A fresh buffer holding the readings, for each iteration of the buffer benchmarks (filling it is not timed).</summary>
    [IterationSetup(Targets = [nameof(JsonThroughBuffer), nameof(JsonBatchThroughBuffer)])]
    public void FillBuffer() => _buffer = BufferDrain.Refill(_buffer, Path.Combine(_dataDirectory, "buffer-" + _round++), [_json.Name, _jsonBatch.Name], _readings);

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_buffer is not null)
        {
            await _buffer.DisposeAsync();
        }

        Directory.Delete(_dataDirectory, recursive: true);
        await _json.DisposeAsync();
        await _jsonBatch.DisposeAsync();
        await _plain.DisconnectAsync();
        _plain.Dispose();
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = ReadingsPerOperation)]
    public async Task PlainPublishLoop()
    {
        for (var offset = 0; offset < _plainMessages.Count; offset += BatchSize)
        {
            var end = Math.Min(_plainMessages.Count, offset + BatchSize);
            var next = offset - 1;
            async Task LaneAsync()
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < end)
                {
                    await _plain.PublishAsync(_plainMessages[index]);
                }
            }

            await Task.WhenAll(Enumerable.Range(0, Math.Min(_plainInflight, end - offset)).Select(_ => LaneAsync()));
        }
    }

    [Benchmark(OperationsPerInvoke = ReadingsPerOperation)]
    public Task Json() => DeliverInBatchesAsync(_json);

    [Benchmark(OperationsPerInvoke = ReadingsPerOperation)]
    public Task JsonBatch() => DeliverInBatchesAsync(_jsonBatch);

    [Benchmark(OperationsPerInvoke = ReadingsPerOperation)]
    public Task JsonThroughBuffer() => BufferDrain.RunAsync(_buffer!, _json, BatchSize, ReadingsPerOperation);

    [Benchmark(OperationsPerInvoke = ReadingsPerOperation)]
    public Task JsonBatchThroughBuffer() => BufferDrain.RunAsync(_buffer!, _jsonBatch, BatchSize, ReadingsPerOperation);

    private async Task DeliverInBatchesAsync(MqttSink sink)
    {
        for (var offset = 0; offset < _readings.Count; offset += BatchSize)
        {
            await sink.DeliverAsync(_readings.GetRange(offset, Math.Min(BatchSize, _readings.Count - offset)), CancellationToken.None);
        }
    }

    /// <summary>One in-process job of a few long iterations: each iteration is 20,000 round trips to a real broker.</summary>
    public sealed class InProcessMonitoring : ManualConfig
    {
        public InProcessMonitoring()
        {
            AddJob(Job.Default
                .WithStrategy(RunStrategy.Monitoring)
                .WithLaunchCount(1)
                .WithWarmupCount(2)
                .WithIterationCount(10)
                .WithToolchain(InProcessEmitToolchain.Instance));
        }
    }

    private MqttSinkOptions Options(string payload) => new()
    {
        Port = _broker!.Port,
        Payload = payload,
        Qos = Qos,
        ClientId = "bench-" + payload,
    };
}
