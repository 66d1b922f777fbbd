using Gateway.Testing;

using Microsoft.Extensions.Logging;

namespace Gateway.Buffer.Tests;

/// <summary>Torn tails and flipped bits: skipped, counted, logged, and everything else still delivered.</summary>
public sealed class DamageTests : IDisposable
{
    private readonly string _directory = RepositoryPaths.NewTempDirectory("buffer-damage");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<string> WriteSegmentAsync(int count)
    {
        await using var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt");
        await buffer.AppendAsync(TestReadings.Range(0, count));
        return Directory.GetFiles(_directory, "*.seg").Single();
    }

    [Fact]
    public async Task ATornTailIsCutOffCountedAndTheRestDelivered()
    {
        var segment = await WriteSegmentAsync(1000);
        using (var file = File.OpenWrite(segment))
        {
            file.SetLength(file.Length - 7); // the last record loses its end, as in a power cut mid-write
        }

        var logger = new ListLogger();
        await using var buffer = StoreAndForwardBuffer.Open(TestReadings.Options(_directory), ["mqtt"], logger);
        var next = await buffer.AppendAsync([TestReadings.Make(5000)]);
        var read = await TestReadings.DrainAsync(buffer, "mqtt");

        Assert.Equal(Enumerable.Range(0, 999).Select(i => (long)i).Append(5000), read.Select(TestReadings.ValueOf));
        Assert.Equal(1000, next); // the torn record was never committed, so its number is free again
        Assert.Equal(1, buffer.Corrupt);
        Assert.Contains(logger.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("cut off", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARecordWithAFlippedBitIsSkippedCountedLoggedAndTheRestDelivered()
    {
        var segment = await WriteSegmentAsync(1000);
        var bytes = await File.ReadAllBytesAsync(segment);
        bytes[bytes.Length / 2] ^= 0x04;
        await File.WriteAllBytesAsync(segment, bytes);

        var logger = new ListLogger();
        await using var buffer = StoreAndForwardBuffer.Open(TestReadings.Options(_directory), ["mqtt", "influx"], logger);
        var mqtt = await TestReadings.DrainAsync(buffer, "mqtt");
        var influx = await TestReadings.DrainAsync(buffer, "influx");

        Assert.Equal(999, mqtt.Count);
        Assert.Equal(mqtt, influx);
        Assert.Equal(mqtt.Select(r => r.Sequence).Order(), mqtt.Select(r => r.Sequence));
        Assert.Equal(1, buffer.Corrupt); // seen by both sinks, counted once
        Assert.Single(logger.Lines, l => l.Message.Contains("damaged record skipped", StringComparison.Ordinal));
        Assert.Equal(1, BufferInspector.ReadStatistics(_directory).Corrupt);
        Assert.Equal(999, BufferInspector.Dump(_directory, "mqtt").Count());
    }

    [Fact]
    public async Task ZeroedBlocksInTheMiddleAreSkippedAndReadingResumesAfterThem()
    {
        var segment = await WriteSegmentAsync(2000);
        var bytes = await File.ReadAllBytesAsync(segment);
        Array.Clear(bytes, bytes.Length / 3, 4096); // a lost disk block
        await File.WriteAllBytesAsync(segment, bytes);

        await using var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt");
        var read = await TestReadings.DrainAsync(buffer, "mqtt");

        Assert.InRange(read.Count, 2000 - 120, 1999);
        Assert.Equal(1999L, TestReadings.ValueOf(read[^1]));
        Assert.Equal(1, buffer.Corrupt);
    }

    [Fact]
    public async Task ASegmentWithADamagedHeaderIsSetAsideAndTheOthersAreRead()
    {
        await using (var buffer = TestReadings.Open(TestReadings.Options(_directory, segmentBytes: 16 * 1024), "mqtt"))
        {
            await buffer.AppendAsync(TestReadings.Range(0, 2000));
        }

        var first = Directory.GetFiles(_directory, "*.seg").Order().First();
        var bytes = await File.ReadAllBytesAsync(first);
        bytes[3] ^= 0xFF;
        await File.WriteAllBytesAsync(first, bytes);

        await using var reopened = TestReadings.Open(TestReadings.Options(_directory, segmentBytes: 16 * 1024), "mqtt");
        var read = await TestReadings.DrainAsync(reopened, "mqtt");

        Assert.True(File.Exists(first + ".damaged"));
        Assert.InRange(read.Count, 1000, 1999);
        Assert.Equal(1999L, TestReadings.ValueOf(read[^1]));
        Assert.Equal(1, reopened.Corrupt);
    }
}
