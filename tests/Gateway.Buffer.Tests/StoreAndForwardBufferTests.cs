using Gateway.Core;
using Gateway.Testing;

using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Buffer.Tests;

public sealed class StoreAndForwardBufferTests : IDisposable
{
    private readonly string _directory = RepositoryPaths.NewTempDirectory("buffer");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task AppendedReadingsComeBackInOrderWithSequenceNumbersAndAllFields()
    {
        await using var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt");
        var readings = TestReadings.Range(0, 1000);

        var last = await buffer.AppendAsync(readings);
        var read = await TestReadings.DrainAsync(buffer, "mqtt");

        Assert.Equal(1000, last);
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), read.Select(r => r.Sequence));
        Assert.Equal(readings.Select((r, i) => r with { Sequence = i + 1 }), read);
    }

    [Fact]
    public async Task ConcurrentAppendersShareCommitsAndEveryReadingGetsAUniqueSequence()
    {
        await using var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt");

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await buffer.AppendAsync(TestReadings.Range((w * 1000) + (i * 10), 10));
            }
        })));
        var read = await TestReadings.DrainAsync(buffer, "mqtt");

        Assert.Equal(4000, read.Count);
        Assert.Equal(4000, read.Select(r => r.Sequence).Distinct().Count());
        Assert.Equal(4000, read.Select(TestReadings.ValueOf).Distinct().Count());
        Assert.Equal(read.Select(r => r.Sequence).Order(), read.Select(r => r.Sequence));
    }

    [Fact]
    public async Task RestartResumesEachSinkFromItsOwnCursorAndSequencesKeepRising()
    {
        await using (var buffer = TestReadings.Open(TestReadings.Options(_directory, segmentBytes: 64 * 1024), "mqtt", "influx"))
        {
            await buffer.AppendAsync(TestReadings.Range(0, 3000));
            await buffer.AcknowledgeAsync("mqtt", 2500);
            await buffer.AcknowledgeAsync("influx", 1000);
        }

        await using (var buffer = TestReadings.Open(TestReadings.Options(_directory, segmentBytes: 64 * 1024), "mqtt", "influx"))
        {
            var next = await buffer.AppendAsync(TestReadings.Range(3000, 10));
            var mqtt = await TestReadings.DrainAsync(buffer, "mqtt");
            var influx = await TestReadings.DrainAsync(buffer, "influx");

            Assert.Equal(3010, next);
            Assert.Equal(Enumerable.Range(2501, 510).Select(i => (long)i), mqtt.Select(r => r.Sequence));
            Assert.Equal(Enumerable.Range(1001, 2010).Select(i => (long)i), influx.Select(r => r.Sequence));
            Assert.Equal(2500L, mqtt.Select(TestReadings.ValueOf).First());
        }
    }

    [Fact]
    public async Task ANewSinkStartsAtTheOldestBufferedReading()
    {
        await using (var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt"))
        {
            await buffer.AppendAsync(TestReadings.Range(0, 100));
        }

        await using (var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt", "influx"))
        {
            var influx = await TestReadings.DrainAsync(buffer, "influx");

            Assert.Equal(100, influx.Count);
            Assert.Equal(1, influx[0].Sequence);
        }
    }

    [Fact]
    public async Task ASegmentIsDeletedOnlyWhenEverySinkHasPassedIt()
    {
        await using var buffer = TestReadings.Open(TestReadings.Options(_directory, segmentBytes: 16 * 1024), "mqtt", "influx");
        await buffer.AppendAsync(TestReadings.Range(0, 5000));
        await buffer.AppendAsync(TestReadings.Range(5000, 10)); // starts a fresh segment after the full ones
        var segmentsBefore = Directory.GetFiles(_directory, "*.seg").Length;

        await TestReadings.DrainAsync(buffer, "mqtt", acknowledge: true);
        await Task.Delay(400);
        var afterOneSink = Directory.GetFiles(_directory, "*.seg").Length;
        await TestReadings.DrainAsync(buffer, "influx", acknowledge: true);
        // Deletion happens in the background: wait for it (a busy machine may take its time), never for a fixed time.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Directory.GetFiles(_directory, "*.seg").Length > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var afterBoth = Directory.GetFiles(_directory, "*.seg").Length;

        Assert.True(segmentsBefore > 5, $"{segmentsBefore} segments");
        Assert.Equal(segmentsBefore, afterOneSink);
        Assert.Equal(1, afterBoth); // the active segment stays
    }

    [Fact]
    public async Task ReadBatchWaitsForNewDataWithoutReturningEmpty()
    {
        await using var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt");
        var read = buffer.ReadBatchAsync("mqtt", 100, CancellationToken.None).AsTask();
        await Task.Delay(200);
        Assert.False(read.IsCompleted);

        await buffer.AppendAsync([TestReadings.Make(1)]);
        var batch = await read.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Single(batch);
    }

    [Fact]
    public async Task TheCursorOfARemovedSinkIsKeptThenRemovedOnRequest()
    {
        await using (var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt", "old-influx"))
        {
            await buffer.AppendAsync(TestReadings.Range(0, 10));
        }

        await using (var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt"))
        {
            Assert.Contains("old-influx", buffer.CursorNames);
            Assert.False(buffer.GetStatistics().Sinks.Single(s => s.Sink == "old-influx").Configured);

            Assert.True(buffer.RemoveCursor("old-influx"));
            Assert.DoesNotContain("old-influx", buffer.CursorNames);
        }

        Assert.False(File.Exists(Path.Combine(_directory, "cursors", "old-influx.cursor")));
    }

    [Fact]
    public async Task AnOrphanCursorIsRemovedAfterTheRetention()
    {
        await using (var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt", "old-influx"))
        {
            await buffer.AppendAsync(TestReadings.Range(0, 10));
        }

        var clock = new ManualClock(DateTimeOffset.UtcNow.AddDays(2));
        await using var reopened = StoreAndForwardBuffer.Open(TestReadings.Options(_directory), ["mqtt"], NullLogger.Instance, clock);

        Assert.Equal(["mqtt"], reopened.CursorNames);
    }

    [Fact]
    public async Task AnUnknownSinkGetsAClearError()
    {
        await using var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt");

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await buffer.ReadBatchAsync("influx", 10, CancellationToken.None));

        Assert.Contains("'influx'", error.Message);
        Assert.Contains("mqtt", error.Message);
    }

    [Fact]
    public async Task ABadReadingIsRejectedAndTheRestOfTheBatchIsStored()
    {
        await using var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt");
        var bad = TestReadings.Make(2) with { Tag = null! };

        await buffer.AppendAsync([TestReadings.Make(1), bad, TestReadings.Make(3)]);
        var read = await TestReadings.DrainAsync(buffer, "mqtt");

        Assert.Equal([1L, 3L], read.Select(TestReadings.ValueOf));
        Assert.Equal(1, buffer.RejectedReadings);
    }

    [Fact]
    public async Task TheBufferIsAReadingWriterForThePipeline()
    {
        await using var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt");
        IReadingWriter writer = buffer;

        await writer.WriteAsync(TestReadings.Range(0, 5), CancellationToken.None);

        Assert.Equal(5, buffer.CommittedSequence);
    }

    [Fact]
    public async Task StatisticsShowPendingPerSinkAndTheOldestPendingAge()
    {
        var clock = new ManualClock(new DateTimeOffset(TestReadings.Epoch.AddMinutes(10)));
        await using (var buffer = StoreAndForwardBuffer.Open(TestReadings.Options(_directory), ["mqtt", "influx"], NullLogger.Instance, clock))
        {
            await buffer.AppendAsync(TestReadings.Range(0, 100));
            await buffer.AcknowledgeAsync("mqtt", 60);

            var stats = buffer.GetStatistics();
            var mqtt = stats.Sinks.Single(s => s.Sink == "mqtt");
            var influx = stats.Sinks.Single(s => s.Sink == "influx");
            Assert.Equal(100, stats.TotalAppended);
            Assert.Equal(40, mqtt.Pending);
            Assert.Equal(100, influx.Pending);
            Assert.Equal(TestReadings.Epoch.AddMilliseconds(60 + 3), mqtt.OldestPendingTimestamp);
            Assert.Equal(TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(3), influx.OldestPendingAge);
            Assert.True(stats.BytesOnDisk > 100 * 30);
        }

        // The same, read-only, with the service stopped.
        var offline = BufferInspector.ReadStatistics(_directory, clock);
        Assert.Equal(40, offline.Sinks.Single(s => s.Sink == "mqtt").Pending);
        Assert.Equal(100, offline.Sinks.Single(s => s.Sink == "influx").Pending);
        Assert.Equal(100, offline.LastSequence);
        Assert.Equal(0, offline.Corrupt);
    }

    [Fact]
    public async Task DumpWritesOneJsonObjectPerPendingReading()
    {
        await using (var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt"))
        {
            await buffer.AppendAsync(TestReadings.Range(0, 20));
            await buffer.AcknowledgeAsync("mqtt", 18);
        }

        using var output = new StringWriter();
        var count = BufferInspector.WriteJsonLines(_directory, "mqtt", output);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(2, count);
        using var json = System.Text.Json.JsonDocument.Parse(lines[0]);
        Assert.Equal(19, json.RootElement.GetProperty("sequence").GetInt64());
        Assert.Equal(18, json.RootElement.GetProperty("value").GetInt64());
        Assert.Equal("changwon", json.RootElement.GetProperty("labels").GetProperty("site").GetString());
        Assert.Equal("good", json.RootElement.GetProperty("quality").GetString());
    }

    [Fact]
    public async Task DumpWorksBesideARunningBuffer()
    {
        await using var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt");
        await buffer.AppendAsync(TestReadings.Range(0, 50));

        var dumped = BufferInspector.Dump(_directory, "mqtt").ToList();

        Assert.Equal(50, dumped.Count);
    }
}
