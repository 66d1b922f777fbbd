namespace Gateway.Buffer.Tests;

/// <summary>The oldest pending reading in the statistics, as the cursor moves through many segments.</summary>
public sealed class OldestPendingTests : IDisposable
{
    private readonly string _directory = Gateway.Testing.RepositoryPaths.NewTempDirectory("buffer-oldest");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task OldestPending_IsTheReadingAfterTheCursor_AcrossSegments()
    {
        var options = TestReadings.Options(_directory, segmentBytes: 16 * 1024);
        await using var buffer = TestReadings.Open(options, "influx");
        for (var i = 0; i < 10; i++)
        {
            await buffer.AppendAsync(TestReadings.Range(i * 1000, 1000));
        }

        await WaitForCommitAsync(buffer, 10_000);
        Assert.True(Directory.GetFiles(_directory, "*.seg").Length > 5, "the readings should span several segments");

        // Sequence s holds the reading with value s - 1 (gateway timestamp Epoch + value + 3 ms): after the cursor k comes value k.
        // Asked twice at one cursor, at neighbours, and with jumps over whole segments.
        foreach (var acknowledged in new long[] { 0, 1, 2500, 2500, 2501, 7000, 9999 })
        {
            await buffer.AcknowledgeAsync("influx", acknowledged);
            var influx = buffer.GetStatistics().Sinks.Single();
            Assert.Equal(10_000 - acknowledged, influx.Pending);
            Assert.Equal(TestReadings.Epoch.AddMilliseconds(acknowledged + 3), influx.OldestPendingTimestamp);
        }

        await buffer.AcknowledgeAsync("influx", 10_000);
        Assert.Null(buffer.GetStatistics().Sinks.Single().OldestPendingTimestamp);

        // New readings after everything was delivered: found in the active segment, where the probe kept its place.
        await buffer.AppendAsync(TestReadings.Range(50_000, 10));
        await WaitForCommitAsync(buffer, 10_010);
        Assert.Equal(TestReadings.Epoch.AddMilliseconds(50_000 + 3), buffer.GetStatistics().Sinks.Single().OldestPendingTimestamp);
    }

    private static async Task WaitForCommitAsync(StoreAndForwardBuffer buffer, long sequence)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (buffer.CommittedSequence < sequence && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        Assert.Equal(sequence, buffer.CommittedSequence);
    }
}
