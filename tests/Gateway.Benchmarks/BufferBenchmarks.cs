using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

using Gateway.Buffer;
using Gateway.Buffer.Storage;
using Gateway.Core;

using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Benchmarks;

/// <summary>Readings whose buffer record is about 100 bytes (a 44-character text value), over 200 tags.</summary>
internal static class BufferBenchmarkReadings
{
    private static readonly LabelSet Labels = LabelSet.From([new("site", "changwon"), new("line", "L2"), new("area", "machining")]);

    public static Reading[] Make(int count, long from = 0)
    {
        var start = new DateTime(2025, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        var readings = new Reading[count];
        for (var i = 0; i < count; i++)
        {
            var n = from + i;
            var t = start.AddMilliseconds(n);
            readings[i] = new Reading
            {
                Source = "plant-opcua",
                Machine = $"cnc-{n % 10:00}",
                Tag = $"axis{n % 20}.position",
                Measurement = "cnc",
                Unit = "mm",
                Labels = Labels,
                Value = ReadingValue.FromString($"program O{n % 9999:0000} block N{n % 99999:00000} feed F1200.0"),
                Quality = Quality.Good,
                SourceTimestamp = t,
                ServerTimestamp = t.AddMilliseconds(1),
                GatewayTimestamp = t.AddMilliseconds(4),
                Timestamp = t,
            };
        }

        return readings;
    }

    /// <summary>The same records the buffer writes (frames with CRC), for the raw-file baselines.</summary>
    public static byte[] Encode(Reading[] readings)
    {
        var encoder = new ReadingEncoder();
        var output = new ByteBuffer(readings.Length * 110);
        for (var i = 0; i < readings.Length; i++)
        {
            encoder.Encode(readings[i], i + 1, output);
        }

        return output.Written.ToArray();
    }

    public static string NewDirectory(string what)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"gw-bench-{what}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        return directory;
    }
}

/// <summary>
/// Append rate with group commit (8 concurrent appenders, 100 or 1000 readings per call, commit interval 5 ms)
/// against plain buffered FileStream writes of the same bytes with one fsync at the end. Each appender waits for
/// its commit, so the rate is about (appenders x readings per call) per commit interval plus fsync time.
/// `dotnet run -c Release --project tests/Gateway.Benchmarks -- --filter *BufferAppend*`
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class BufferAppendBenchmarks
{
    private const int Appenders = 8;
    public const int Total = 400_000;
    private Reading[] _readings = [];
    private byte[] _encoded = [];
    private string _directory = "";

    [Params(100, 1000)]
    public int PerCall { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _readings = BufferBenchmarkReadings.Make(Total);
        _encoded = BufferBenchmarkReadings.Encode(_readings);
        Console.WriteLine($"// {_encoded.Length / (double)Total:0.0} bytes per reading record (frame + payload, series interned)");
    }

    [IterationSetup]
    public void NewDirectory() => _directory = BufferBenchmarkReadings.NewDirectory("append");

    [IterationCleanup]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Benchmark(Baseline = true, OperationsPerInvoke = Total, Description = "raw FileStream writes, one fsync")]
    public void RawFileStream()
    {
        using var file = new FileStream(Path.Combine(_directory, "raw.bin"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var chunk = _encoded.Length / (Total / PerCall);
        for (var offset = 0; offset < _encoded.Length; offset += chunk)
        {
            file.Write(_encoded, offset, Math.Min(chunk, _encoded.Length - offset));
        }

        file.Flush(flushToDisk: true);
    }

    [Benchmark(OperationsPerInvoke = Total, Description = "StoreAndForwardBuffer.AppendAsync, group commit 5 ms")]
    public async Task BufferAppend()
    {
        await using var buffer = StoreAndForwardBuffer.Open(
            new BufferOptions { Directory = _directory, CommitInterval = TimeSpan.FromMilliseconds(5) }, ["influx"], NullLogger.Instance);
        await Task.WhenAll(Enumerable.Range(0, Appenders).Select(a => Task.Run(async () =>
        {
            var batch = new Reading[PerCall];
            for (var start = a * PerCall; start < Total; start += Appenders * PerCall)
            {
                Array.Copy(_readings, start, batch, 0, PerCall);
                await buffer.AppendAsync(batch);
            }
        })));
    }
}

/// <summary>
/// Replay rate: one sink reads 1,000,000 buffered readings through its cursor (batches of 5000, decoded into
/// Reading objects), against reading the same segment files' bytes with a plain FileStream.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class BufferReplayBenchmarks
{
    public const int Total = 1_000_000;
    private string _directory = "";
    private StoreAndForwardBuffer? _buffer;

    [GlobalSetup]
    public void Setup()
    {
        _directory = BufferBenchmarkReadings.NewDirectory("replay");
        var writer = StoreAndForwardBuffer.Open(new BufferOptions { Directory = _directory }, ["influx"], NullLogger.Instance);
        for (var i = 0; i < Total; i += 10_000)
        {
            writer.AppendAsync(BufferBenchmarkReadings.Make(10_000, i)).AsTask().GetAwaiter().GetResult();
        }

        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();

        _buffer = StoreAndForwardBuffer.Open(new BufferOptions { Directory = _directory }, ["influx"], NullLogger.Instance);
        _buffer.LiveLaneBacklog = 0;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _buffer?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Total, Description = "raw FileStream read of the segment files")]
    public long RawFileStream()
    {
        var buffer = new byte[1 << 20];
        var total = 0L;
        foreach (var path in Directory.GetFiles(_directory, "*.seg").Order())
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            int n;
            while ((n = file.Read(buffer)) > 0)
            {
                total += n;
            }
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Total, Description = "ReadBatchAsync (decode to Reading), batches of 5000")]
    public async Task<long> BufferReplay()
    {
        _buffer!.Rewind("influx");
        var count = 0L;
        while (count < Total)
        {
            var batch = await _buffer.ReadBatchAsync("influx", 5000, CancellationToken.None);
            count += batch.Count;
        }

        return count;
    }
}
