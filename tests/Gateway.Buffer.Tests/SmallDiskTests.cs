using Gateway.Core;
using Gateway.Testing;
using Microsoft.Extensions.Logging;

namespace Gateway.Buffer.Tests;

/// <summary>
/// The buffer on a real 5 MiB tmpfs (mounted by the test as root), with the default bound of 2 GiB: the disk, not
/// the bound, is what runs out. Filled by the buffer itself, and filled by another program.
/// </summary>
public sealed class SmallDiskTests : IAsyncLifetime
{
    private TmpfsMount _disk = null!;

    public async Task InitializeAsync() => _disk = await TmpfsMount.MountAsync("buffer-small-disk", "5m");

    // The buffers are closed by then, so a busy mount is a leaked file handle: that fails the test.
    public async Task DisposeAsync() => await _disk.DisposeAsync();

    private BufferOptions Defaults(BufferOverflowPolicy policy = BufferOverflowPolicy.DropOldest) => new()
    {
        Directory = Path.Combine(_disk.Path, "buffer"),
        CommitInterval = TimeSpan.FromMilliseconds(2),
        WhenFull = policy,
    };

    [Fact]
    public async Task With_the_default_bound_a_disk_far_smaller_than_it_drops_the_oldest_and_never_refuses()
    {
        await using var buffer = TestReadings.Open(Defaults(), "mqtt");
        const int Total = 200_000; // ~10 MB of records on a 5 MiB disk
        for (var i = 0; i < Total; i += 1000)
        {
            await buffer.AppendAsync(TestReadings.Range(i, 1000));
        }

        var delivered = await TestReadings.DrainAsync(buffer, "mqtt");
        var statistics = buffer.GetStatistics();

        Assert.Null(buffer.Fault);
        Assert.Equal(0, buffer.RefusedTotal);
        Assert.Null(buffer.IngestProblem);
        Assert.True(statistics.Segments > 2, $"{statistics.Segments} segments: one segment must be a small part of the disk");
        var dropped = statistics.Sinks.Single().Dropped;
        Assert.True(dropped > 0, "the disk cannot hold 200,000 readings, so the oldest were dropped");
        Assert.Equal(Total, dropped + delivered.Count);
        Assert.Equal((long)Total - 1, TestReadings.ValueOf(delivered[^1])); // the newest are kept
        Assert.Equal(Enumerable.Range(Total - delivered.Count, delivered.Count).Select(v => (long)v), delivered.Select(TestReadings.ValueOf));
    }

    [Fact]
    public async Task A_disk_filled_by_another_program_refuses_and_counts_then_takes_readings_again_once_space_is_freed()
    {
        var options = Defaults();
        var accepted = new List<long>();
        var refusedReadings = 0L;
        string? problemWhileRefusing = null;
        string filler;
        await using (var buffer = TestReadings.Open(options, "mqtt"))
        {
            await AppendAsync(buffer, 0, 1000, accepted);
            filler = _disk.Fill();

            // While the disk stays full: each append either is refused (counted, not stored) or, with dropOldest, is
            // stored after the buffer dropped its own oldest segment; never a write error that stops ingest.
            var next = 1000L;
            for (var attempt = 0; attempt < 30; attempt++, next += 1000)
            {
                try
                {
                    await buffer.AppendAsync(TestReadings.Range(next, 1000));
                    accepted.AddRange(Enumerable.Range(0, 1000).Select(i => next + i));
                }
                catch (BufferFullException e)
                {
                    Assert.Equal(BufferRefusal.DiskFull, e.Reason);
                    refusedReadings += 1000;
                    problemWhileRefusing ??= buffer.IngestProblem;
                }
            }

            Assert.True(refusedReadings > 0, "a full disk with the buffer's own data dropped refuses readings");
            Assert.Null(buffer.Fault);
            Assert.Equal(refusedReadings, buffer.Refused[BufferRefusal.DiskFull]);
            Assert.Contains("disk", problemWhileRefusing, StringComparison.Ordinal);
            Assert.Contains("full", problemWhileRefusing, StringComparison.Ordinal);

            // Space is freed: the buffer says so by itself (no append needed) and takes readings again.
            File.Delete(filler);
            await WaitUntilAsync(() => buffer.IngestProblem is null, "the buffer sees the freed space");
            var resumedAt = accepted.Count;
            for (var i = 0; i < 20; i++, next += 1000)
            {
                await AppendAsync(buffer, next, 1000, accepted);
            }

            var delivered = (await TestReadings.DrainAsync(buffer, "mqtt")).Select(TestReadings.ValueOf).ToList();
            var dropped = buffer.GetStatistics().Sinks.Single().Dropped;

            // Every reading accepted after the space came back is delivered, in order; no refused reading ever is;
            // what was accepted and not delivered is exactly what the drop counter counts.
            Assert.Equal(accepted.Skip(resumedAt), delivered.Skip(delivered.Count - (accepted.Count - resumedAt)));
            Assert.Empty(delivered.Except(accepted));
            Assert.Equal(accepted.Count, delivered.Count + dropped);
            Assert.Equal(refusedReadings, buffer.Refused[BufferRefusal.DiskFull]);
        }

        // Nothing on disk was damaged by the refused writes: a restart finds every stored reading and no corrupt record.
        await using (var reopened = TestReadings.Open(options, "mqtt"))
        {
            var delivered = (await TestReadings.DrainAsync(reopened, "mqtt")).Select(TestReadings.ValueOf).ToList();
            Assert.Equal(0, reopened.Corrupt);
            Assert.Equal(accepted.Count - reopened.GetStatistics().Sinks.Single().Dropped, delivered.Count);
            Assert.Empty(delivered.Except(accepted));
        }
    }

