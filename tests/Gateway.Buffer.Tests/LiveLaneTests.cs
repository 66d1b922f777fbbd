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

    [Fact]
    public async Task WithReplayAFreshReadingOfATagWithABacklogOvertakesItAndEachStreamStaysInOrder()
    {
        await using var buffer = TestReadings.Open(TestReadings.Options(_directory, segmentBytes: 256 * 1024), "mqtt");
        buffer.LiveLaneBacklog = 10_000;
        buffer.ReplayBacklog("mqtt", replay: true);
        await buffer.AppendAsync(TestReadings.Range(0, 50_000)); // cnc-01, tag0..tag9: every tag has a backlog

        var replayed = new List<Reading>();
        var fresh = new List<Reading>();
        var arrivals = new List<(Reading Reading, bool Replayed)>();
        void Split(ReadingBatch batch)
        {
            replayed.AddRange(batch.Take(batch.ReplayedCount));
            fresh.AddRange(batch.Skip(batch.ReplayedCount));
            arrivals.AddRange(batch.Select((r, i) => (r, i < batch.ReplayedCount)));
        }

        var first = await buffer.ReadBatchAsync("mqtt", 1000, CancellationToken.None);
        Split(first);
        await buffer.AcknowledgeAsync("mqtt", first.AcknowledgeUpTo);

        await buffer.AppendAsync([TestReadings.Make(900_001, "tag1")]);
        var second = await buffer.ReadBatchAsync("mqtt", 1000, CancellationToken.None);
        Split(second);
        await buffer.AcknowledgeAsync("mqtt", second.AcknowledgeUpTo);

        // tag1's fresh reading is in the second batch although tag1 still has most of its backlog to go.
        Assert.Equal(1, second.LiveCount);
        Assert.Equal(second.Count - 1, second.ReplayedCount);
        Assert.Equal(900_001L, TestReadings.ValueOf(second[^1]));
        Assert.True(second.AcknowledgeUpTo < 5_000); // the backlog is far from drained

        while (true)
        {
            var batch = await buffer.ReadBatchAsync("mqtt", 1000, CancellationToken.None);
            if (batch.Count == 0)
            {
                break;
            }

            Split(batch);
            await buffer.AcknowledgeAsync("mqtt", batch.AcknowledgeUpTo);
            if (buffer.GetStatistics().Sinks.Single().Pending == 0)
            {
                break;
            }
        }

        // Nothing lost or doubled across the two streams; each stream in sequence order (so per tag in order).
        var all = replayed.Concat(fresh).Select(r => r.Sequence).ToList();
        Assert.Equal(50_001, all.Count);
        Assert.Equal(50_001, all.Distinct().Count());
        Assert.Equal(replayed.Select(r => r.Sequence).Order(), replayed.Select(r => r.Sequence));
        Assert.Equal(fresh.Select(r => r.Sequence).Order(), fresh.Select(r => r.Sequence));
        Assert.Contains(900_001L, fresh.Select(TestReadings.ValueOf));
        Assert.DoesNotContain(900_001L, replayed.Select(TestReadings.ValueOf));

        // Most of tag1's backlog arrived after its fresh reading, all of it on the replay stream and older than it.
        var freshAt = arrivals.FindIndex(a => TestReadings.ValueOf(a.Reading) == 900_001L);
        var tag1After = arrivals.Skip(freshAt + 1).Where(a => a.Reading.Tag == "tag1").ToList();
        Assert.True(tag1After.Count > 4_000, $"{tag1After.Count} readings of tag1 after its fresh one");
        Assert.All(tag1After, a => Assert.True(a.Replayed && a.Reading.Sequence < arrivals[freshAt].Reading.Sequence));
    }

    [Fact]
    public async Task WithoutReplayNoBatchIsMarkedReplayed()
    {
        await using var buffer = TestReadings.Open(TestReadings.Options(_directory, segmentBytes: 256 * 1024), "influx");
        buffer.LiveLaneBacklog = 10_000;
        await buffer.AppendAsync(TestReadings.Range(0, 30_000));
        var first = await buffer.ReadBatchAsync("influx", 1000, CancellationToken.None);
        await buffer.AppendAsync([TestReadings.Make(900_000, "x", machine: "cnc-02")]);
        var second = await buffer.ReadBatchAsync("influx", 1000, CancellationToken.None);
        Assert.Equal(0, first.ReplayedCount);
        Assert.Equal(1, second.LiveCount);
        Assert.Equal(0, second.ReplayedCount);
    }

    [Fact]
    public async Task WithReplayALiveLaneThatFellABacklogBehindStartsAgainAtTheHeadAndNothingIsLostOrDoubled()
    {
        await using var buffer = TestReadings.Open(TestReadings.Options(_directory, segmentBytes: 256 * 1024), "mqtt");
        buffer.LiveLaneBacklog = 10_000;
        buffer.ReplayBacklog("mqtt", replay: true);
        await buffer.AppendAsync(TestReadings.Range(0, 30_000));

        var arrivals = new List<(Reading Reading, bool Replayed)>();
        async Task ReadOneAsync()
        {
            var batch = await buffer.ReadBatchAsync("mqtt", 1000, CancellationToken.None);
            arrivals.AddRange(batch.Select((r, i) => (r, i < batch.ReplayedCount)));
            await buffer.AcknowledgeAsync("mqtt", batch.AcknowledgeUpTo);
        }

        await ReadOneAsync(); // the lane opens at the head (after 30,000)
        await buffer.AppendAsync(TestReadings.Range(100_000, 25_000)); // an outage: the lane is now a backlog behind
        await ReadOneAsync(); // it starts again at the head
        await buffer.AppendAsync([TestReadings.Make(900_001, "tag1")]);
        await ReadOneAsync();

        // The fresh reading comes at once, not after the 25,000 the first lane had not reached.
        Assert.Contains(arrivals, a => TestReadings.ValueOf(a.Reading) == 900_001L && !a.Replayed);
        Assert.True(arrivals.Count < 4_000);

        while (buffer.GetStatistics().Sinks.Single().Pending > 0)
        {
            await ReadOneAsync();
        }

        var sequences = arrivals.Select(a => a.Reading.Sequence).ToList();
        Assert.Equal(55_001, sequences.Count);
        Assert.Equal(55_001, sequences.Distinct().Count());
        var replayed = arrivals.Where(a => a.Replayed).Select(a => a.Reading.Sequence).ToList();
        var fresh = arrivals.Where(a => !a.Replayed).Select(a => a.Reading.Sequence).ToList();
        Assert.Equal(replayed.Order(), replayed);
        Assert.Equal(fresh.Order(), fresh);
    }
}
