using System.Collections.Concurrent;

using Gateway.Core;
using Gateway.Testing;

using Microsoft.Extensions.Logging;

namespace Gateway.Sinks.InfluxDb.Tests;

/// <summary>Readings, sink contexts and a delivery loop shaped like the buffer's, for the sink tests.</summary>
internal static class TestSupport
{
    public static readonly LabelSet PlantLabels = LabelSet.From([new("site", "changwon"), new("line", "L2")]);

    /// <summary>A time near now, whole milliseconds (servers with a retention window drop old points).</summary>
    public static DateTime BaseTime { get; } = new(DateTime.UtcNow.Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond - TimeSpan.TicksPerHour, DateTimeKind.Utc);

    public static Reading Reading(string tag, ReadingValue value, DateTime timestamp, string machine = "cnc1", Quality quality = Quality.Good, string? measurement = "cnc") => new()
    {
        Source = "plc1",
        Machine = machine,
        Tag = tag,
        Measurement = measurement,
        Value = value,
        Quality = quality,
        StatusCode = quality switch { Quality.Good => 0u, Quality.Uncertain => 0x40000000u, _ => 0x80000000u },
        Timestamp = timestamp,
        GatewayTimestamp = timestamp,
        SourceTimestamp = timestamp,
        Labels = PlantLabels,
    };

    /// <summary><paramref name="count"/> double readings of one tag, one per millisecond from <paramref name="start"/>.</summary>
    public static List<Reading> Series(string tag, int count, DateTime start, int offset = 0) =>
        Enumerable.Range(offset, count).Select(i => Reading(tag, ReadingValue.FromDouble(i + 0.25), start.AddMilliseconds(i))).ToList();

    public static SinkContext Context(string dataDirectory, RecordingLoggerFactory? logs = null) =>
        new("gw-test", LabelSet.From([new("site", "changwon")]), dataDirectory, logs ?? new RecordingLoggerFactory(), TimeProvider.System);

    public static InfluxDbSink CreateSink(InfluxDbSinkOptions options, string dataDirectory, RecordingLoggerFactory? logs = null, string name = "influx")
    {
        var plugin = new InfluxDbSinkPlugin();
        var problems = plugin.Validate(options).ToList();
        Assert.True(problems.Count == 0, string.Join("; ", problems.Select(p => p.Key + ": " + p.Message)));
        return (InfluxDbSink)plugin.Create(name, options, Context(dataDirectory, logs));
    }

    /// <summary>What the buffer does with a sink: deliver, and on an exception wait (with backoff) and deliver the same batch again.</summary>
    public static async Task DeliverWithRetryAsync(ISink sink, IReadOnlyList<Reading> batch, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await sink.DeliverAsync(batch, cancellationToken);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(e is RetryLaterException later ? later.RetryAfter : delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
            }
        }
    }

    public static string NewDataDirectory() => RepositoryPaths.NewTempDirectory("influx-sink");
}

/// <summary>Keeps every log line, so tests can check what the operator would see.</summary>
internal sealed class RecordingLoggerFactory : ILoggerFactory
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Lines { get; } = new();

    public IEnumerable<string> At(LogLevel level) => Lines.Where(l => l.Level == level).Select(l => l.Message);

    public ILogger CreateLogger(string categoryName) => new RecordingLogger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class RecordingLogger(RecordingLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue((logLevel, formatter(state, exception)));
    }
}
