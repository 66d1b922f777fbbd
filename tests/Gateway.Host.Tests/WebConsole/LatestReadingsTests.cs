using Gateway.Core;
using Gateway.Host.WebConsole;

namespace Gateway.Host.Tests.WebConsole;

/// <summary>The console's latest readings: every tag of every machine of a batch, the last value of each, passed on unchanged.</summary>
public class LatestReadingsTests
{
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
