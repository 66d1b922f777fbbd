using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Gateway.Host.CommandLine;
using Gateway.Host.Tests.CommandLine;
using Gateway.Testing;

namespace Gateway.Host.Tests.Monitoring;

/// <summary>
/// A running `gateway` (child process) reads the built-in simulator and delivers to a real mosquitto whose ACL refuses
/// every topic, and to a real InfluxDB 1.6. The sinks' own counters (dead letters, points written) reach /metrics and
/// the `gateway` measurement, and `gateway buffer dead-letters` lists what the broker refused.
/// </summary>
public sealed partial class SinkCountersTests : IDisposable
{
    private readonly string _dir = RepositoryPaths.NewTempDirectory("sink-counters");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Dead_letters_and_sink_counters_are_on_metrics_in_the_gateway_measurement_and_listed_by_the_command_line()
    {
        var acl = Path.Combine(_dir, "acl");
        await File.WriteAllTextAsync(acl, "topic read #\n"); // anonymous clients may publish nowhere
        await using var broker = await MosquittoServer.StartAsync(new MosquittoSettings { MaxQueuedMessages = 1000, ExtraLines = [$"acl_file {acl}"] });
        await using var influx = await InfluxDbServer.StartAsync();
        await influx.CreateDatabaseAsync("plant");
        var httpPort = FreePort.Next();
        var simulatorPort = FreePort.Next();
        var config = GatewayYaml.Named("counters-test")
            .SimulatedSource(simulatorPort)
            .Sink($"""
                - type: mqtt
                  name: refusing
                  host: 127.0.0.1
                  port: {broker.Port}
                  statusTopic: ""
                """)
            .Sink($"""
                - type: influxdb
                  name: history
                  api: v1
                  url: {influx.Url}
                  database: plant
                  healthIntervalSeconds: 1
                """)
            .Http(httpPort)
            .WriteTo(_dir);
        using var gateway = GatewayProcess.Start("run", "--config", config);
        await gateway.WaitForOutputAsync("Gateway counters-test running", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };

        // /metrics: the broker's refusals are dead letters of sink "refusing"; InfluxDB counts what it acknowledged.
        var metrics = "";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!(Value(metrics, "gateway_sink_dead_lettered_total", "refusing") > 0 && Value(metrics, "gateway_sink_points_written_total", "history") > 0))
        {
            Assert.True(DateTime.UtcNow < deadline, "no dead letters or written points on /metrics:\n" + metrics + "\n" + gateway.Output);
            await Task.Delay(500);
            var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            metrics = await response.Content.ReadAsStringAsync();
        }

        Assert.Equal(0, Value(metrics, "gateway_sink_dead_lettered_total", "history"));
        Assert.NotNull(Value(metrics, "gateway_sink_messages_published_total", "refusing"));
        Assert.NotNull(Value(metrics, "gateway_sink_failed_writes_total", "history"));
        Assert.True(Value(metrics, "gateway_opcua_requests_total", "sim", "source") > 0, "the source's own samples are on /metrics too:\n" + metrics);

        // The `gateway` measurement: the sink's point carries its own counters as fields.
        double? storedDeadLetters = null;
        while (storedDeadLetters is not > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no sink_dead_lettered field in the gateway measurement:\n" + gateway.Output);
            await Task.Delay(500);
            var rows = await influx.SelectAsync("plant", "SELECT last(\"sink_dead_lettered\") FROM \"gateway\" WHERE \"sink\" = 'refusing'");
            storedDeadLetters = rows.Count == 0 ? null : rows[0].Values["last"].GetDouble();
        }

        var written = await influx.SelectAsync("plant", "SELECT last(\"sink_points_written\") FROM \"gateway\" WHERE \"sink\" = 'history'");
        Assert.True(Assert.Single(written).Values["last"].GetDouble() > 0);

        // The command line lists the refused readings from the same files, while the gateway runs.
        var (exit, output, error) = await CommandLineRunner.RunAsync("buffer", "dead-letters", "--config", config);
        Assert.True(exit == ExitCodes.Ok, error);
        var row = Assert.Single(output.Split('\n'), l => l.StartsWith("refusing ", StringComparison.Ordinal));
        Assert.Matches(@"^refusing\s+[1-9][0-9]*\s+\S+\s+NotAuthorized", row);
    }

    /// <summary>The value of a metric's series for one sink (or source), or null when it is not there.</summary>
    private static double? Value(string metrics, string name, string part, string label = "sink")
    {
        foreach (Match match in SeriesLine().Matches(metrics))
        {
            if (match.Groups["name"].Value == name && match.Groups["labels"].Value.Contains($"{label}=\"{part}\"", StringComparison.Ordinal))
            {
                return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    [GeneratedRegex(@"^(?<name>gateway_[a-z_]+)\{(?<labels>[^}]*)\} (?<value>\S+)$", RegexOptions.Multiline)]
    private static partial Regex SeriesLine();
}
