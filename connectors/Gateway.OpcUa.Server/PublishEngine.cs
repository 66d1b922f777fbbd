using Gateway.OpcUa.Server.Subscriptions;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;
using Microsoft.Extensions.Logging;

namespace Gateway.OpcUa.Server;

/// <summary>
/// Drives every subscription's publishing cycle from one thread: samples callback-fed items, answers parked Publish
/// requests with notifications or keep-alives, expires subscriptions whose lifetime ran out, times out parked requests
/// (TimeoutHint) and sessions nobody used for their timeout.
/// </summary>
public sealed class PublishEngine : IAsyncDisposable
{
    private readonly ServiceDispatcher _dispatcher;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    // Woken (released once per wake-up, however many callers) when something may be due before the planned wake-up:
    // a new or changed subscription, a parked Publish request with a TimeoutHint, a new session.
    private readonly SemaphoreSlim _wake = new(0);
    private int _wakePending;
    private long _plannedWakeTicks = long.MaxValue;

    // The engine sleeps until the earliest of: the next subscription cycle, a parked request's TimeoutHint, a session's
    // timeout; and is woken when one of those comes earlier (Reschedule). This cap is only a safety net: an idle
    // server wakes once a second at most for it, where it used to wake every 100 ms (docs/performance.md, issue 26).
    private static readonly long LongestWaitTicks = TimeSpan.FromSeconds(1).Ticks;
    private static readonly long ShortestWaitTicks = TimeSpan.FromMilliseconds(1).Ticks;

    // Cycles due this close after the earliest one are run in the same wake-up, the earliest a little late, never one
    // early: each wake-up costs the runtime several thread wake-ups (docs/performance.md, issue 26).
    internal static readonly long CoalesceTicks = TimeSpan.FromMilliseconds(5).Ticks;

    // The subscriptions' next cycles seen by the last RunOnce (engine loop only).
    private readonly List<long> _cycleDues = [];

    /// <param name="dispatcher">The sessions and subscriptions.</param>
    /// <param name="logger">Where a failed cycle is logged.</param>
    /// <param name="fixedTick">Run on this fixed period instead (tests drive <see cref="RunOnce"/> themselves with a long one).</param>
    public PublishEngine(ServiceDispatcher dispatcher, ILogger logger, TimeSpan? fixedTick = null)
    {
        _dispatcher = dispatcher;
        _logger = logger;
        if (fixedTick is null)
        {
            dispatcher.ScheduleChanged = Reschedule;
        }

        _loop = Task.Run(() => RunAsync(fixedTick));
    }

    /// <summary>Something is due at <paramref name="dueTicks"/> (UTC ticks): wakes the engine if it planned to sleep past it.</summary>
    internal void Reschedule(long dueTicks)
    {
        if (dueTicks < Volatile.Read(ref _plannedWakeTicks) && Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            _wake.Release();
        }
    }

    private async Task RunAsync(TimeSpan? fixedTick)
    {
        // Waking only when something is due (instead of every 5 ms, then every 100 ms) is most of an idle server's CPU:
        // the embedded default's simulator serves the gateway's subscriptions from the same process.
        var wait = fixedTick ?? TimeSpan.FromTicks(ShortestWaitTicks);
        try
        {
            while (true)
            {
                if (fixedTick is null)
                {
                    // false on timeout; the wait's timer is removed when woken
                    await _wake.WaitAsync(wait, _stop.Token);
                    Interlocked.Exchange(ref _wakePending, 0);
                }
                else
                {
                    await Task.Delay(wait, _stop.Token);
                }

                // While RunOnce runs it may miss what is scheduled meanwhile: every Reschedule then wakes the next wait.
                Volatile.Write(ref _plannedWakeTicks, long.MaxValue);
                var nowTicks = DateTime.UtcNow.Ticks;
                var nextDueTicks = nowTicks + LongestWaitTicks;
                try
                {
                    nextDueTicks = WakeFor(Math.Min(nextDueTicks, RunOnce(nowTicks)), _cycleDues);
                }
                catch (Exception e)
                {
                    _logger.LogError(e, "publish engine: a cycle failed; continuing");
                }

                Volatile.Write(ref _plannedWakeTicks, nextDueTicks);

                wait = fixedTick ?? TimeSpan.FromTicks(Math.Max(ShortestWaitTicks, nextDueTicks - DateTime.UtcNow.Ticks));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Runs every due cycle; returns when the next subscription's cycle is due (in ticks, long.MaxValue for none).</summary>
    internal long RunOnce(long nowTicks)
    {
        var nextDueTicks = long.MaxValue;
        _cycleDues.Clear();
        foreach (var session in _dispatcher.Sessions)
        {
            if (session.HasTimedOut(nowTicks))
            {
                _logger.LogInformation("session {Name} timed out after {Timeout} ms without a request", session.Name, session.TimeoutMs);
                _dispatcher.CloseSession(session);
                continue;
            }

            nextDueTicks = Math.Min(nextDueTicks, session.TimeoutDueTicks);

            foreach (var expired in session.TakeExpiredParked(nowTicks, all: false))
            {
                if (expired.Channel.IsOpen)
                {
                    expired.Channel.Send(expired.RequestId, ServiceDispatcher.Fault(expired.RequestHandle, StatusCodes.BadTimeout));
                }
            }

            nextDueTicks = Math.Min(nextDueTicks, session.EarliestParkedDeadlineTicks);

            // In turn: the subscription served longest ago meets the parked Publish requests first (round robin).
            foreach (var subscription in ServiceDispatcher.InTurn(session.Subscriptions))
            {
                var outcome = subscription.RunCycle(nowTicks);
                if (subscription.IsExpired)
                {
                    _dispatcher.Expire(subscription);
                    continue;
                }

                if (outcome != CycleOutcome.Nothing)
                {
                    _dispatcher.Serve(session, subscription);
                }

                nextDueTicks = Math.Min(nextDueTicks, subscription.NextCycleTicks);
                _cycleDues.Add(subscription.NextCycleTicks);
            }
        }

        return nextDueTicks;
    }

    /// <summary>
    /// When to wake for something due at <paramref name="earliestTicks"/>: at the latest cycle due within
    /// <see cref="CoalesceTicks"/> after it, so that cycles a few milliseconds apart run in one wake-up.
    /// </summary>
    internal static long WakeFor(long earliestTicks, IReadOnlyList<long> cycleDues)
    {
        var wake = earliestTicks;
        var horizon = earliestTicks > long.MaxValue - CoalesceTicks ? long.MaxValue : earliestTicks + CoalesceTicks;
        foreach (var due in cycleDues)
        {
            if (due > wake && due <= horizon)
            {
                wake = due;
            }
        }

        return wake;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _wake.Dispose();
    }
}
