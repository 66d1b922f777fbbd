using Microsoft.Extensions.Logging;

namespace Gateway.Core.Tests;

/// <summary>The reconnect loop every source runs (no device): faults become one outage and are retried; stopping ends it.</summary>
public sealed class SourceSessionsTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    // Waits of a millisecond: the tests wait for what happened, never for how long it took.
    private static readonly Polly.ResiliencePipeline Reconnect = Resilience.Retry(
        new RetryOptions { Delay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(1), UseJitter = false },
        TimeProvider.System,
        handles: e => e is IOException);

    [Fact]
    public async Task A_connection_fault_is_one_outage_and_the_session_is_tried_again_until_the_source_stops()
    {
        var log = new Levels();
        var outage = new OutageEpisode(log, TimeProvider.System, "source test");
        var sessions = 0;
        var third = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();

        var run = SourceSessions.RunAsync(
            Reconnect,
            async ct =>
            {
                var session = Interlocked.Increment(ref sessions);
                if (session < 3)
                {
                    throw new IOException($"connection refused ({session})");
                }

                third.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            },
            e => e is IOException ? "refused" : null,
            outage,
            stop.Token);

        await third.Task.WaitAsync(Generous);
        Assert.True(outage.InProgress);
        Assert.Equal("connection refused (2)", outage.Cause);
        // Two texts of one kind: the warning that opened the outage, then a debug line, not a second warning.
        Assert.Equal([LogLevel.Warning, LogLevel.Debug], log.Written);

        stop.Cancel();
        await run.WaitAsync(Generous); // stopping is no error
        Assert.Equal(3, sessions);
    }

    [Fact]
    public async Task An_exception_that_is_no_connection_fault_is_no_outage_and_is_not_retried()
    {
        var log = new Levels();
        var outage = new OutageEpisode(log, TimeProvider.System, "source test");
        var sessions = 0;

        var run = SourceSessions.RunAsync(
            Reconnect,
            _ =>
            {
                Interlocked.Increment(ref sessions);
                throw new InvalidOperationException("a bug, not a lost connection");
            },
            e => e is IOException ? "refused" : null,
            outage,
            CancellationToken.None);

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => run.WaitAsync(Generous));
        Assert.Equal("a bug, not a lost connection", thrown.Message);
        Assert.Equal(1, sessions);
        Assert.False(outage.InProgress);
        Assert.Empty(log.Written);
    }

    private sealed class Levels : ILogger
    {
        private readonly List<LogLevel> _written = [];

        public IReadOnlyList<LogLevel> Written
        {
            get
            {
                lock (_written)
                {
                    return [.. _written];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_written)
            {
                _written.Add(logLevel);
            }
        }
    }
}
