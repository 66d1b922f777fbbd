using System.Diagnostics;

namespace Gateway.OpcUa.Client;

/// <summary>
/// How long service calls take, from sending the request to its response: count, total and the slowest since the last
/// <see cref="TakeMax"/>. Publish is left out (the server holds it on purpose until there is something to send). One
/// instance can follow a source across reconnects (<see cref="OpcUaClientOptions.RequestTimings"/>). Thread-safe.
/// </summary>
public sealed class RequestTimings
{
    private long _count;
    private long _totalTicks;
    private long _maxTicks;

    public long Count => Interlocked.Read(ref _count);

    public TimeSpan Total => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _totalTicks));

    /// <summary>The slowest call since the last time this was asked (then forgotten, so a monitor sees each period's worst).</summary>
    public TimeSpan TakeMax() => Stopwatch.GetElapsedTime(0, Interlocked.Exchange(ref _maxTicks, 0));

    public void Record(long startTimestamp)
    {
        var elapsed = Stopwatch.GetTimestamp() - startTimestamp;
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _totalTicks, elapsed);
        long max;
        while (elapsed > (max = Interlocked.Read(ref _maxTicks)) && Interlocked.CompareExchange(ref _maxTicks, elapsed, max) != max)
        {
        }
    }
}
