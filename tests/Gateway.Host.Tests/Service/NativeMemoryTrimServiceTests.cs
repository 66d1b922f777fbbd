using Gateway.Host.Service;

namespace Gateway.Host.Tests.Service;

/// <summary>The service trims once per interval while it runs, and not after it stopped.</summary>
public sealed class NativeMemoryTrimServiceTests
{
    [Fact]
    public async Task Trims_at_its_interval_until_stopped()
    {
        var time = new QuickTimers(TimeSpan.FromMilliseconds(5));
        using var service = new NativeMemoryTrimService(time);
        await service.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (service.Trims < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        await service.StopAsync(CancellationToken.None);
        Assert.True(service.Trims >= 3, $"{service.Trims} trims");
        Assert.Equal([NativeMemoryTrimService.Interval], time.PeriodsAsked.Distinct());

        var stoppedAt = service.Trims;
        await Task.Delay(100);
        Assert.Equal(stoppedAt, service.Trims);
    }

    /// <summary>The system's clock with every periodic timer firing at <paramref name="period"/>; remembers the periods asked for.</summary>
    private sealed class QuickTimers(TimeSpan period) : TimeProvider
    {
        public List<TimeSpan> PeriodsAsked { get; } = [];

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan askedPeriod)
        {
            lock (PeriodsAsked)
            {
                PeriodsAsked.Add(askedPeriod);
            }

            return System.CreateTimer(callback, state, dueTime == Timeout.InfiniteTimeSpan ? dueTime : period, askedPeriod == Timeout.InfiniteTimeSpan ? askedPeriod : period);
        }
    }
}
