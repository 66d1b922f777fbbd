using Gateway.Testing;

using Microsoft.Extensions.Logging;

namespace Gateway.Buffer.Tests;

/// <summary>The size and age bounds: drop the oldest (counted per sink, logged once) or refuse new readings.</summary>
public sealed class BoundsTests : IDisposable
{
    private readonly string _directory = RepositoryPaths.NewTempDirectory("buffer-bounds");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task WhenFullTheOldestAreDroppedCountedPerSinkAndLoggedOncePerEpisode()
    {
        var logger = new ListLogger();
        var options = TestReadings.Options(_directory, maxBytes: 256 * 1024, segmentBytes: 32 * 1024);
        await using var buffer = StoreAndForwardBuffer.Open(options, ["mqtt", "influx"], logger);
        for (var i = 0; i < 40; i++)
        {
            await buffer.AppendAsync(TestReadings.Range(i * 500, 500));
            await Task.Delay(20);
            if (i == 10)
            {
                // mqtt keeps up for a while; influx never reads
                await TestReadings.DrainAsync(buffer, "mqtt", acknowledge: true);
            }
        }

        // Dropped segments are deleted in the background: wait for it, however busy the machine.
        // The maintenance drops until the buffer is within its bound or only the active segment is left.
        await UntilAsync(() => buffer.BytesOnDisk <= options.MaxSizeBytes || Directory.GetFiles(_directory, "*.seg").Length <= 1);
        var stats = buffer.GetStatistics();
        var influxDelivered = (await TestReadings.DrainAsync(buffer, "influx")).Count;
        var influx = stats.Sinks.Single(s => s.Sink == "influx");
        var mqtt = stats.Sinks.Single(s => s.Sink == "mqtt");

        Assert.InRange(stats.BytesOnDisk, 1, (256 + 32 + 32 + 32) * 1024); // the bound, plus the active segment and one commit
        Assert.True(influx.Dropped > 10_000, $"influx dropped {influx.Dropped}");
        Assert.Equal(20_000, influx.Dropped + influxDelivered); // every reading is either delivered or counted as dropped
        Assert.True(mqtt.Dropped < influx.Dropped, $"mqtt dropped {mqtt.Dropped}: it had received more of them");
        Assert.Single(logger.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("dropping the oldest", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DropCountsSurviveARestartAndShowInTheOfflineStatistics()
    {
        var options = TestReadings.Options(_directory, maxBytes: 128 * 1024, segmentBytes: 16 * 1024);
        await using (var buffer = TestReadings.Open(options, "influx"))
        {
            for (var i = 0; i < 20; i++)
            {
                await buffer.AppendAsync(TestReadings.Range(i * 500, 500));
                await Task.Delay(10);
            }

            // Dropping runs in the background: closed before it is done, the reopened buffer would go on dropping and
            // count more than the file said when closed. Wait for it, however busy the machine.
            await UntilAsync(() => buffer.BytesOnDisk <= options.MaxSizeBytes || Directory.GetFiles(_directory, "*.seg").Length <= 1);
        }

        var offline = BufferInspector.ReadStatistics(_directory).Sinks.Single();
        await using var reopened = TestReadings.Open(options, "influx");

        Assert.True(offline.Dropped > 0);
        Assert.Equal(10_000, offline.Dropped + offline.Pending);
        var after = reopened.GetStatistics().Sinks.Single();
        Assert.Equal(offline.Dropped, after.Dropped);
        Assert.Equal(10_000, after.Dropped + after.Pending);
    }

    [Fact]
    public async Task RefuseNewFailsAppendsWithAClearErrorUntilASinkCatchesUp()
    {
        var options = TestReadings.Options(_directory, maxBytes: 128 * 1024, segmentBytes: 16 * 1024) with { WhenFull = BufferOverflowPolicy.RefuseNew };
        await using var buffer = TestReadings.Open(options, "mqtt");
        BufferFullException? refused = null;
        var appended = 0;
        for (var i = 0; i < 100 && refused is null; i++)
        {
            try
            {
                await buffer.AppendAsync(TestReadings.Range(i * 500, 500));
                appended += 500;
            }
            catch (BufferFullException e)
            {
                refused = e;
            }
        }

        Assert.NotNull(refused);
        Assert.Contains("refuseNew", refused.Message);
        Assert.Contains("buffer.maxSizeMb", refused.Message);

        var delivered = await TestReadings.DrainAsync(buffer, "mqtt", acknowledge: true);
        Assert.Equal(appended, delivered.Count); // nothing was dropped
        await UntilAsync(() => buffer.BytesOnDisk < options.MaxSizeBytes); // delivered segments are deleted in the background
        await buffer.AppendAsync(TestReadings.Range(1_000_000, 10));
        Assert.Equal(0, buffer.GetStatistics().Sinks.Single().Dropped);
    }

    [Fact]
    public async Task ThePipelineWriterWaitsWhileFullAndRefusingNew()
    {
        var options = TestReadings.Options(_directory, maxBytes: 64 * 1024, segmentBytes: 8 * 1024) with { WhenFull = BufferOverflowPolicy.RefuseNew };
        await using var buffer = TestReadings.Open(options, "mqtt");
        for (var i = 0; buffer.BytesOnDisk < options.MaxSizeBytes; i++)
        {
            await buffer.AppendAsync(TestReadings.Range(i * 200, 200));
        }

        var write = buffer.WriteAsync(TestReadings.Range(999_000, 10), CancellationToken.None).AsTask();
        await Task.Delay(300);
        Assert.False(write.IsCompleted);

        var delivered = await TestReadings.DrainAsync(buffer, "mqtt", acknowledge: true);
        await write.WaitAsync(TimeSpan.FromSeconds(10));
        delivered.AddRange(await TestReadings.DrainAsync(buffer, "mqtt"));
        Assert.Contains(999_000L, delivered.Select(TestReadings.ValueOf));
    }

    [Fact]
    public async Task AWaitingPipelineWriterMakesTheBufferNotReadyAndWhatItGivesUpIsCountedAsRefused()
    {
        var options = TestReadings.Options(_directory, maxBytes: 64 * 1024, segmentBytes: 8 * 1024) with { WhenFull = BufferOverflowPolicy.RefuseNew };
        await using var buffer = TestReadings.Open(options, "mqtt");
        for (var i = 0; buffer.BytesOnDisk < options.MaxSizeBytes; i++)
        {
            await buffer.AppendAsync(TestReadings.Range(i * 200, 200));
        }

        Assert.Null(buffer.IngestProblem);
        using var stop = new CancellationTokenSource();
        var write = buffer.WriteAsync(TestReadings.Range(999_000, 10), stop.Token).AsTask();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (buffer.IngestProblem is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Contains("refuseNew: sources wait", buffer.IngestProblem, StringComparison.Ordinal);
        Assert.Equal(0, buffer.RefusedTotal); // waiting is not refusing

        // Shutdown gives up the wait: those readings were never stored, and are counted.
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write);
        Assert.Equal(10, buffer.Refused[BufferRefusal.BufferFull]);
        Assert.Null(buffer.IngestProblem);
    }

    [Fact]
    public async Task ReadingsOlderThanTheMaximumAgeAreDropped()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var options = TestReadings.Options(_directory, segmentBytes: 16 * 1024) with { MaxAge = TimeSpan.FromHours(2) };
        await using var buffer = StoreAndForwardBuffer.Open(options, ["mqtt"], new ListLogger(), clock);
        await buffer.AppendAsync(TestReadings.Range(0, 2000));

        clock.Advance(TimeSpan.FromHours(3));
        await buffer.AppendAsync(TestReadings.Range(2000, 10)); // rolls the old segment out
        // Until the drops are over (every sealed segment is old: only the active one stays), or the drain reads readings
        // of a segment dropped after it, and they count twice.
        await UntilAsync(() => buffer.GetStatistics().Sinks.Single().Dropped >= 1500 && Directory.GetFiles(_directory, "*.seg").Length <= 1);
        var read = await TestReadings.DrainAsync(buffer, "mqtt");
        var dropped = buffer.GetStatistics().Sinks.Single().Dropped;

        // The bound works per segment: the old readings that share the active segment with new ones stay.
        Assert.InRange(dropped, 1500, 2000);
        Assert.Equal(2010, dropped + read.Count);
        Assert.Equal(Enumerable.Range((int)dropped, read.Count).Select(i => (long)i), read.Select(TestReadings.ValueOf));
    }

    // Waits for what a background step will do (at most 30 s), never for a fixed time: the assertion that follows says
    // what must hold, and a slow machine only makes the wait longer.
    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }
}
