using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.OpcUa.Server.Tests;

/// <summary>
/// The publish engine on its own schedule (not driven by hand): it sleeps until something is due and is woken when
/// something comes due earlier (a new subscription's first cycle, a parked Publish request's TimeoutHint).
/// </summary>
public sealed class PublishEngineWakeTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ASubscriptionCreatedWhileTheEngineSleepsGetsItsKeepAlive()
    {
        var h = new ServiceHarness().WithSession();
        await using var engine = new PublishEngine(h.Dispatcher, NullLogger.Instance);
        // Nothing is due: the engine sleeps. A subscription (keep-alive after every cycle) and a parked Publish follow.
        var created = h.Call<CreateSubscriptionResponse>(new CreateSubscriptionRequest { RequestedPublishingInterval = 50, RequestedMaxKeepAliveCount = 1, RequestedLifetimeCount = 100, PublishingEnabled = true });
        Assert.Null(h.Send(new PublishRequest()));

        var answer = await WaitForAsync(h, r => r is PublishResponse);
        Assert.Equal(created.SubscriptionId, Assert.IsType<PublishResponse>(answer).SubscriptionId);
    }

    [Fact]
    public async Task AParkedPublishPastItsTimeoutHintIsAnsweredBadTimeout()
    {
        var h = new ServiceHarness().WithSession();
        await using var engine = new PublishEngine(h.Dispatcher, NullLogger.Instance);
        // An hour between cycles: nothing but the request's own deadline can make the engine answer it.
        h.Call<CreateSubscriptionResponse>(new CreateSubscriptionRequest { RequestedPublishingInterval = 3_600_000, RequestedMaxKeepAliveCount = 100, RequestedLifetimeCount = 300, PublishingEnabled = true });
        // The first cycle (due at once) may answer one parked request with a keep-alive; the second must time out.
        var publish = new PublishRequest();
        publish.RequestHeader.TimeoutHint = 200;
        Assert.Null(h.Send(publish));
        var second = new PublishRequest();
        second.RequestHeader.TimeoutHint = 300;
        Assert.Null(h.Send(second));

        var fault = await WaitForAsync(h, r => r is ServiceFault);
        Assert.Equal(StatusCodes.BadTimeout, ((ServiceFault)fault).ResponseHeader.ServiceResult.Code);
    }

    [Fact]
    public void CyclesDueAFewMillisecondsAfterTheEarliestAreRunInItsWakeUpAndNoneBeforeItIsDue()
    {
        var t = new DateTime(2026, 12, 7, 7, 0, 0, DateTimeKind.Utc).Ticks;
        var ms = TimeSpan.TicksPerMillisecond;
        // The wake-up moves to the last cycle within the window, so every cycle in it is due when the engine runs.
        Assert.Equal(t + (2 * ms), PublishEngine.WakeFor(t, [t + (50 * ms), t, t + (2 * ms)]));
        Assert.Equal(t + PublishEngine.CoalesceTicks, PublishEngine.WakeFor(t, [t + PublishEngine.CoalesceTicks, t + PublishEngine.CoalesceTicks + 1]));
        // Nothing close after it: the earliest is kept, never moved earlier.
        Assert.Equal(t, PublishEngine.WakeFor(t, [t + PublishEngine.CoalesceTicks + 1, t - ms]));
        Assert.Equal(t, PublishEngine.WakeFor(t, []));
        Assert.Equal(long.MaxValue, PublishEngine.WakeFor(long.MaxValue, [t]));
    }

    [Fact]
    public async Task TwoSubscriptionsOnTheEnginesOwnScheduleAreBothServedCycleAfterCycle()
    {
        var h = new ServiceHarness().WithSession();
        await using var engine = new PublishEngine(h.Dispatcher, NullLogger.Instance);
        var first = h.Call<CreateSubscriptionResponse>(new CreateSubscriptionRequest { RequestedPublishingInterval = 50, RequestedMaxKeepAliveCount = 1, RequestedLifetimeCount = 1000, PublishingEnabled = true });
        var second = h.Call<CreateSubscriptionResponse>(new CreateSubscriptionRequest { RequestedPublishingInterval = 50, RequestedMaxKeepAliveCount = 1, RequestedLifetimeCount = 1000, PublishingEnabled = true });
        for (var i = 0; i < 8; i++)
        {
            Assert.Null(h.Send(new PublishRequest()));
        }

        int Served(uint id) => h.Channel.Sent.Select(s => s.Response).OfType<PublishResponse>().Count(r => r.SubscriptionId == id);
        var deadline = DateTime.UtcNow + Generous;
        while ((Served(first.SubscriptionId) < 3 || Served(second.SubscriptionId) < 3) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.True(Served(first.SubscriptionId) >= 3, $"first subscription served {Served(first.SubscriptionId)} times");
        Assert.True(Served(second.SubscriptionId) >= 3, $"second subscription served {Served(second.SubscriptionId)} times");
    }

    private static async Task<Gateway.OpcUa.Encoding.IServiceMessage> WaitForAsync(ServiceHarness h, Func<Gateway.OpcUa.Encoding.IServiceMessage, bool> wanted)
    {
        var deadline = DateTime.UtcNow + Generous;
        while (DateTime.UtcNow < deadline)
        {
            var found = h.Channel.Sent.Select(s => s.Response).FirstOrDefault(wanted);
            if (found is not null)
            {
                return found;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"the engine sent nothing wanted within {Generous.TotalSeconds} s; sent: {string.Join(", ", h.Channel.Sent.Select(s => s.Response.GetType().Name))}");
    }
}
