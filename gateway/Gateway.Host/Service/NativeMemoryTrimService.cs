using Gateway.Core;
using Microsoft.Extensions.Hosting;

namespace Gateway.Host.Service;

/// <summary>
/// Every <see cref="Interval"/>, gives the C library's free pages back to the system (<see cref="GlibcMalloc.Trim"/>),
/// so that what native code freed does not stay resident for the life of the service. Registered only where glibc's
/// <c>malloc_trim</c> exists.
/// </summary>
public sealed class NativeMemoryTrimService(TimeProvider time) : BackgroundService
{
    /// <summary>
    /// Often enough that a burst of native allocations (a gzip'd write on each of a dozen pool threads) is not resident
    /// for long; a trim walks malloc's free lists, tens of microseconds when there is little to give back.
    /// </summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    /// <summary>Trims done (tests).</summary>
    public long Trims => Interlocked.Read(ref _trims);

    private long _trims;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                GlibcMalloc.Trim();
                Interlocked.Increment(ref _trims);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