    [Fact]
    public async Task A_commit_that_rolls_segments_and_then_hits_a_full_disk_stores_none_of_its_readings()
    {
        // refuseNew drops nothing, so what was accepted is exactly what a sink gets. Batches of 5,000 readings
        // (~250 KB) roll 64 KiB segments several times within one commit, so ENOSPC comes after a roll.
        var options = Defaults(BufferOverflowPolicy.RefuseNew) with { SegmentSizeBytes = 64 * 1024 };
        var accepted = new List<long>();
        var refused = 0L;
        var log = new ListLogger();
        await using (var buffer = StoreAndForwardBuffer.Open(options, ["mqtt"], log))
        {
            var next = 0L;
            for (; refused == 0 && next < 1_000_000; next += 5000)
            {
                try
                {
                    await AppendAsync(buffer, next, 5000, accepted);
                }
                catch (BufferFullException e)
                {
                    Assert.Equal(BufferRefusal.DiskFull, e.Reason);
                    refused += 5000;
                }
            }

            Assert.True(refused > 0, "5 MiB hold fewer than a million readings");
            for (var i = 0; i < 5; i++, next += 5000)
            {
                await Assert.ThrowsAsync<BufferFullException>(async () => await buffer.AppendAsync(TestReadings.Range(next, 5000)));
                refused += 5000;
            }

            Assert.Null(buffer.Fault);
            Assert.Equal(refused, buffer.Refused[BufferRefusal.DiskFull]);
            var deliveredReadings = await TestReadings.DrainAsync(buffer, "mqtt", acknowledge: true);
            Assert.Equal(accepted, deliveredReadings.Select(TestReadings.ValueOf));

            // Delivered segments are deleted, which frees the disk: ingest resumes without a restart.
            await WaitUntilAsync(() => _disk.FreeBytes > 1024 * 1024, "delivered segments are deleted");
            var resumedAt = accepted.Count;
            await AppendAsync(buffer, 2_000_000, 5000, accepted);
            var afterReadings = await TestReadings.DrainAsync(buffer, "mqtt");
            Assert.Equal(accepted.Skip(resumedAt), afterReadings.Select(TestReadings.ValueOf));

            // Refused readings give their sequence numbers back: what is stored is numbered 1, 2, 3, ... without gaps.
            Assert.Equal(Enumerable.Range(1, accepted.Count).Select(i => (long)i), deliveredReadings.Concat(afterReadings).Select(r => r.Sequence));
            Assert.Equal(accepted.Count, buffer.GetStatistics().TotalAppended);

            // One episode, said once when it started and once when it ended, with the count.
            Assert.Single(log.Lines, l => l.Level == LogLevel.Critical && l.Message.Contains("is full and nothing can be dropped", StringComparison.Ordinal));
            Assert.Single(log.Lines, l => l.Message.Contains($"{refused} readings were refused because the disk was full", StringComparison.Ordinal));
        }

        await using var reopened = TestReadings.Open(options, "mqtt");
        Assert.Equal(0, reopened.Corrupt);
        Assert.Equal(accepted.TakeLast(5000), (await TestReadings.DrainAsync(reopened, "mqtt")).Select(TestReadings.ValueOf));
    }

    private static async Task AppendAsync(StoreAndForwardBuffer buffer, long from, int count, List<long> accepted)
    {
        await buffer.AppendAsync(TestReadings.Range(from, count));
        accepted.AddRange(Enumerable.Range(0, count).Select(i => from + i));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(50);
        }
    }
}
