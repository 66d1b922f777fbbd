using Gateway.Testing;

namespace Gateway.Buffer.Tests;

/// <summary>
/// The commit loop sleeps until an appender or an acknowledgement wakes it (or maintenance is due) instead of ticking:
/// whatever arrives while it sleeps must still be committed, delivered and kept, and disposal must still end it.
/// The pauses below only give the loop time to fall asleep; no assertion depends on how long anything took.
/// </summary>
public sealed class CommitLoopWakeTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
    private readonly string _directory = RepositoryPaths.NewTempDirectory("buffer-wake");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ReadingsAppendedAfterTheLoopFellAsleepAreCommittedAndReadInOrder()
    {
        await using var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt");
        var read = new List<long>();
        for (var round = 0; round < 6; round++)
        {
            // Longer than the idle maintenance interval: the loop is in its longest sleep when the append comes.
            await Task.Delay(round % 2 == 0 ? 1200 : 20);
            var last = await buffer.AppendAsync(TestReadings.Range(round * 10, 10)).AsTask().WaitAsync(Generous);
            Assert.Equal(buffer.CommittedSequence, last);
            using var timeout = new CancellationTokenSource(Generous);
            var batch = await buffer.ReadBatchAsync("mqtt", 100, timeout.Token);
            read.AddRange(batch.Select(r => r.Sequence));
            await buffer.AcknowledgeAsync("mqtt", batch.AcknowledgeUpTo);
        }

        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), read);
    }

    [Fact]
    public async Task AnAcknowledgementWhileTheLoopSleepsStillDeletesTheDeliveredSegments()
    {
        await using var buffer = TestReadings.Open(TestReadings.Options(_directory, segmentBytes: 16 * 1024), "mqtt");
        await buffer.AppendAsync(TestReadings.Range(0, 5000));
        await buffer.AppendAsync(TestReadings.Range(5000, 10));
        var before = Directory.GetFiles(_directory, "*.seg").Length;
        var read = await TestReadings.DrainAsync(buffer, "mqtt");
        await Task.Delay(1200);

        await buffer.AcknowledgeAsync("mqtt", read[^1].Sequence);
        var deadline = DateTime.UtcNow + Generous;
        while (Directory.GetFiles(_directory, "*.seg").Length > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(before > 5, $"{before} segments");
        Assert.Single(Directory.GetFiles(_directory, "*.seg"));
    }

    [Fact]
    public async Task AcknowledgementsInQuickSuccessionWithNothingAfterThemStillGetTheirMaintenance()
    {
        // An acknowledgement does not wake the loop: the loop's own once-a-second maintenance must still find the last of
        // many acknowledgements, with no append or other wake-up after it, and delete the segments.
        await using var buffer = TestReadings.Open(TestReadings.Options(_directory, segmentBytes: 16 * 1024), "mqtt");
        await buffer.AppendAsync(TestReadings.Range(0, 5000));
        await buffer.AppendAsync(TestReadings.Range(5000, 10));
        var before = Directory.GetFiles(_directory, "*.seg").Length;
        using (var timeout = new CancellationTokenSource(Generous))
        {
            var acknowledged = 0L;
            while (acknowledged < buffer.CommittedSequence)
            {
                var batch = await buffer.ReadBatchAsync("mqtt", 97, timeout.Token);
                acknowledged = batch.AcknowledgeUpTo;
                await buffer.AcknowledgeAsync("mqtt", acknowledged);
            }
        }

        var deadline = DateTime.UtcNow + Generous;
        while (Directory.GetFiles(_directory, "*.seg").Length > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(before > 5, $"{before} segments");
        Assert.Single(Directory.GetFiles(_directory, "*.seg"));
    }

    [Fact]
    public async Task DisposingRightAfterAnAcknowledgementKeepsTheCursorAndEndsCleanly()
    {
        // The acknowledgement arms the maintenance timer; disposal must not wait for it, and its cursor must survive.
        var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt");
        await buffer.AppendAsync(TestReadings.Range(0, 30));
        using (var timeout = new CancellationTokenSource(Generous))
        {
            var batch = await buffer.ReadBatchAsync("mqtt", 10, timeout.Token);
            await buffer.AcknowledgeAsync("mqtt", batch.AcknowledgeUpTo);
        }

        await buffer.DisposeAsync().AsTask().WaitAsync(Generous);

        await using var reopened = TestReadings.Open(TestReadings.Options(_directory), "mqtt");
        var rest = await TestReadings.DrainAsync(reopened, "mqtt");
        Assert.Equal(Enumerable.Range(11, 20).Select(i => (long)i), rest.Select(r => r.Sequence));
    }

    [Fact]
    public async Task DisposingWhileTheLoopSleepsEndsItAndKeepsCursorAndReadings()
    {
        var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt");
        await buffer.AppendAsync(TestReadings.Range(0, 30));
        using (var timeout = new CancellationTokenSource(Generous))
        {
            var batch = await buffer.ReadBatchAsync("mqtt", 10, timeout.Token);
            await buffer.AcknowledgeAsync("mqtt", batch.AcknowledgeUpTo);
        }

        await Task.Delay(1200);
        await buffer.DisposeAsync().AsTask().WaitAsync(Generous);

        await using var reopened = TestReadings.Open(TestReadings.Options(_directory), "mqtt");
        var rest = await TestReadings.DrainAsync(reopened, "mqtt");
        Assert.Equal(Enumerable.Range(11, 20).Select(i => (long)i), rest.Select(r => r.Sequence));
    }
}
