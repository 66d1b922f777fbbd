using System.Text.Json;

using Gateway.Core;
using Gateway.Testing;

using Microsoft.Extensions.Logging;

using static Gateway.Sinks.InfluxDb.Tests.TestSupport;

namespace Gateway.Sinks.InfluxDb.Tests;

/// <summary>One real influxd 1.6 (Debian package) for the api v1 tests; 200 kB body limit so that 413 can be provoked.</summary>
public sealed class InfluxDb16Fixture : IAsyncLifetime
{
    public const int MaxBodySize = 200_000;

    public InfluxDbServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await InfluxDbServer.StartAsync(maxBodySize: MaxBodySize);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>api v1 against a real InfluxDB 1.6 started by the fixture.</summary>
public sealed class InfluxDb16Tests(InfluxDb16Fixture fixture) : IClassFixture<InfluxDb16Fixture>, IDisposable
{
    private readonly InfluxDbServer _server = fixture.Server;
    private readonly string _dataDirectory = NewDataDirectory();

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    private async Task<(InfluxDbSink Sink, string Database)> NewSinkAsync(Action<InfluxDbSinkOptions>? configure = null, RecordingLoggerFactory? logs = null, bool createDatabase = true)
    {
        var database = "db" + Guid.NewGuid().ToString("N")[..8];
        if (createDatabase)
        {
            await _server.CreateDatabaseAsync(database);
        }

        var options = new InfluxDbSinkOptions { Api = InfluxApi.V1, Url = _server.Url, Database = database };
        configure?.Invoke(options);
        var sink = CreateSink(options, _dataDirectory, logs);
        await sink.StartAsync(CancellationToken.None);
        return (sink, database);
    }

    [Fact]
    public async Task Written_points_read_back_with_their_values_tags_and_timestamps()
    {
        var (sink, database) = await NewSinkAsync();
        await using var _ = sink;
        var t = BaseTime;
        List<Reading> batch =
        [
            Reading("speed", ReadingValue.FromDouble(1234.5678), t),
            Reading("parts", ReadingValue.FromInt64(9_007_199_254_740_993), t.AddMilliseconds(1)),
            Reading("running", ReadingValue.FromBoolean(true), t.AddMilliseconds(2)),
            Reading("program", ReadingValue.FromString("O1000 \"main\", rev 2"), t.AddMilliseconds(3)),
            Reading("axis", ReadingValue.FromArray([0.5, -1.25, 3e-7]), t.AddMilliseconds(4)),
            Reading("temp", ReadingValue.FromDouble(71.25), t.AddMilliseconds(5), quality: Quality.Uncertain),
            Reading("lost", ReadingValue.Null, t.AddMilliseconds(6), quality: Quality.Bad),
        ];

        await sink.DeliverAsync(batch, CancellationToken.None);

        var rows = await _server.SelectAsync(database, "SELECT * FROM cnc GROUP BY *");
        Assert.Equal(6, rows.Count);
        var ms = new DateTimeOffset(t).ToUnixTimeMilliseconds();
        var byTime = rows.ToDictionary(r => r.Values["time"].GetInt64());
        Assert.Equal(1234.5678, byTime[ms].Values["speed"].GetDouble());
        Assert.Equal(9_007_199_254_740_993, byTime[ms + 1].Values["parts"].GetInt64());
        Assert.True(byTime[ms + 2].Values["running"].GetBoolean());
        Assert.Equal("O1000 \"main\", rev 2", byTime[ms + 3].Values["program"].GetString());
        Assert.Equal(0.5, byTime[ms + 4].Values["axis_0"].GetDouble());
        Assert.Equal(-1.25, byTime[ms + 4].Values["axis_1"].GetDouble());
        Assert.Equal(3e-7, byTime[ms + 4].Values["axis_2"].GetDouble());
        Assert.Equal(71.25, byTime[ms + 5].Values["temp"].GetDouble());

        var expectedTags = new Dictionary<string, string> { ["gateway"] = "gw-test", ["machine"] = "cnc1", ["site"] = "changwon", ["line"] = "L2" };
        foreach (var row in rows)
        {
            foreach (var (key, value) in expectedTags)
            {
                Assert.Equal(value, row.Tags[key]);
            }
        }

        Assert.Equal("uncertain", byTime[ms + 5].Tags["quality"]);
        Assert.Equal("", byTime[ms].Tags["quality"]);
        Assert.Equal(6, sink.Counters.PointsWritten);
        Assert.Equal(1, sink.Counters.NotGoodWritten);
        Assert.Equal(1, sink.Counters.NullValuesSkipped);
        Assert.Equal(ConnectionState.Connected, sink.State);
    }

