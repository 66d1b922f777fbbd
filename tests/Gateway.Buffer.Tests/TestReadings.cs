using System.Collections.Concurrent;

using Gateway.Core;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Buffer.Tests;

/// <summary>Readings, buffers and sinks for the buffer tests.</summary>
internal static class TestReadings
{
    public static readonly DateTime Epoch = new(2025, 3, 1, 8, 0, 0, DateTimeKind.Utc);

    public static readonly LabelSet Labels = LabelSet.From([new("site", "changwon"), new("line", "L2"), new("area", "machining")]);

    /// <summary>A typical scalar reading; the value carries <paramref name="value"/> so tests can tell readings apart.</summary>
    public static Reading Make(long value, string tag = "spindle.speed", string machine = "cnc-01") => new()
    {
        Source = "plant-opcua",
        Machine = machine,
        Tag = tag,
        Measurement = "cnc",
        Unit = "rpm",
        Labels = Labels,
        Value = ReadingValue.FromInt64(value),
        StatusCode = 0,
        Quality = Quality.Good,
        SourceTimestamp = Epoch.AddMilliseconds(value),
        ServerTimestamp = Epoch.AddMilliseconds(value + 1),
        GatewayTimestamp = Epoch.AddMilliseconds(value + 3),
        Timestamp = Epoch.AddMilliseconds(value),
    };

    public static List<Reading> Range(long from, int count, int tags = 10) =>
        [.. Enumerable.Range(0, count).Select(i => Make(from + i, $"tag{(from + i) % tags}"))];

    public static BufferOptions Options(string directory, long maxBytes = 64L * 1024 * 1024, long? segmentBytes = null) => new()
    {
        Directory = directory,
        MaxSizeBytes = maxBytes,
        CommitInterval = TimeSpan.FromMilliseconds(2),
        SegmentSizeBytes = segmentBytes,
    };

    public static StoreAndForwardBuffer Open(BufferOptions options, params string[] sinks) =>
        StoreAndForwardBuffer.Open(options, sinks, NullLogger.Instance);

    /// <summary>Everything pending for a sink right now (reads until nothing more arrives within a short wait).</summary>
    public static async Task<List<Reading>> DrainAsync(StoreAndForwardBuffer buffer, string sink, bool acknowledge = false)
    {
        var all = new List<Reading>();
        while (true)
        {
            using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            ReadingBatch batch;
            try
            {
                batch = await buffer.ReadBatchAsync(sink, 10_000, quiet.Token);
            }
            catch (OperationCanceledException)
            {
                return all;
            }

            all.AddRange(batch);
            if (acknowledge)
            {
                await buffer.AcknowledgeAsync(sink, batch.AcknowledgeUpTo);
            }
        }
    }

    public static long ValueOf(Reading reading) => reading.Value.AsInt64();
}

/// <summary>A sink that keeps what it receives and can be switched down (throws) and up again.</summary>
internal sealed class RecordingSink(string name) : ISink
{
    private volatile bool _down;

    public string Name { get; } = name;

    public ConnectionState State => _down ? ConnectionState.Faulted : ConnectionState.Connected;

    public ConcurrentQueue<Reading> Received { get; } = new();

    public int Attempts;

    public ConcurrentQueue<DateTime> AttemptTimes { get; } = new();

    /// <summary>What a delivery throws while the sink is down; an IOException if not set.</summary>
    public Func<Exception>? FailWith { get; init; }

    public bool Down
    {
        get => _down;
        set => _down = value;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DeliverAsync(IReadOnlyList<Reading> batch, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Attempts);
        AttemptTimes.Enqueue(DateTime.UtcNow);
        if (_down)
        {
            throw FailWith?.Invoke() ?? new IOException($"{Name} is down");
        }

        foreach (var reading in batch)
        {
            Received.Enqueue(reading);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>A clock the test moves by hand (only the wall clock; timers stay real).</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>Keeps log lines so tests can check what the operator would see.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue((logLevel, formatter(state, exception)));
}
