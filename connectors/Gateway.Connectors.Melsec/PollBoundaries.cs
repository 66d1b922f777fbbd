namespace Gateway.Connectors.Melsec;

/// <summary>
/// The poll boundaries of one tag group, as every source keeps them: whole multiples of the interval on the clock, each
/// read at most once; a wakeup a little early waits again for the same boundary, one past further boundaries reads the
/// latest and counts the others as skipped. Kept across reconnects, so a reconnect never reads a boundary twice.
/// </summary>
public sealed class PollBoundaries
{
    private readonly long _intervalTicks;
    private long _doneTicks;

    public PollBoundaries(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _intervalTicks = interval.Ticks;
    }

    public DateTimeOffset Due => new(_doneTicks + _intervalTicks, TimeSpan.Zero);

    /// <summary>A session starts polling: boundaries passed without a connection are not skipped polls.</summary>
    public void Resume(DateTimeOffset now) => _doneTicks = Math.Max(_doneTicks, Floor(now));

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
