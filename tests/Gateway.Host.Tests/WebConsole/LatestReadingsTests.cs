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

    [Theory]
    [InlineData(null, 1, 120)] // unset: ten minutes for a small gateway...
    [InlineData(null, 10_000, 120)]
    [InlineData(null, 20_000, 60)] // ...then 1.2 million points shared...
    [InlineData(null, 50_000, 24)]
    [InlineData(null, 100_000, 12)] // ...down to one minute
    [InlineData(null, 1_000_000, 12)]
    [InlineData(10, 100_000, 120)] // a length that is set is kept whatever the size
    [InlineData(0, 5, 0)]
    [InlineData(60, 5, 720)]
    public void The_trend_is_the_minutes_set_else_ten_minutes_shared_out_above_10000_tags(int? trendMinutes, int tags, int points)
    {
        Assert.Equal(points, LatestReadings.TrendPointsFor(trendMinutes, tags));
        Assert.Equal(points, new LatestReadings(new Forwarded(), LatestReadings.TrendPointsFor(trendMinutes, tags)).TrendCapacity);
    }

    [Fact]
    public async Task A_two_minute_trend_keeps_its_24_newest_points_and_starts_again_after_a_gap_of_two_minutes()
    {
        var latest = new LatestReadings(new Forwarded(), LatestReadings.TrendPointsFor(TimeSpan.FromMinutes(2)));
        Assert.Equal(24, latest.TrendCapacity);

        for (var i = 0; i < 60; i++)
        {
            await latest.WriteAsync([At(i * 5, i)], CancellationToken.None);
        }

        var tag = latest.Of("cnc-01")!["speed"];
        Assert.Equal(Enumerable.Range(36, 24).Select(i => Point(i, i)), tag.Trend());

        // Two minutes (24 slots) after the newest point nothing kept is in the window: the trend is this point alone.
        await latest.WriteAsync([At((59 + 24) * 5, 7)], CancellationToken.None);
        Assert.Equal([Point(59 + 24, 7)], tag.Trend());
    }

    [Fact]
    public async Task With_no_trend_the_latest_reading_is_still_kept_and_passed_on()
    {
        var next = new Forwarded();
        var latest = new LatestReadings(next, trendPoints: 0);

        for (var i = 0; i < 30; i++)
        {
            await latest.WriteAsync([At(i * 5, i)], CancellationToken.None);
        }

        var tag = latest.Of("cnc-01")!["speed"];
        Assert.Equal(30, next.Count);
        Assert.Equal(29.0, tag.Latest!.Value.TryGetNumber());
        Assert.Empty(tag.Trend());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LatestReadings(next, trendPoints: -1));
    }

    private static (DateTime, double) Point(long slot, double value) => (Start.AddSeconds(slot * 5), value);

    [Fact]
    public async Task A_slot_without_a_reading_adds_no_point_and_a_gap_of_ten_minutes_starts_the_trend_again()
    {
        var latest = new LatestReadings(new Forwarded());

        // Slots 0, 1, 4 and 9 (5 s each); 2, 3 and 5-8 got nothing. Each point is its slot's start and first value.
        foreach (var (seconds, value) in new[] { (0.0, 1.0), (6.0, 2.0), (9.0, 99.0), (21.0, 3.0), (47.5, 4.0) })
        {
            await latest.WriteAsync([At(seconds, value)], CancellationToken.None);
        }

        var tag = latest.Of("cnc-01")!["speed"];
        Assert.Equal([Point(0, 1), Point(1, 2), Point(4, 3), Point(9, 4)], tag.Trend());

        // Slot 9 + 120 is more than ten minutes after every kept point: only the new one is left.
        await latest.WriteAsync([At((9 + LatestReadings.TrendPoints) * 5, 5)], CancellationToken.None);
        Assert.Equal([Point(9 + LatestReadings.TrendPoints, 5)], tag.Trend());

        // One slot short of that keeps the oldest point still in the window.
        await latest.WriteAsync([At((9 + 2 * LatestReadings.TrendPoints - 1) * 5, 6)], CancellationToken.None);
        Assert.Equal([Point(9 + LatestReadings.TrendPoints, 5), Point(9 + 2 * LatestReadings.TrendPoints - 1, 6)], tag.Trend());
    }

    [Fact]
    public async Task A_reading_of_the_newest_slot_or_older_adds_no_point_but_is_the_latest_value()
    {
        var latest = new LatestReadings(new Forwarded());
        await latest.WriteAsync([At(50, 1), At(52, 2), At(49, 3), At(10, 4)], CancellationToken.None);

        var tag = latest.Of("cnc-01")!["speed"];
        Assert.Equal([Point(10, 1)], tag.Trend());
        Assert.Equal(4.0, tag.Latest!.Value.TryGetNumber());

        await latest.WriteAsync([At(55, 5)], CancellationToken.None);
        Assert.Equal([Point(10, 1), Point(11, 5)], tag.Trend());
    }

    [Fact]
    public async Task The_trend_matches_a_list_of_first_readings_per_slot_across_growth_gaps_and_wrap_around()
    {
        // A plain model: the first reading of each slot after the newest, the last 120 slots of them.
        var random = new Random(26);
        var latest = new LatestReadings(new Forwarded());
        var expected = new List<(long Slot, double Value)>();
        var seconds = 0.0;
        for (var i = 0; i < 3000; i++)
        {
            // Mostly forward by 0-12 s, sometimes a long gap, sometimes a reading from the past.
            seconds = random.Next(40) switch
            {
                0 => seconds + random.Next(300, 700),
                1 => Math.Max(0, seconds - random.Next(1, 60)),
                _ => seconds + random.Next(0, 1200) / 100.0,
            };
            double value = random.Next(-1000, 1000);
            await latest.WriteAsync([At(seconds, value)], CancellationToken.None);

            var slot = (long)Math.Floor(seconds / 5);
            if (expected.Count == 0 || slot > expected[^1].Slot)
            {
                expected.Add((slot, value));
            }

            var trend = latest.Of("cnc-01")!["speed"].Trend();
            var window = expected.Where(p => p.Slot > expected[^1].Slot - LatestReadings.TrendPoints).Select(p => Point(p.Slot, p.Value));
            Assert.Equal(window, trend);
        }
    }

    [Fact]
    public async Task A_value_far_from_zero_keeps_its_small_steps_and_the_latest_value_is_exact()
    {
        // A float alone holds 1.7e9 to steps of 128; the trend stores the offset from its first point.
        var latest = new LatestReadings(new Forwarded());
        for (var i = 0; i < 10; i++)
        {
            await latest.WriteAsync([At(i * 5, 1_700_000_000.25 + i * 0.5)], CancellationToken.None);
        }

        await latest.WriteAsync([At(47, 1_700_000_000.1)], CancellationToken.None);

        var tag = latest.Of("cnc-01")!["speed"];
        Assert.Equal(Enumerable.Range(0, 10).Select(i => Point(i, 1_700_000_000.25 + i * 0.5)), tag.Trend());
        Assert.Equal(1_700_000_000.1, tag.Latest!.Value.AsDouble());
    }

    [Fact]
    public async Task A_value_that_is_not_a_finite_number_adds_no_point_and_the_next_reading_of_its_slot_does()
    {
        var latest = new LatestReadings(new Forwarded());
        await latest.WriteAsync([At(0, 1), At(5, double.NaN), At(6, double.PositiveInfinity), At(7, 2)], CancellationToken.None);
        await latest.WriteAsync([At(10, 3) with { Value = ReadingValue.FromString("jammed") }], CancellationToken.None);

        var tag = latest.Of("cnc-01")!["speed"];
        Assert.Equal([Point(0, 1), Point(1, 2)], tag.Trend());
        Assert.Equal("jammed", tag.Latest!.Value.AsString());
    }

    [Fact]
    public async Task The_latest_keeps_the_value_quality_status_source_timestamp_and_unit_of_the_last_reading()
    {
        var latest = new LatestReadings(new Forwarded());
        Assert.Null(latest.Of("cnc-01"));

        var sourceTime = Start.AddMilliseconds(1234);
        await latest.WriteAsync([At(0, 1), At(1, 7) with { Quality = Quality.Bad, StatusCode = 0x80340000, SourceTimestamp = sourceTime, Unit = "rpm" }], CancellationToken.None);

        var shown = latest.Of("cnc-01")!["speed"].Latest!;
        Assert.Equal(new ShownReading(ReadingValue.FromDouble(7), Quality.Bad, 0x80340000, sourceTime, "rpm"), shown);
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

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public async Task A_machine_page_row_with_a_NaN_or_infinite_latest_value_is_valid_JSON_shown_as_text(double value)
    {
        var latest = new LatestReadings(new Forwarded());
        await latest.WriteAsync([At(0, 1.5), At(5, value)], CancellationToken.None);

        var row = Gateway.Host.WebConsole.WebConsoleServer.MachineTagRow("speed", latest.Of("cnc-01")!["speed"]);
        var json = System.Text.Json.JsonDocument.Parse(System.Text.Json.JsonSerializer.Serialize(row, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))).RootElement;

        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("numeric").ValueKind);
        Assert.Equal(ReadingValue.FromDouble(value).ToString(), json.GetProperty("value").GetString());
        Assert.Equal(1.5, Assert.Single(json.GetProperty("trend").EnumerateArray()).GetProperty("value").GetDouble());
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
