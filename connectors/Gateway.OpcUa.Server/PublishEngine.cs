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

    // The engine sleeps until the next subscription's cycle is due, but never longer than this: parked requests'
    // TimeoutHint, session timeouts and a new subscription's first cycle are looked at at least this often.
    private static readonly long LongestWaitTicks = TimeSpan.FromMilliseconds(100).Ticks;
    private static readonly long ShortestWaitTicks = TimeSpan.FromMilliseconds(1).Ticks;

    /// <param name="dispatcher">The sessions and subscriptions.</param>
    /// <param name="logger">Where a failed cycle is logged.</param>
    /// <param name="fixedTick">Run on this fixed period instead (tests drive <see cref="RunOnce"/> themselves with a long one).</param>
    public PublishEngine(ServiceDispatcher dispatcher, ILogger logger, TimeSpan? fixedTick = null)
    {
        _dispatcher = dispatcher;
        _logger = logger;
        _loop = Task.Run(() => RunAsync(fixedTick));
    }

    private async Task RunAsync(TimeSpan? fixedTick)
    {
        // Waking only when a cycle is due (instead of every 5 ms) is most of an idle server's CPU: the embedded default's
        // simulator serves the gateway's subscriptions from the same process (docs/performance.md, issue 26).
        var wait = fixedTick ?? TimeSpan.FromTicks(ShortestWaitTicks);
        try
        {
            while (true)
            {
                await Task.Delay(wait, _stop.Token);
                var nowTicks = DateTime.UtcNow.Ticks;
                var nextDueTicks = nowTicks + LongestWaitTicks;
                try
                {
                    nextDueTicks = Math.Min(nextDueTicks, RunOnce(nowTicks));
                }
                catch (Exception e)
                {
                    _logger.LogError(e, "publish engine: a cycle failed; continuing");
                }

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
        foreach (var session in _dispatcher.Sessions)
        {
            if (session.HasTimedOut(nowTicks))
            {
                _logger.LogInformation("session {Name} timed out after {Timeout} ms without a request", session.Name, session.TimeoutMs);
                _dispatcher.CloseSession(session);
                continue;
            }

            foreach (var expired in session.TakeExpiredParked(nowTicks, all: false))
            {
                if (expired.Channel.IsOpen)
                {
                    expired.Channel.Send(expired.RequestId, ServiceDispatcher.Fault(expired.RequestHandle, StatusCodes.BadTimeout));
                }
            }

            foreach (var subscription in session.Subscriptions)
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
            }
        }

        return nextDueTicks;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
