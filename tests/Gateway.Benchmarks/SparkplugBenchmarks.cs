using BenchmarkDotNet.Attributes;

using Gateway.Buffer;
using Gateway.Core;
using Gateway.Sinks.Mqtt;
using Gateway.Sinks.Sparkplug;
using Gateway.Sinks.Sparkplug.Protobuf;
using Gateway.Testing;

using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Benchmarks;

/// <summary>
/// Metrics per second through the durable buffer to a real mosquitto: the Sparkplug sink (QoS 0 as the specification
/// requires, each delivery confirmed by a PINGREQ round trip) against the MQTT sink's `json-batch` payload, same run,
/// same readings (20,000 doubles of 10 machines, 200 tags), batches of 5000. One operation = one reading.
/// Run: <c>dotnet run -c Release --project tests/Gateway.Benchmarks -- --filter *SparkplugThroughput*</c>.
/// </summary>
[Config(typeof(MqttThroughputBenchmarks.InProcessMonitoring))]
[MemoryDiagnoser]
public class SparkplugThroughputBenchmarks
{
    private const int ReadingsPerOperation = 20_000;
    private const int BatchSize = 5000;

    private MosquittoServer? _broker;
    private MqttSink _jsonBatch = null!;
    private SparkplugSink _sparkplug = null!;
    private List<Reading> _readings = [];
    private string _dataDirectory = "";
    private StoreAndForwardBuffer? _buffer;
    private int _round;

    /// <summary>The `json-batch` sink's QoS; the Sparkplug sink is always QoS 0.</summary>
    [Params(0, 1)]
    public int JsonBatchQos { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _broker = await MosquittoServer.StartAsync(new MosquittoSettings { ExtraLines = ["set_tcp_nodelay true"] });
        _dataDirectory = RepositoryPaths.NewTempDirectory("sparkplug-bench");
        _readings = SparkplugEncodeBenchmarks.Readings(ReadingsPerOperation);
        var context = new SinkContext("gw1", SparkplugEncodeBenchmarks.Labels, _dataDirectory, NullLoggerFactory.Instance, TimeProvider.System);
        _jsonBatch = new MqttSink("bench-json-batch", new MqttSinkOptions { Port = _broker.Port, Payload = PayloadFormats.JsonBatch, Qos = JsonBatchQos, ClientId = "bench-json-batch" }, context);
        _sparkplug = new SparkplugSink("bench-sparkplug", new SparkplugSinkOptions { Port = _broker.Port, ClientId = "bench-sparkplug" }, context);
        await _jsonBatch.StartAsync(CancellationToken.None);
        await _sparkplug.StartAsync(CancellationToken.None);
    }

    [IterationSetup]
    public void FillBuffer() => _buffer = BufferDrain.Refill(_buffer, Path.Combine(_dataDirectory, "buffer-" + _round++), [_jsonBatch.Name, _sparkplug.Name], _readings);

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_buffer is not null)
        {
            await _buffer.DisposeAsync();
        }

        await _jsonBatch.DisposeAsync();
        await _sparkplug.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = ReadingsPerOperation)]
    public Task JsonBatchThroughBuffer() => BufferDrain.RunAsync(_buffer!, _jsonBatch, BatchSize, ReadingsPerOperation);

    [Benchmark(OperationsPerInvoke = ReadingsPerOperation)]
    public Task SparkplugThroughBuffer() => BufferDrain.RunAsync(_buffer!, _sparkplug, BatchSize, ReadingsPerOperation);
}

/// <summary>
/// Encode cost per metric, no I/O: a batch of 5000 readings (10 machines, 200 tags) into Sparkplug DDATA by the edge
/// node model, against the same batch into `json-batch` messages. One operation = one reading.
/// Run: <c>dotnet run -c Release --project tests/Gateway.Benchmarks -- --filter *SparkplugEncode*</c>.
/// </summary>
[MemoryDiagnoser]
[InProcess]
public class SparkplugEncodeBenchmarks
{
    private const int BatchSize = 5000;

    public static readonly LabelSet Labels = LabelSet.From([new("site", "plant1")]);

    private readonly List<SparkplugMessage> _messages = [];
    private List<Reading> _batch = [];
    private SparkplugEdgeNode _node = null!;
    private PooledBufferWriter _buffer = null!;
    private JsonPayloadWriter _json = null!;
    private int[][] _machineIndexes = [];
    private DateTime _now;

    public static List<Reading> Readings(int count)
    {
        var time = DateTime.UtcNow;
        return [.. Enumerable.Range(0, count).Select(i => new Reading
        {
            Source = "opc1",
            Machine = "cnc" + (i % 10),
            Tag = "Tag" + (i % 200),
            Measurement = "cnc",
            Value = ReadingValue.FromDouble(1000.5 + i),
            Quality = Quality.Good,
            Timestamp = time.AddMilliseconds(i),
            Unit = "rpm",
            Labels = Labels,
            Sequence = 1_000_000 + i,
        })];
    }

    [GlobalSetup]
    public void Setup()
    {
        _batch = Readings(BatchSize);
        _node = new SparkplugEdgeNode(new SparkplugTopics("plant1", "gw1"), r => r.Machine, new Dictionary<string, DataType>(), 256 * 1024);
        _now = DateTime.UtcNow;
        _node.Encode(_batch, _now, null, _messages); // born once: the measured encodes are DDATA only
        _buffer = new PooledBufferWriter();
        _json = new JsonPayloadWriter(_buffer);
        _machineIndexes = [.. Enumerable.Range(0, 10).Select(m => Enumerable.Range(0, BatchSize).Where(i => i % 10 == m).ToArray())];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _json.Dispose();
        _buffer.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = BatchSize)]
    public int JsonBatchEncode()
    {
        _buffer.Clear();
        var length = 0;
        foreach (var indexes in _machineIndexes)
        {
            length += _json.WriteBatch(_batch, indexes, _now).Length;
        }

        return length;
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public int SparkplugEncode()
    {
        _messages.Clear();
        _node.Encode(_batch, _now, null, _messages);
        return _messages.Count;
    }
}
