using System.Net.Http.Headers;
using System.Text;

using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

using Gateway.Buffer;
using Gateway.Configuration.Model;
using Gateway.Core;
using Gateway.Sinks.InfluxDb;
using Gateway.Testing;

using InfluxDB.Client;
using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Writes;

using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Benchmarks;

/// <summary>
/// Points per second to a real VictoriaMetrics and a real InfluxDB 1.6, three ways in the same run:
/// <list type="bullet">
/// <item><c>Direct</c> (baseline): InfluxDB.Client builds PointData from the same readings and writes them itself
/// (for InfluxDB 1.6, which has no /api/v2/write, the same PointData lines posted to /write with HttpClient),
/// 5000 points per write, 4 writes in flight;</item>
/// <item><c>Sink</c>: <see cref="InfluxDbSink.DeliverAsync"/> fed batches of 5000 one after another, as the buffer does;</item>
/// <item><c>ThroughBuffer</c>: the durable buffer, pre-filled, drained by its <see cref="SinkDeliveryLoop"/> into the sink.</item>
/// </list>
/// One operation = one point, so 1 / (time per op) is points/s.
/// Run: <c>dotnet run -c Release --project tests/Gateway.Benchmarks -- --filter *InfluxThroughput*</c>.
/// </summary>
[Config(typeof(InProcessThroughputConfig))]
[MemoryDiagnoser]
public class InfluxThroughputBenchmarks
{
    private const int Points = 100_000;
    private const int WriteSize = 5000;
    private const int InFlight = 4;

    private VictoriaMetricsServer? _victoria;
    private InfluxDbServer? _influx;
    private InfluxDbSink _sink = null!;
    private InfluxDBClient? _client;
    private HttpClient? _http;
    private string _dataDirectory = "";
    private StoreAndForwardBuffer? _buffer;
    private List<Reading> _readings = [];
    private long _round;

    [Params("victoria-metrics", "influxdb-1.6")]
    public string Server { get; set; } = "";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _dataDirectory = RepositoryPaths.NewTempDirectory("influx-bench");
        InfluxDbSinkOptions options;
        if (Server == "victoria-metrics")
        {
            _victoria = await VictoriaMetricsServer.StartAsync();
            options = new InfluxDbSinkOptions { Url = _victoria.Url, Bucket = "bench", Org = "bench" };
            _client = new InfluxDBClient(new InfluxDBClientOptions(_victoria.Url) { Bucket = "bench", Org = "bench" });
            _client.EnableGzip();
        }
        else
        {
            _influx = await InfluxDbServer.StartAsync();
            await _influx.CreateDatabaseAsync("bench");
            // Plain bodies on both sides: the direct baseline posts uncompressed line protocol.
            options = new InfluxDbSinkOptions { Api = InfluxApi.V1, Url = _influx.Url, Database = "bench", Gzip = false };
            _http = new HttpClient { BaseAddress = new Uri(_influx.Url) };
        }

        options.BatchSize = 1250;
        options.MaxWritesInFlight = InFlight;
        var context = new SinkContext("bench-gw", LabelSet.Empty, _dataDirectory, NullLoggerFactory.Instance, TimeProvider.System);
        _sink = (InfluxDbSink)new InfluxDbSinkPlugin().Create("bench", options, context);
        await _sink.StartAsync(CancellationToken.None);
    }

    [IterationSetup]
    public void MakeReadings()
    {
        // Fresh timestamps every round, so that no run overwrites the points of the one before.
        var start = DateTime.UtcNow.AddDays(-1).AddSeconds(_round++ * 10);
        var labels = LabelSet.From([new("site", "changwon"), new("line", "L2")]);
        _readings = new List<Reading>(Points);
        for (var i = 0; i < Points; i++)
        {
            var time = start.AddMilliseconds(i / 200);
            _readings.Add(new Reading
            {
                Source = "plc1",
                Machine = "cnc" + (i % 20),
                Tag = "tag" + (i / 20 % 10),
                Measurement = "bench",
                Value = ReadingValue.FromDouble(i * 0.5),
                Timestamp = time,
                GatewayTimestamp = time,
                Labels = labels,
            });
        }

        _buffer = BufferDrain.Refill(_buffer, Path.Combine(_dataDirectory, "buffer-" + _round), ["bench"], _readings, WriteSize);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Points)]
    public async Task Direct()
    {
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = InFlight };
        await Parallel.ForEachAsync(Enumerable.Range(0, Points / WriteSize), parallel, async (chunk, token) =>
        {
            var points = new List<PointData>(WriteSize);
            for (var i = chunk * WriteSize; i < (chunk + 1) * WriteSize; i++)
            {
                points.Add(ToPoint(_readings[i]));
            }

            if (_client is not null)
            {
                await _client.GetWriteApiAsync().WritePointsAsync(points, "bench", "bench", token);
            }
            else
            {
                var body = string.Join('\n', points.Select(p => p.ToLineProtocol()));
                using var content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("text/plain"));
                using var response = await _http!.PostAsync("/write?db=bench&precision=ms", content, token);
                response.EnsureSuccessStatusCode();
            }
        });
    }

    [Benchmark(OperationsPerInvoke = Points)]
    public async Task Sink()
    {
        for (var i = 0; i < Points; i += WriteSize)
        {
            await _sink.DeliverAsync(_readings.GetRange(i, WriteSize), CancellationToken.None);
        }
    }

    [Benchmark(OperationsPerInvoke = Points)]
    public Task ThroughBuffer() => BufferDrain.RunAsync(_buffer!, _sink, WriteSize, Points);

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        Console.WriteLine($"// {Server}: sink counters: written {_sink.Counters.PointsWritten}, dead-lettered {_sink.Counters.DeadLettered}, failed writes {_sink.Counters.FailedWrites}");
        await _sink.DisposeAsync();
        if (_buffer is not null)
        {
            await _buffer.DisposeAsync();
        }

        _client?.Dispose();
        _http?.Dispose();
        if (_victoria is not null)
        {
            await _victoria.DisposeAsync();
        }

        if (_influx is not null)
        {
            await _influx.DisposeAsync();
        }

        Directory.Delete(_dataDirectory, recursive: true);
    }

    private static PointData ToPoint(Reading reading) => PointData.Builder.Measurement(reading.Measurement!)
        .Tag("gateway", "bench-gw")
        .Tag("machine", reading.Machine)
        .Tag("site", "changwon")
        .Tag("line", "L2")
        .Field(reading.Tag, reading.Value.AsDouble())
        .Timestamp(new DateTimeOffset(reading.Timestamp).ToUnixTimeMilliseconds(), WritePrecision.Ms)
        .ToPointData();
}

/// <summary>
/// Runs in the benchmark process itself (no generated project to build, which times out on a loaded machine),
/// measuring each whole 100,000-point delivery once per iteration.
/// </summary>
public sealed class InProcessThroughputConfig : ManualConfig
{
    public InProcessThroughputConfig() => AddJob(Job.Default
        .WithStrategy(RunStrategy.Monitoring)
        .WithLaunchCount(1)
        .WithWarmupCount(1)
        .WithIterationCount(5)
        .WithToolchain(InProcessEmitToolchain.Instance));
}
