namespace Gateway.Core;

/// <summary>
/// The boundaries of one poll group, the one rule every polling source (OPC UA, Modbus, MELSEC) follows: whole
/// multiples of the interval on the wall clock (so 1 s polls land on whole seconds and do not drift), each run at most
/// once. The boundary due is always the one strictly after the last one done, never "now rounded up": a timer that
/// wakes a little before the boundary waits again for the same boundary instead of reading it twice, and one that wakes
/// past a further boundary (a Read slower than the interval, a starved machine) runs the latest boundary passed and
/// counts the ones in between as skipped, never running them late.
/// Not thread-safe: one poll loop owns it; it outlives the session, so a reconnect never repeats a boundary.
/// </summary>
public sealed class PollSchedule
{
    private readonly long _intervalTicks;

    // The latest boundary that is done: run, skipped and counted, or passed while there was no session.
    private long _doneTicks;

    public PollSchedule(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _intervalTicks = interval.Ticks;
    }

    /// <summary>The boundary the loop waits for (meaningful after <see cref="Resume"/>).</summary>
    public DateTimeOffset Due => new(_doneTicks + _intervalTicks, TimeSpan.Zero);

    /// <summary>
    /// A session starts polling at <paramref name="now"/>: the boundaries passed while there was none are not polls
    /// skipped (the lost connection is reported on its own), so the first one due is the first strictly after now.
    /// </summary>
    public void Resume(DateTimeOffset now) => _doneTicks = Math.Max(_doneTicks, Floor(now));

    /// <summary>
    /// On waking at <paramref name="now"/>: false while <see cref="Due"/> has not come (an early wakeup: wait again),
    /// else the boundary to read now and how many due boundaries before it are skipped.
    /// </summary>
    public bool TryStart(DateTimeOffset now, out DateTimeOffset boundary, out long skipped)
    {
        var due = _doneTicks + _intervalTicks;
        if (now.UtcTicks < due)
        {
            boundary = default;
            skipped = 0;
            return false;
        }

        var latest = Floor(now);
        skipped = (latest - due) / _intervalTicks;
        _doneTicks = latest;
        boundary = new DateTimeOffset(latest, TimeSpan.Zero);
        return true;
    }

    private long Floor(DateTimeOffset time) => time.UtcTicks / _intervalTicks * _intervalTicks;
}
