namespace Gateway.Core;

/// <summary>
/// Counts events and says when a log line about them is due: at most one per interval, carrying every event counted
/// since the previous line (a loss must be seen in the log without a line per event). Safe to call from several threads.
/// </summary>
public sealed class ThrottledCount
{
    private long _notLogged;
    private long _nextLineTicks;

    /// <summary>Adds <paramref name="count"/> events; returns the count to log now, or 0 while the last line is recent.</summary>
    public long Add(long count, DateTimeOffset now, TimeSpan interval)
    {
        Interlocked.Add(ref _notLogged, count);
        var due = Interlocked.Read(ref _nextLineTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextLineTicks, now.UtcTicks + interval.Ticks, due) != due)
        {
            return 0; // said within the interval (or by another writer just now): counted for the next line
        }

        return Interlocked.Exchange(ref _notLogged, 0);
    }
}
