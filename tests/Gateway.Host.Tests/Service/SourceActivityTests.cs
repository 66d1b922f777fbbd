using Gateway.Core;
using Gateway.Host.Service;
using Gateway.Testing;

using Microsoft.Extensions.Logging;

namespace Gateway.Host.Tests.Service;

/// <summary>What a source's activity counts and logs on its way to the pipeline: data gaps are counted and said in the log.</summary>
public sealed class SourceActivityTests
{
    [Fact]
    public async Task Readings_after_a_data_gap_are_counted_and_logged_at_most_once_a_minute_with_the_count_since_the_last_line()
    {
        var log = new TestLog();
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
        var forwarded = new Forwarded();
        var activity = new SourceActivity("cell-1", ["cnc-01", "cnc-02"], forwarded, log.CreateLogger("Gateway.Sources.cell-1"), clock);

        await activity.WriteAsync([Reading("cnc-01", gap: false), Reading("cnc-02", gap: true), Reading("cnc-02", gap: true)], CancellationToken.None);
        await activity.WriteAsync([Reading("cnc-01", gap: true)], CancellationToken.None);
        clock.Now += SourceActivity.GapLogInterval - TimeSpan.FromSeconds(1);
        await activity.WriteAsync([Reading("cnc-01", gap: true)], CancellationToken.None);

        // Every reading goes on, gap or not; the counts are per machine.
        Assert.Equal(5, forwarded.Count);
        Assert.Equal(2, activity.Machines["cnc-01"].DataGaps);
        Assert.Equal(2, activity.Machines["cnc-02"].DataGaps);
        var first = Assert.Single(log.Warnings);
        Assert.Contains("Source cell-1: 2 reading(s) came after a data gap", first, StringComparison.Ordinal);
        Assert.Contains("machine cnc-02", first, StringComparison.Ordinal);
        Assert.Contains("queueSize", first, StringComparison.Ordinal);

        // A minute after the first line: one more, with the gaps seen in between.
        clock.Now += TimeSpan.FromSeconds(2);
        await activity.WriteAsync([Reading("cnc-02", gap: false)], CancellationToken.None);
        Assert.Single(log.Warnings);
        await activity.WriteAsync([Reading("cnc-01", gap: true)], CancellationToken.None);
        Assert.Equal(2, log.Warnings.Count());
        Assert.Contains("Source cell-1: 3 reading(s) came after a data gap", log.Warnings.Last(), StringComparison.Ordinal);
        Assert.Contains("machine cnc-01", log.Warnings.Last(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_logger_gaps_are_only_counted()
    {
        var forwarded = new Forwarded();
        var activity = new SourceActivity("cell-1", ["cnc-01"], forwarded);

        await activity.WriteAsync([Reading("cnc-01", gap: true)], CancellationToken.None);

        Assert.Equal(1, activity.Machines["cnc-01"].DataGaps);
        Assert.Equal(1, forwarded.Count);
    }

    private static Reading Reading(string machine, bool gap) => new()
    {
        Source = "cell-1",
        Machine = machine,
        Tag = "spindle_speed",
        Value = ReadingValue.FromDouble(1200),
        Quality = Quality.Good,
        DataGap = gap,
        Timestamp = new DateTime(2026, 12, 7, 8, 0, 0, DateTimeKind.Utc),
    };

    private sealed class Forwarded : IReadingWriter
    {
        public int Count { get; private set; }

        public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
        {
            Count += readings.Count;
            return ValueTask.CompletedTask;
        }
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
