using System.Diagnostics;

using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

using Gateway.Buffer;
using Gateway.Core;

using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Benchmarks;

/// <summary>
/// A 1-hour backlog at 5,000 readings/s (18 million readings; GW_BACKLOG overrides the count) drained through a
/// SinkDeliveryLoop while live data keeps flowing at 5,000 readings/s: half for the backlogged tags (they queue
/// behind their backlog, per-tag order), half for a machine that comes online during the drain and so has no
/// backlog (the live lane). Prints the drain
/// time and the live lane's worst latency. One iteration; the setup (writing the backlog) is not timed.
/// `dotnet run -c Release --project tests/Gateway.Benchmarks -- --filter *BufferBacklogDrain*`
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 1)]
public class BufferBacklogDrainBenchmarks
{
    private static readonly int Backlog = int.TryParse(Environment.GetEnvironmentVariable("GW_BACKLOG"), out var n) ? n : 18_000_000;
    private static readonly LabelSet Labels = LabelSet.From([new("site", "changwon"), new("line", "L2")]);
    private string _directory = "";
    private StoreAndForwardBuffer? _buffer;

    [GlobalSetup]
    public void Setup()
    {
        _directory = BufferBenchmarkReadings.NewDirectory("backlog");
        var options = new BufferOptions { Directory = _directory, MaxSizeBytes = 8L * 1024 * 1024 * 1024 };
        _buffer = StoreAndForwardBuffer.Open(options, ["influx"], NullLogger.Instance);
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < Backlog; i += 10_000)
        {
            _buffer.AppendAsync(Make(i, 10_000, "cnc", DateTime.UtcNow)).AsTask().GetAwaiter().GetResult();
        }

        Console.WriteLine($"// backlog: {Backlog:N0} readings, {_buffer.BytesOnDisk / (1024.0 * 1024):N0} MiB, written in {stopwatch.Elapsed.TotalSeconds:N1} s");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _buffer?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = 1)]
    public async Task DrainWhileLiveDataFlows()
    {
        var buffer = _buffer!;
        var target = buffer.CommittedSequence;
        var sink = new CountingSink();
        var loop = new SinkDeliveryLoop(buffer, sink, new DeliveryRetryOptions(), 5000, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var live = Task.Run(async () =>
        {
            // 5,000 readings/s in 20 ms steps: 50 for backlogged tags, 50 for the machine without backlog.
            var i = 0L;
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                var now = DateTime.UtcNow;
                // The new machine comes online once the drain has begun, so it has no backlog: the live lane carries it.
                Reading[] batch = loop.Status.Batches > 0 ? [.. Make(i, 50, "cnc", now), .. Make(i, 50, "new-cnc", now)] : Make(i, 50, "cnc", now);
                await buffer.AppendAsync(batch, stop.Token);
                i += 50;
            }
        });
        await Task.Delay(100); // live data is flowing before the drain starts

        var stopwatch = Stopwatch.StartNew();
        var delivery = Task.Run(() => loop.RunAsync(stop.Token));
        while (loop.Status.LastAcknowledgedSequence < target)
        {
            await Task.Delay(20);
        }

        var drained = stopwatch.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(delivery, live.ContinueWith(_ => { }, TaskScheduler.Default));
        Console.WriteLine(
            $"// drained {target:N0} readings in {drained.TotalSeconds:N1} s ({target / drained.TotalSeconds:N0}/s) while live data flowed; " +
            $"live-lane readings: {sink.LiveCount:N0}, worst latency {sink.WorstLiveLatency.TotalMilliseconds:N0} ms, mean {sink.MeanLiveLatencyMs:N0} ms");
    }

    private static Reading[] Make(long from, int count, string machinePrefix, DateTime gatewayTime)
    {
        var readings = new Reading[count];
        for (var i = 0; i < count; i++)
        {
            var n = from + i;
            readings[i] = new Reading
            {
                Source = "plant-opcua",
                Machine = $"{machinePrefix}-{n % 10:00}",
                Tag = $"axis{n % 50}.load",
                Measurement = "cnc",
                Unit = "%",
                Labels = Labels,
                Value = ReadingValue.FromDouble(n * 0.25),
                SourceTimestamp = gatewayTime,
                ServerTimestamp = gatewayTime,
                GatewayTimestamp = gatewayTime,
                Timestamp = gatewayTime,
            };
        }

        return readings;
    }

    private sealed class CountingSink : ISink
    {
        private long _latencyTicksSum;

        public string Name => "influx";

        public ConnectionState State => ConnectionState.Connected;

        public long LiveCount { get; private set; }

        public TimeSpan WorstLiveLatency { get; private set; }

        public double MeanLiveLatencyMs => LiveCount == 0 ? 0 : TimeSpan.FromTicks(_latencyTicksSum / LiveCount).TotalMilliseconds;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DeliverAsync(IReadOnlyList<Reading> batch, CancellationToken cancellationToken)
        {
            var now = DateTime.UtcNow;
            foreach (var reading in batch)
            {
                if (reading.Machine.StartsWith("new-", StringComparison.Ordinal))
                {
                    var latency = now - reading.GatewayTimestamp;
                    LiveCount++;
                    _latencyTicksSum += latency.Ticks;
                    WorstLiveLatency = latency > WorstLiveLatency ? latency : WorstLiveLatency;
                }
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