    [Fact]
    public async Task A_type_conflict_in_the_middle_of_a_batch_goes_to_the_dead_letter_file_and_the_rest_arrives()
    {
        var (sink, database) = await NewSinkAsync();
        await using var _ = sink;
        await sink.DeliverAsync(Series("speed", 1, BaseTime), CancellationToken.None);

        // The field exists as float now; one integer in the middle of the next batch conflicts with it.
        var batch = Series("speed", 10, BaseTime, offset: 1);
        batch[5] = Reading("speed", ReadingValue.FromInt64(5), batch[5].Timestamp);
        await sink.DeliverAsync(batch, CancellationToken.None);

        Assert.Equal(10, await _server.CountAsync(database, "cnc", "speed"));
        Assert.Equal(1, sink.Counters.DeadLettered);
        var deadLetters = File.ReadAllLines(sink.DeadLetterPath).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var entry = Assert.Single(deadLetters);
        Assert.Equal("400", entry.GetProperty("status").GetString());
        Assert.Contains("field type conflict", entry.GetProperty("reason").GetString());
        Assert.Equal("speed", entry.GetProperty("reading").GetProperty("tag").GetString());
        Assert.Equal("5", entry.GetProperty("reading").GetProperty("value").GetString());
        Assert.EndsWith("speed=5i " + new DateTimeOffset(batch[5].Timestamp).ToUnixTimeMilliseconds(), entry.GetProperty("sent").GetString());
    }

    [Fact]
    public async Task Refused_readings_land_in_the_one_dead_letter_format_and_are_counted_in_the_sinks_samples()
    {
        var (sink, database) = await NewSinkAsync();
        await using var _ = sink;
        await sink.DeliverAsync(Series("speed", 1, BaseTime), CancellationToken.None);
        var batch = Series("speed", 4, BaseTime, offset: 1);
        batch[1] = Reading("speed", ReadingValue.FromInt64(7), batch[1].Timestamp); // a type conflict: refused by the server
        batch[2] = Reading("speed", ReadingValue.FromDouble(double.NaN), batch[2].Timestamp); // not writable at all

        await sink.DeliverAsync(batch, CancellationToken.None);

        Assert.Equal(3, await _server.CountAsync(database, "cnc", "speed"));
        Assert.Equal(Path.Combine(_dataDirectory, "dead-letters", "influx.jsonl"), sink.DeadLetterPath);
        var entries = File.ReadAllLines(sink.DeadLetterPath).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, entries.Count);
        foreach (var entry in entries)
        {
            Assert.Equal("influx", entry.GetProperty("sink").GetString());
            Assert.EndsWith("Z", entry.GetProperty("time").GetString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(entry.GetProperty("reason").GetString()));
            Assert.Equal("plc1", entry.GetProperty("reading").GetProperty("source").GetString());
            Assert.Equal("cnc1", entry.GetProperty("reading").GetProperty("machine").GetString());
            Assert.Equal("changwon", entry.GetProperty("reading").GetProperty("labels").GetProperty("site").GetString());
        }

        var nan = Assert.Single(entries, e => e.GetProperty("reading").GetProperty("value").GetString() == "NaN");
        Assert.Contains("NaN or infinite", nan.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.False(nan.TryGetProperty("status", out var _), "a reading the sink never sent has no server status");
        var conflict = Assert.Single(entries, e => e.GetProperty("reading").GetProperty("value").GetString() == "7");
        Assert.Equal("400", conflict.GetProperty("status").GetString());
        Assert.Contains("field type conflict", conflict.GetProperty("reason").GetString(), StringComparison.Ordinal);

        var samples = new List<MetricSample>();
        sink.ReportSamples(samples);
        Assert.Equal(2, samples.Single(s => s.Name == "gateway_sink_dead_lettered_total").Value);
        Assert.Equal(3, samples.Single(s => s.Name == "gateway_sink_points_written_total").Value);

        var summary = Assert.Single(DeadLetterFile.Summarize(_dataDirectory));
        Assert.Equal(("influx", 2L), (summary.Sink, summary.Count));
    }

