using Gateway.Core;
using Gateway.Host.WebConsole;

namespace Gateway.Host.Tests.WebConsole;

/// <summary>
/// The console's latest reading and trend per tag (<see cref="LatestReadings"/>): every tag of every machine of a batch,
/// the last value of each, the batch passed on unchanged; no server.
/// </summary>
public sealed class LatestReadingsTests
{
    private static readonly DateTime Start = new(2026, 12, 7, 0, 0, 0, DateTimeKind.Utc);

    private sealed class Forwarded : IReadingWriter
    {
        public int Count { get; private set; }

        public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
        {
            Count += readings.Count;
            return ValueTask.CompletedTask;
        }
    }

    private static Reading At(double seconds, double value) => new()
    {
        Source = "plc",
        Machine = "cnc-01",
        Tag = "speed",
        Value = ReadingValue.FromDouble(value),
        Quality = Quality.Good,
        Timestamp = Start.AddSeconds(seconds),
    };

    [Fact]
    public async Task The_trend_keeps_one_point_per_step_oldest_first_and_the_last_ten_minutes_once_it_has_more()
    {
        var next = new Forwarded();
        var latest = new LatestReadings(next);

        // One point per 5 s step; the readings in between pass on but add no point.
        for (var i = 0; i < 20; i++)
        {
            await latest.WriteAsync([At(i * 2.5, i)], CancellationToken.None);
        }

        var tag = latest.Of("cnc-01")!["speed"];
        Assert.Equal(20, next.Count);
        Assert.Equal(19.0, tag.Latest!.Value.TryGetNumber());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (Start.AddSeconds(i * 5), (double)(i * 2))), tag.Trend());

        // 130 steps in all: the oldest go, TrendPoints stay, in order.
        for (var i = 10; i < 130; i++)
        {
            await latest.WriteAsync([At(i * 5, i * 2)], CancellationToken.None);
        }

        var trend = tag.Trend();
        Assert.Equal(LatestReadings.TrendPoints, trend.Count);
        Assert.Equal(Enumerable.Range(10, LatestReadings.TrendPoints).Select(i => (Start.AddSeconds(i * 5), (double)(i * 2))), trend);
    }

    private sealed class Passed : IReadingWriter
    {
        public IReadOnlyList<Reading>? Batch { get; private set; }

        public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
        {
            Batch = readings;
            return ValueTask.CompletedTask;
        }
    }

    private static Reading Of(string machine, string tag, double value) => new()
    {
        Source = "opcua",
        Machine = machine,
        Tag = tag,
        Value = ReadingValue.FromDouble(value),
        Timestamp = new DateTime(2026, 12, 7, 1, 0, 0, DateTimeKind.Utc),
    };

    [Fact]
    public async Task Interleaved_machines_keep_each_tags_latest_reading_under_its_own_machine()
    {
        var next = new Passed();
        var latest = new LatestReadings(next);
        // Equal machine names as different string instances, and runs of one machine broken by another.
        Reading[] batch =
        [
            Of("m1", "a", 1), Of("m1", "b", 2), Of("m2", "a", 3), Of(new string("m1".AsSpan()), "a", 4), Of("m2", "c", 5), Of("m2", "a", 6),
        ];

        await latest.WriteAsync(batch, CancellationToken.None);

        Assert.Same(batch, next.Batch);
        Assert.Equal(["m1", "m2"], latest.Machines.Order());
        var m1 = latest.Of("m1")!;
        var m2 = latest.Of("m2")!;
        Assert.Equal(["a", "b"], m1.Keys.Order());
        Assert.Equal(["a", "c"], m2.Keys.Order());
        Assert.Equal(4, m1["a"].Latest!.Value.AsDouble());
        Assert.Equal(2, m1["b"].Latest!.Value.AsDouble());
        Assert.Equal(6, m2["a"].Latest!.Value.AsDouble());
        Assert.Equal(5, m2["c"].Latest!.Value.AsDouble());
        Assert.Null(latest.Of("m3"));
    }
}
