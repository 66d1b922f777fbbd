using Gateway.Testing;

using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Buffer.Tests;

/// <summary>
/// Opening a buffer: segment deletion keeps everything some cursor has not acknowledged, also while the cursors are
/// still being opened. The commit loop's first maintenance once ran while <c>Open</c> was still adding the cursors: it
/// took the lowest acknowledged sequence of the cursors opened so far (a sink that had acknowledged everything) and
/// deleted the segments a cursor opened after it still needed (the kill -9 test lost a whole round of a sink's readings
/// that way).
/// </summary>
public sealed class OpenRaceTests : IDisposable
{
    private readonly string _directory = RepositoryPaths.NewTempDirectory("buffer-open-race");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task SegmentsACursorOpenedLastStillNeedsAreKeptByTheFirstMaintenance()
    {
        var options = TestReadings.Options(_directory, segmentBytes: 16 * 1024);
        long last;
        await using (var first = TestReadings.Open(options, "a", "b"))
        {
            last = await first.AppendAsync(TestReadings.Range(0, 5000));
            await first.AcknowledgeAsync("a", last);
        }

        Assert.True(Directory.GetFiles(_directory, "*.seg").Length > 2, "the readings should span several segments");

        // Sink b is no longer configured: its cursor is kept (it still holds b's readings) and is opened after a's.
        // The clock holds Open between the two until the commit loop has run its first maintenance, if the loop already
        // runs then (it must not: nothing is deleted before every cursor is open).
        var clock = new OpenHoldingClock(Environment.CurrentManagedThreadId);
        await using var reopened = StoreAndForwardBuffer.Open(options, ["a"], NullLogger.Instance, clock);
        Assert.Contains("b", reopened.CursorNames);

        var b = await TestReadings.DrainAsync(reopened, "b");
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => (long)i), b.Select(TestReadings.ValueOf));
        Assert.Equal(last, b[^1].Sequence);
    }

    /// <summary>
    /// The system clock, except that the opening thread's first reading of it (in <c>Open</c>, between the configured
    /// cursors and the kept ones) waits until another thread read it (the commit loop's bounds, right after its segment
    /// deletion) or a few seconds passed.
    /// </summary>
    private sealed class OpenHoldingClock(int openingThread) : TimeProvider
    {
        private readonly ManualResetEventSlim _loopReadTheClock = new();
        private int _heldOnce;

        public override DateTimeOffset GetUtcNow()
        {
            if (Environment.CurrentManagedThreadId != openingThread)
            {
                _loopReadTheClock.Set();
            }
            else if (Interlocked.Exchange(ref _heldOnce, 1) == 0)
            {
                _loopReadTheClock.Wait(TimeSpan.FromSeconds(3));
            }

            return System.GetUtcNow();
        }
    }
}