    [Fact]
    public async Task A_type_conflict_inside_one_write_is_found_by_splitting_the_write()
    {
        // InfluxDB 1.6 answers a bare "field type conflict" (no field, no line) when both types arrive in one write.
        var (sink, database) = await NewSinkAsync();
        await using var _ = sink;
        var batch = Series("torque", 8, BaseTime);
        batch[4] = Reading("torque", ReadingValue.FromInt64(4), batch[4].Timestamp);

        await sink.DeliverAsync(batch, CancellationToken.None);

        Assert.Equal(7, await _server.CountAsync(database, "cnc", "torque"));
        var entry = JsonDocument.Parse(Assert.Single(File.ReadAllLines(sink.DeadLetterPath))).RootElement;
        Assert.Equal("4", entry.GetProperty("reading").GetProperty("value").GetString());
        Assert.Equal("Int64", entry.GetProperty("reading").GetProperty("valueKind").GetString());
    }

    [Fact]
    public async Task A_write_larger_than_the_server_accepts_is_split_in_halves()
    {
        var (sink, database) = await NewSinkAsync(o =>
        {
            o.Gzip = false;
            o.BatchSize = 10_000;
        });
        await using var _ = sink;
        var batch = Series("feed", 4000, BaseTime);

        await sink.DeliverAsync(batch, CancellationToken.None);

        Assert.Equal(4000, await _server.CountAsync(database, "cnc", "feed"));
        Assert.True(sink.Counters.SplitsForSize >= 1, "the server never answered 413: the body limit is " + InfluxDb16Fixture.MaxBodySize);
        Assert.Equal(0, sink.Counters.DeadLettered);
    }

    [Fact]
    public async Task A_missing_database_is_an_error_that_names_it_and_keeps_the_batch()
    {
        var logs = new RecordingLoggerFactory();
        var (sink, database) = await NewSinkAsync(logs: logs, createDatabase: false);
        await using var _ = sink;

        for (var attempt = 0; attempt < 3; attempt++)
        {
            var error = await Assert.ThrowsAsync<InfluxWriteException>(() => sink.DeliverAsync(Series("speed", 5, BaseTime), CancellationToken.None));
            Assert.Contains($"database \"{database}\"", error.Message);
            Assert.Contains("`database` of sink 'influx'", error.Message);
        }

        Assert.Equal(ConnectionState.Faulted, sink.State);
        Assert.Single(logs.At(LogLevel.Warning));
        Assert.Equal(0, sink.Counters.DeadLettered);

        await _server.CreateDatabaseAsync(database);
        await sink.DeliverAsync(Series("speed", 5, BaseTime), CancellationToken.None);
        Assert.Equal(5, await _server.CountAsync(database, "cnc", "speed"));
        Assert.Single(logs.At(LogLevel.Information), m => m.Contains("working again after", StringComparison.Ordinal) && m.Contains("(3 failed attempt(s))", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Delivering_the_same_batch_again_overwrites_instead_of_adding()
    {
        var (sink, database) = await NewSinkAsync(o => o.BatchSize = 100);
        await using var _ = sink;
        var batch = Series("speed", 1000, BaseTime);

        await sink.DeliverAsync(batch, CancellationToken.None);
        await sink.DeliverAsync(batch, CancellationToken.None);
        await sink.DeliverAsync(batch.Take(300).ToList(), CancellationToken.None);

        Assert.Equal(1000, await _server.CountAsync(database, "cnc", "speed"));
        Assert.Equal(2300, sink.Counters.PointsWritten);
    }

    [Fact]
    public async Task Bad_quality_readings_can_be_dropped_and_are_counted()
    {
        var (sink, database) = await NewSinkAsync(o => o.BadQuality = BadQualityHandling.Drop);
        await using var _ = sink;
        var batch = Series("speed", 10, BaseTime);
        batch[2] = batch[2] with { Quality = Quality.Bad };
        batch[7] = batch[7] with { Quality = Quality.Uncertain };

        await sink.DeliverAsync(batch, CancellationToken.None);

        Assert.Equal(8, await _server.CountAsync(database, "cnc", "speed"));
        Assert.Equal(2, sink.Counters.NotGoodDropped);
    }
}
