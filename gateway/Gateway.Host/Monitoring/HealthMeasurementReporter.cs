using Gateway.Core;
using Gateway.Host.Service;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Monitoring;

/// <summary>
/// Hands the gateway's health points to every sink that stores them (<see cref="IHealthPointSink"/>: InfluxDB), at the
/// interval the sink asks for, and watches connection states for the reconnect counts every second. Points a sink could
/// not take wait in memory (at most <see cref="MaxQueuedPerSink"/>, oldest dropped first) and go with the next write, so
/// an InfluxDB outage of a few hours leaves no hole in the health history; a longer one leaves a hole that says so.
/// </summary>
public sealed class HealthMeasurementReporter : IAsyncDisposable
{
    public const int MaxQueuedPerSink = 50_000;

    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    private readonly Func<GatewayRuntime?> _runtime;
    private readonly ConnectionWatch _watch;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly DateTime _startedAt;
    private readonly Dictionary<string, SinkQueue> _queues = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public HealthMeasurementReporter(Func<GatewayRuntime?> runtime, ConnectionWatch watch, ILogger logger, TimeProvider time)
    {
        _runtime = runtime;
        _watch = watch;
        _logger = logger;
        _time = time;
        _startedAt = time.GetUtcNow().UtcDateTime;
    }

    public void Start() => _loop = Task.Run(LoopAsync);

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(Tick, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    Report();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Monitoring must never take the data path down; say it once per tick and go on.
                    _logger.LogWarning("Health points could not be made: {Message}", e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Report()
    {
        var runtime = _runtime();
        if (runtime is null)
        {
            return;
        }

        _watch.Observe(runtime);
        var now = _time.GetUtcNow().UtcDateTime;
        List<HealthPoint>? points = null;
        foreach (var sink in runtime.Sinks)
        {
            if (sink.Sink is not IHealthPointSink healthSink || healthSink.HealthInterval <= TimeSpan.Zero)
            {
                continue;
            }

            if (!_queues.TryGetValue(sink.Config.Name, out var queue))
            {
                queue = new SinkQueue(sink.Config.Name);
                _queues[sink.Config.Name] = queue;
            }

            if (now < queue.Next || queue.Writing is { IsCompleted: false })
            {
                continue;
            }

            // Aligned to the interval, so that every gateway's points fall on the same seconds.
            var interval = healthSink.HealthInterval;
            queue.Next = new DateTime((now.Ticks / interval.Ticks + 1) * interval.Ticks, DateTimeKind.Utc);
            points ??= HealthPoints.Build(runtime, _watch, _startedAt, new DateTime(now.Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, DateTimeKind.Utc));
            queue.Add(points, _logger);
            queue.Writing = queue.WriteAsync(healthSink, _logger, _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        foreach (var queue in _queues.Values)
        {
            if (queue.Writing is not null)
            {
                await queue.Writing;
            }
        }

        _stop.Dispose();
    }

    private sealed class SinkQueue(string sink)
    {
        private readonly Lock _lock = new();
        private readonly List<HealthPoint> _points = [];
        private bool _overflowing;

        public DateTime Next { get; set; }

        public Task? Writing { get; set; }

        public void Add(List<HealthPoint> points, ILogger logger)
        {
            lock (_lock)
            {
                _points.AddRange(points);
                var excess = _points.Count - MaxQueuedPerSink;
                if (excess > 0)
                {
                    _points.RemoveRange(0, excess);
                    if (!_overflowing)
                    {
                        _overflowing = true;
                        logger.LogWarning("Sink '{Sink}' has taken no health points for a long time; the oldest are dropped beyond {Max} waiting.", sink, MaxQueuedPerSink);
                    }
                }
            }
        }

        public async Task WriteAsync(IHealthPointSink healthSink, ILogger logger, CancellationToken cancellationToken)
        {
            HealthPoint[] batch;
            lock (_lock)
            {
                batch = [.. _points];
            }

            try
            {
                await healthSink.WriteHealthAsync(batch, cancellationToken);
                lock (_lock)
                {
                    _points.RemoveRange(0, Math.Min(batch.Length, _points.Count));
                    _overflowing = false;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                // The sink logs its outage once per episode; the points wait for the next interval.
                logger.LogDebug("Health points for sink '{Sink}' wait: {Message}", sink, e.Message);
            }
        }
    }
}
