using System.Text.Json;
using Gateway.Core;
using Gateway.Testing;

namespace Gateway.Core.Tests;

/// <summary>The one dead-letter format every sink writes, and the summary `gateway buffer dead-letters` prints.</summary>
public sealed class DeadLetterFileTests : IDisposable
{
    private readonly string _dir = RepositoryPaths.NewTempDirectory("dead-letter-file");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Reading Reading(long sequence) => new()
    {
        Source = "press-line",
        Machine = "press-3",
        Tag = "force",
        Measurement = "press",
        Value = ReadingValue.FromDouble(12.5),
        Quality = Quality.Uncertain,
        StatusCode = 0x40000000,
        Timestamp = new DateTime(2026, 12, 6, 1, 2, 3, DateTimeKind.Utc),
        Labels = LabelSet.From([new("site", "changwon")]),
        Sequence = sequence,
    };

    [Fact]
    public async Task Each_letter_is_one_json_line_with_sink_time_reason_and_the_whole_reading_and_is_counted()
    {
        var file = new DeadLetterFile(_dir, "archive", new FixedClock(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero)));

        await file.AppendAsync([new DeadLetter(Reading(41), "refused", "400", "press force=12.5"), new DeadLetter(Reading(42), "NaN")], CancellationToken.None);

        Assert.Equal(Path.Combine(_dir, "dead-letters", "archive.jsonl"), file.Path);
        Assert.Equal(2, file.Written);
        Assert.Equal(2, file.Sample().Value);
        Assert.Equal("sink_dead_lettered", file.Sample().FieldName);
        var lines = File.ReadAllLines(file.Path).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        var first = lines[0];
        Assert.Equal("2026-12-06T09:00:00Z", first.GetProperty("time").GetString());
        Assert.Equal("archive", first.GetProperty("sink").GetString());
        Assert.Equal("refused", first.GetProperty("reason").GetString());
        Assert.Equal("400", first.GetProperty("status").GetString());
        Assert.Equal("press force=12.5", first.GetProperty("sent").GetString());
        var reading = first.GetProperty("reading");
        Assert.Equal("press-line", reading.GetProperty("source").GetString());
        Assert.Equal("press-3", reading.GetProperty("machine").GetString());
        Assert.Equal("force", reading.GetProperty("tag").GetString());
        Assert.Equal("press", reading.GetProperty("measurement").GetString());
        Assert.Equal("Double", reading.GetProperty("valueKind").GetString());
        Assert.Equal("12.5", reading.GetProperty("value").GetString());
        Assert.Equal("Uncertain", reading.GetProperty("quality").GetString());
        Assert.Equal("0x40000000", reading.GetProperty("statusCode").GetString());
        Assert.Equal("2026-12-06T01:02:03Z", reading.GetProperty("timestamp").GetString());
        Assert.Equal(41, reading.GetProperty("sequence").GetInt64());
        Assert.Equal("changwon", reading.GetProperty("labels").GetProperty("site").GetString());
        Assert.False(lines[1].TryGetProperty("status", out _));
        Assert.False(lines[1].TryGetProperty("sent", out _));
    }

    [Fact]
    public async Task The_summary_counts_each_sinks_letters_names_the_newest_and_survives_a_torn_last_line()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero));
        var archive = new DeadLetterFile(_dir, "archive", clock);
        await archive.AppendAsync([new DeadLetter(Reading(1), "first cause")], CancellationToken.None);
        clock.Now = clock.Now.AddHours(1);
        await archive.AppendAsync([new DeadLetter(Reading(2), "second cause")], CancellationToken.None);
        await File.AppendAllTextAsync(archive.Path, "{\"time\":\"2026-12-06T11:00:00Z\",\"sink\":\"arch"); // power lost mid-write
        await new DeadLetterFile(_dir, "broker", clock).AppendAsync([new DeadLetter(Reading(3), "NotAuthorized")], CancellationToken.None);

        var summaries = DeadLetterFile.Summarize(_dir);

        Assert.Equal(["archive", "broker"], summaries.Select(s => s.Sink));
        var summary = summaries[0];
        Assert.Equal(2, summary.Count);
        Assert.Equal(1, summary.Unreadable);
        Assert.Equal(clock.Now, summary.Newest);
        Assert.Equal("second cause", summary.NewestReason);
        Assert.Empty(DeadLetterFile.Summarize(Path.Combine(_dir, "nothing-here")));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
