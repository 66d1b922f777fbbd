using Gateway.Core;
using Gateway.Host.WebConsole;

namespace Gateway.Host.Tests.WebConsole;

/// <summary>The console's latest reading and trend per tag (<see cref="LatestReadings"/>); no server.</summary>
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
}
