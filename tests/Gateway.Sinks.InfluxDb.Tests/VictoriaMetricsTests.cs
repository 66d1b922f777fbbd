using Gateway.Core;
using Gateway.Testing;

using static Gateway.Sinks.InfluxDb.Tests.TestSupport;

namespace Gateway.Sinks.InfluxDb.Tests;

/// <summary>One real VictoriaMetrics (Debian package) for the api v2 tests.</summary>
public sealed class VictoriaMetricsFixture : IAsyncLifetime
{
    public VictoriaMetricsServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await VictoriaMetricsServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>api v2 (InfluxDB.Client's write API, /api/v2/write) against a real VictoriaMetrics started by the fixture.</summary>
public sealed class VictoriaMetricsTests(VictoriaMetricsFixture fixture) : IClassFixture<VictoriaMetricsFixture>, IDisposable
{
    private readonly VictoriaMetricsServer _server = fixture.Server;
    private readonly string _dataDirectory = NewDataDirectory();

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    private InfluxDbSink NewSink(string measurement, bool gzip = true, string? url = null) => CreateSink(
        new InfluxDbSinkOptions { Url = url ?? _server.Url, Bucket = "plant", Measurement = measurement, Gzip = gzip, BatchSize = 1000 },
        _dataDirectory);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Written_points_read_back_with_their_values_labels_and_timestamps(bool gzip)
    {
        var measurement = "m" + Guid.NewGuid().ToString("N")[..8];
        await using var sink = NewSink(measurement, gzip);
        var t = BaseTime;
        List<Reading> batch =
        [
            Reading("speed", ReadingValue.FromDouble(1234.5678), t),
            Reading("parts", ReadingValue.FromInt64(123_456_789), t.AddMilliseconds(1)),
            Reading("running", ReadingValue.FromBoolean(true), t.AddMilliseconds(2)),
            Reading("axis", ReadingValue.FromArray([0.5, -1.25]), t.AddMilliseconds(3)),
            Reading("temp", ReadingValue.FromDouble(71.25), t.AddMilliseconds(4), quality: Quality.Bad),
        ];

        await sink.DeliverAsync(batch, CancellationToken.None);

        var series = await _server.ExportUntilAsync($"{{__name__=~\"{measurement}_.*\"}}", s => s.Count >= 6);
        var byName = series.ToDictionary(s => s.Name);
        var ms = new DateTimeOffset(t).ToUnixTimeMilliseconds();
        Assert.Equal(6, series.Count);
        Assert.Equal([1234.5678], byName[measurement + "_speed"].Values);
        Assert.Equal([ms], byName[measurement + "_speed"].Timestamps);
        Assert.Equal([123_456_789.0], byName[measurement + "_parts"].Values);
        Assert.Equal([ms + 1], byName[measurement + "_parts"].Timestamps);
        Assert.Equal([1.0], byName[measurement + "_running"].Values);
        Assert.Equal([0.5], byName[measurement + "_axis_0"].Values);
        Assert.Equal([-1.25], byName[measurement + "_axis_1"].Values);
        Assert.Equal([ms + 3], byName[measurement + "_axis_1"].Timestamps);
        Assert.Equal([71.25], byName[measurement + "_temp"].Values);
        Assert.Equal("bad", byName[measurement + "_temp"].Labels["quality"]);
        Assert.False(byName[measurement + "_speed"].Labels.ContainsKey("quality"));
        foreach (var s in series)
        {
            Assert.Equal("gw-test", s.Labels["gateway"]);
            Assert.Equal("cnc1", s.Labels["machine"]);
            Assert.Equal("changwon", s.Labels["site"]);
            Assert.Equal("L2", s.Labels["line"]);
        }
    }

    [Fact]
    public async Task Delivering_the_same_batch_again_does_not_add_points()
    {
        var measurement = "m" + Guid.NewGuid().ToString("N")[..8];
        await using var sink = NewSink(measurement);
        var batch = Series("speed", 3000, BaseTime);

        await sink.DeliverAsync(batch, CancellationToken.None);
        await sink.DeliverAsync(batch, CancellationToken.None);

        // VictoriaMetrics keeps one sample per series and timestamp: the replay overwrote.
        var series = await _server.ExportUntilAsync($"{measurement}_speed", s => s.Sum(x => x.Values.Length) >= 3000);
        var only = Assert.Single(series);
        Assert.Equal(3000, only.Timestamps.Distinct().Count());
        Assert.Equal(3000, only.Values.Length);
        Assert.Equal(batch.Select(r => r.Value.AsDouble()), only.Values);
        Assert.Equal(6000, sink.Counters.PointsWritten);
    }

    [Fact]
    public async Task A_refused_connection_throws_so_the_buffer_retries()
    {
        var closedPort = FreePort.Next();
        await using var sink = NewSink("unreachable", url: $"http://127.0.0.1:{closedPort}");

        var error = await Assert.ThrowsAsync<InfluxWriteException>(() => sink.DeliverAsync(Series("speed", 10, BaseTime), CancellationToken.None));

        Assert.Contains($"127.0.0.1:{closedPort}", error.Message);
        Assert.Contains("sink 'influx'", error.Message);
        Assert.Equal(ConnectionState.Faulted, sink.State);
        Assert.Equal(0, sink.Counters.PointsWritten);
    }
}

/// <summary>api v2 against a real VictoriaMetrics protected by HTTP auth (<c>-httpAuth.*</c>).</summary>
public sealed class VictoriaMetricsAuthTests
{
    [Fact]
    public async Task A_refused_token_is_a_clear_error_naming_the_sink_and_the_token_key()
    {
        await using var server = await VictoriaMetricsServer.StartAsync(httpAuth: ("gateway", "s3cret"));
        var dataDirectory = NewDataDirectory();
        await using (var sink = CreateSink(new InfluxDbSinkOptions { Url = server.Url, Bucket = "plant", Token = "not-the-token" }, dataDirectory, name: "vm"))
        {
            var error = await Assert.ThrowsAsync<InfluxWriteException>(() => sink.DeliverAsync(Series("speed", 3, BaseTime), CancellationToken.None));

            Assert.Contains("sink 'vm'", error.Message);
            Assert.Contains("refused the credentials (401", error.Message);
            Assert.Contains("Check `token`", error.Message);
            Assert.DoesNotContain("not-the-token", error.Message);
            Assert.Equal(0, sink.Counters.PointsWritten);
        }

        Directory.Delete(dataDirectory, recursive: true);
    }
}
