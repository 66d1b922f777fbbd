namespace Gateway.Core.Tests;

/// <summary>The restart delay shared by the source supervisor and the sinks' delivery loops.</summary>
public sealed class RestartBackoffTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(7, 60)]
    [InlineData(30, 60)]
    public void TheDelayDoublesUpToAMinute(int consecutive, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), RestartBackoff.Delay(consecutive));

    [Fact]
    public void Short_runs_and_failed_starts_lengthen_the_delay_and_a_healthy_run_starts_it_afresh()
    {
        var backoff = new RestartBackoff();
        var brief = TimeSpan.FromSeconds(3);

        Assert.Equal(TimeSpan.FromSeconds(1), backoff.AfterRun(brief));
        Assert.Equal(TimeSpan.FromSeconds(2), backoff.AfterRun(brief));
        Assert.Equal(TimeSpan.FromSeconds(4), backoff.AfterFailedStart());
        Assert.Equal(TimeSpan.FromSeconds(8), backoff.AfterRun(brief));
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.AfterRun(RestartBackoff.HealthyRun));
        Assert.Equal(TimeSpan.FromSeconds(2), backoff.AfterRun(brief));
    }
}
