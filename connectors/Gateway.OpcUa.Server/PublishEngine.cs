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

    public PublishEngine(ServiceDispatcher dispatcher, ILogger logger, TimeSpan? tick = null)
    {
        _dispatcher = dispatcher;
        _logger = logger;
        _loop = Task.Run(() => RunAsync(tick ?? TimeSpan.FromMilliseconds(5)));
    }

    private async Task RunAsync(TimeSpan tick)
    {
        using var timer = new PeriodicTimer(tick);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    RunOnce(DateTime.UtcNow.Ticks);
                }
                catch (Exception e)
                {
                    _logger.LogError(e, "publish engine: a cycle failed; continuing");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal void RunOnce(long nowTicks)
    {
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
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
