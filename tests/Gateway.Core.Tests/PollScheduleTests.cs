namespace Gateway.Core.Tests;

/// <summary>The poll boundaries as a pure function of the clock (no server): each boundary at most once, skips counted.</summary>
public sealed class PollScheduleTests
{
    private static readonly DateTimeOffset Second10 = new(2026, 12, 6, 8, 0, 10, TimeSpan.Zero);
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    [Fact]
    public void A_wakeup_1_ms_before_the_boundary_waits_again_for_the_same_boundary()
    {
        var schedule = new PollSchedule(OneSecond);
        schedule.Resume(Second10.AddMilliseconds(300));
        Assert.Equal(Second10.AddSeconds(1), schedule.Due);

        Assert.False(schedule.TryStart(Second10.AddMilliseconds(999), out _, out _));
        Assert.Equal(Second10.AddSeconds(1), schedule.Due);

        Assert.True(schedule.TryStart(Second10.AddMilliseconds(1000.4), out var boundary, out var skipped));
        Assert.Equal(Second10.AddSeconds(1), boundary);
        Assert.Equal(0, skipped);
        // The Read returned within a millisecond: the boundary just read is done, the next one is a second later.
        Assert.False(schedule.TryStart(Second10.AddMilliseconds(1001), out _, out _));
        Assert.Equal(Second10.AddSeconds(2), schedule.Due);
    }

    [Fact]
    public void A_wakeup_past_two_further_boundaries_reads_the_latest_and_counts_two_skipped()
    {
        var schedule = new PollSchedule(OneSecond);
        schedule.Resume(Second10);
        Assert.True(schedule.TryStart(Second10.AddMilliseconds(3500), out var boundary, out var skipped));
        Assert.Equal(Second10.AddSeconds(3), boundary);
        Assert.Equal(2, skipped); // 11 and 12 are not read late; 13 is read once
        Assert.Equal(Second10.AddSeconds(4), schedule.Due);
    }

    [Fact]
    public void A_new_session_neither_repeats_a_boundary_nor_counts_the_disconnected_time_as_skipped()
    {
        var schedule = new PollSchedule(OneSecond);
        schedule.Resume(Second10);
        Assert.True(schedule.TryStart(Second10.AddSeconds(1), out _, out _));

        // Reconnected within the same second (and a clock that stepped back a little): 11 is not read again.
        schedule.Resume(Second10.AddMilliseconds(900));
        Assert.Equal(Second10.AddSeconds(2), schedule.Due);

        // Reconnected a minute later: the first boundary after the new session starts, no skips for the outage.
        schedule.Resume(Second10.AddSeconds(61.5));
        Assert.True(schedule.TryStart(Second10.AddSeconds(62), out var boundary, out var skipped));
        Assert.Equal(Second10.AddSeconds(62), boundary);
        Assert.Equal(0, skipped);
    }

    [Fact]
    public void Boundaries_are_whole_multiples_of_the_interval()
    {
        var schedule = new PollSchedule(TimeSpan.FromMilliseconds(250));
        schedule.Resume(Second10.AddMilliseconds(10));
        Assert.Equal(Second10.AddMilliseconds(250), schedule.Due);
        Assert.True(schedule.TryStart(Second10.AddMilliseconds(777), out var boundary, out var skipped));
        Assert.Equal(Second10.AddMilliseconds(750), boundary);
        Assert.Equal(2, skipped); // 250 and 500
    }
}
