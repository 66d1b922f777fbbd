namespace Gateway.Connectors.OpcUa;

/// <summary>
/// Counts values that came with the Overflow bit for one group and says when a log line is due: at most one per
/// interval, carrying every value counted since the previous line.
/// </summary>
internal sealed class OverflowCount
{
    private long _notLogged;
    private long _nextLineTicks;

    /// <summary>Adds <paramref name="count"/> values; returns the count to log now, or 0 while the last line is recent.</summary>
    public long Add(int count, DateTimeOffset now, TimeSpan interval)
    {
        Interlocked.Add(ref _notLogged, count);
        var due = Interlocked.Read(ref _nextLineTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextLineTicks, now.UtcTicks + interval.Ticks, due) != due)
        {
            return 0; // said within the interval (or by another delivery just now): counted for the next line
        }

        return Interlocked.Exchange(ref _notLogged, 0);
    }
}
