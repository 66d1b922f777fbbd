using Polly.CircuitBreaker;

namespace Gateway.Core.Tests;

/// <summary>
/// The pipelines Resilience builds wait on the TimeProvider they are given: nothing is retried until that clock is moved
/// past the delay, the delays double up to the max, and an open circuit stays open until that clock passes the break.
/// </summary>
public sealed class ResilienceTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_retry_waits_for_the_given_clock_and_the_delays_double_up_to_the_max()
    {
        var time = new ManualTime();
        var attempts = 0;
        var pipeline = Resilience.Retry(
            new RetryOptions { Delay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1), UseJitter = false },
            time,
            handles: e => e is IOException);

        var run = pipeline.ExecuteAsync(_ =>
            Interlocked.Increment(ref attempts) <= 6 ? ValueTask.FromException(new IOException("peer down")) : ValueTask.CompletedTask).AsTask();

        var expected = new[] { 100, 200, 400, 800, 1000, 1000 }.Select(ms => TimeSpan.FromMilliseconds(ms)).ToArray();
        for (var retry = 0; retry < expected.Length; retry++)
        {
            var delay = await time.NextTimerAsync(Generous);
            Assert.Equal(expected[retry], delay);
            Assert.Equal(retry + 1, Volatile.Read(ref attempts));

            time.Advance(delay - TimeSpan.FromTicks(1));
            Assert.Equal(1, time.PendingTimers); // the wait is not over one tick early...
            Assert.Equal(retry + 1, Volatile.Read(ref attempts));

            time.Advance(TimeSpan.FromTicks(1)); // ...and is at its end
            await WaitUntil(() => Volatile.Read(ref attempts) == retry + 2, $"retry {retry + 1} after the clock passed {delay}");
        }

        await run.WaitAsync(Generous);
        Assert.Equal(7, attempts);
    }

    [Fact]
    public async Task With_jitter_every_wait_is_a_timer_of_the_given_clock_and_never_longer_than_the_max()
    {
        var time = new ManualTime();
        var max = TimeSpan.FromSeconds(2);
        var announced = new List<TimeSpan>();
        var attempts = 0;
        var pipeline = Resilience.Retry(
            new RetryOptions { Delay = TimeSpan.FromMilliseconds(200), MaxDelay = max, MaxRetryAttempts = 12 },
            time,
            handles: e => e is IOException,
            onRetry: args =>
            {
                lock (announced)
                {
                    announced.Add(args.RetryDelay);
                }

                return default;
            });

        var run = pipeline.ExecuteAsync(_ =>
        {
            Interlocked.Increment(ref attempts);
            return ValueTask.FromException(new IOException("peer down"));
        }).AsTask();

        var waited = new List<TimeSpan>();
        while (await time.NextTimerOrDoneAsync(run, Generous) is { } delay)
        {
            waited.Add(delay);
            time.Advance(delay);
        }

        var error = await Assert.ThrowsAsync<IOException>(() => run);
        Assert.Equal("peer down", error.Message);
        Assert.Equal(13, attempts);
        lock (announced)
        {
            Assert.Equal(12, announced.Count);
            Assert.All(announced, d => Assert.InRange(d, TimeSpan.Zero, max));

            // Task.Delay sets its timer in whole milliseconds (a wait under 1 ms sets none).
            Assert.Equal(announced.Select(WholeMilliseconds).Where(d => d > TimeSpan.Zero), waited);
        }
    }

    [Fact]
    public async Task An_open_circuit_lets_nothing_through_until_the_given_clock_passes_the_break()
    {
        var time = new ManualTime();
        var calls = 0;
        var opened = 0;
        var circuit = new CircuitBreakerStateProvider();
        var pipeline = Resilience.RetryThroughBreaker(
            new RetryOptions { Delay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(1), UseJitter = false },
            new CircuitBreakerOptions { FailureRatio = 0.5, BreakDuration = TimeSpan.FromSeconds(10) },
            time,
            handles: e => e is not OperationCanceledException,
            circuit: circuit,
            onOpened: _ =>
            {
                Interlocked.Increment(ref opened);
                return default;
            });

        // Fails twice (at t = 0 s and t = 1 s: the circuit opens until t = 11 s), then succeeds whenever it is asked.
        var run = pipeline.ExecuteAsync(_ =>
            Interlocked.Increment(ref calls) <= 2 ? ValueTask.FromException(new IOException("peer down")) : ValueTask.CompletedTask).AsTask();

        Assert.Equal(TimeSpan.FromSeconds(1), await time.NextTimerAsync(Generous));
        time.Advance(TimeSpan.FromSeconds(1));
        for (var second = 1; second < 11; second++)
        {
            // Each retry inside the break fails fast on the open circuit and waits its next second: the peer is not called.
            Assert.Equal(TimeSpan.FromSeconds(1), await time.NextTimerAsync(Generous));
            Assert.Equal(2, Volatile.Read(ref calls));
            Assert.Equal(CircuitState.Open, circuit.CircuitState);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        await run.WaitAsync(Generous); // t = 11 s: the break is over, the half-open test call succeeds
        Assert.Equal(3, calls);
        Assert.Equal(1, opened);
        Assert.Equal(CircuitState.Closed, circuit.CircuitState);
    }

    private static TimeSpan WholeMilliseconds(TimeSpan delay) => TimeSpan.FromMilliseconds(Math.Floor(delay.TotalMilliseconds));

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Generous;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }

    /// <summary>A clock that moves only when told; its timers fire when <see cref="Advance"/> passes their due time.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private readonly Lock _lock = new();
        private readonly List<ManualTimer> _timers = [];
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow()
        {
            lock (_lock)
            {
                return _now;
            }
        }

        public override long GetTimestamp() => GetUtcNow().UtcTicks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public int PendingTimers
        {
            get
            {
                lock (_lock)
                {
                    return _timers.Count(t => t.Due is not null);
                }
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new ManualTimer(this, callback, state);
            timer.Change(dueTime, period);
            return timer;
        }

        /// <summary>How long the next pending timer was set for, once one is set (the caller's retry has scheduled its wait).</summary>
        public async Task<TimeSpan> NextTimerAsync(TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                lock (_lock)
                {
                    if (_timers.FirstOrDefault(t => t.Due is not null) is { } pending)
                    {
                        return pending.SetFor;
                    }
                }

                Assert.True(DateTime.UtcNow < deadline, "no timer was set on the manual clock (did the pipeline wait on another clock?)");
                await Task.Delay(10);
            }
        }

        /// <summary>Like <see cref="NextTimerAsync"/>, or null once <paramref name="run"/> has finished without setting another.</summary>
        public async Task<TimeSpan?> NextTimerOrDoneAsync(Task run, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                var done = run.IsCompleted;
                lock (_lock)
                {
                    if (_timers.FirstOrDefault(t => t.Due is not null) is { } pending)
                    {
                        return pending.SetFor;
                    }
                }

                if (done)
                {
                    return null;
                }

                Assert.True(DateTime.UtcNow < deadline, "the run neither finished nor set a timer on the manual clock");
                await Task.Delay(10);
            }
        }

        public void Advance(TimeSpan by)
        {
            List<ManualTimer> due;
            lock (_lock)
            {
                _now += by;
                due = _timers.Where(t => t.Due <= _now).ToList();
                foreach (var timer in due)
                {
                    timer.Due = timer.Period > TimeSpan.Zero && timer.Period != Timeout.InfiniteTimeSpan ? _now + timer.Period : null;
                }
            }

            foreach (var timer in due)
            {
                timer.Fire();
            }
        }

        private sealed class ManualTimer(ManualTime time, TimerCallback callback, object? state) : ITimer
        {
            public DateTimeOffset? Due { get; set; }

            public TimeSpan Period { get; private set; }

            public TimeSpan SetFor { get; private set; }

            public void Fire() => callback(state);

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                lock (time._lock)
                {
                    if (!time._timers.Contains(this))
                    {
                        time._timers.Add(this);
                    }

                    SetFor = dueTime;
                    Period = period;
                    Due = dueTime == Timeout.InfiniteTimeSpan ? null : time._now + dueTime;
                }

                return true;
            }

            public void Dispose()
            {
                lock (time._lock)
                {
                    time._timers.Remove(this);
                }
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return default;
            }
        }
    }
}
