using Gateway.Core;
using Gateway.Testing;

namespace Gateway.Buffer.Tests;

/// <summary>Fresh readings during a backlog drain, with the order per tag kept.</summary>
public sealed class LiveLaneTests : IDisposable
{
    private readonly string _directory = RepositoryPaths.NewTempDirectory("buffer-live");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task AFreshReadingOfATagWithoutBacklogOvertakesTheBacklogAndEveryTagStaysInOrder()
    {
        await using var buffer = TestReadings.Open(TestReadings.Options(_directory, segmentBytes: 256 * 1024), "influx");
        buffer.LiveLaneBacklog = 10_000;
        await buffer.AppendAsync(TestReadings.Range(0, 50_000)); // cnc-01, tag0..tag9

        var delivered = new List<Reading>();
        var first = await buffer.ReadBatchAsync("influx", 1000, CancellationToken.None);
        delivered.AddRange(first);
        await buffer.AcknowledgeAsync("influx", first.AcknowledgeUpTo);

        await buffer.AppendAsync([TestReadings.Make(900_000, "x", machine: "cnc-02"), TestReadings.Make(900_001, "tag1")]);
        var second = await buffer.ReadBatchAsync("influx", 1000, CancellationToken.None);
        delivered.AddRange(second);
        await buffer.AcknowledgeAsync("influx", second.AcknowledgeUpTo);

        Assert.Equal(1, second.LiveCount);
        Assert.Equal(900_000L, TestReadings.ValueOf(second[^1])); // the new machine's reading, in the second batch
        Assert.DoesNotContain(900_001L, second.Select(TestReadings.ValueOf)); // tag1 has a backlog: it waits its turn
        Assert.True(second.AcknowledgeUpTo < second[^1].Sequence); // the cursor stays at the backlog position

        delivered.AddRange(await TestReadings.DrainAsync(buffer, "influx", acknowledge: true));

        Assert.Equal(50_002, delivered.Count);
        Assert.Equal(50_002, delivered.Select(r => r.Sequence).Distinct().Count());
        Assert.Equal(900_001L, TestReadings.ValueOf(delivered[^1]));
        foreach (var series in delivered.GroupBy(r => (r.Machine, r.Tag)))
        {
            var sequences = series.Select(r => r.Sequence).ToList();
            Assert.Equal(sequences.Order(), sequences);
        }
    }

    [Fact]
    public async Task AfterTheLanesMergeTheCursorIsAtTheHeadAndARestartRedeliversNothing()
    {
        var options = TestReadings.Options(_directory, segmentBytes: 256 * 1024);
        await using (var buffer = TestReadings.Open(options, "influx"))
        {
            buffer.LiveLaneBacklog = 5_000;
            await buffer.AppendAsync(TestReadings.Range(0, 20_000));
            var drained = new List<Reading>();
            for (var i = 0; i < 5; i++)
            {
                var batch = await buffer.ReadBatchAsync("influx", 1000, CancellationToken.None);
                drained.AddRange(batch);
                await buffer.AcknowledgeAsync("influx", batch.AcknowledgeUpTo);
                await buffer.AppendAsync([TestReadings.Make(800_000 + i, "fresh", machine: "cnc-09")]);
            }

            drained.AddRange(await TestReadings.DrainAsync(buffer, "influx", acknowledge: true));
            Assert.Equal(20_005, drained.Count);
            Assert.Equal(20_005, buffer.GetStatistics().Sinks.Single().AcknowledgedSequence);
        }

        await using var reopened = TestReadings.Open(options, "influx");
        Assert.Empty(await TestReadings.DrainAsync(reopened, "influx"));
    }
}
