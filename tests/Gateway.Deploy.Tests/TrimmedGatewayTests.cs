using System.Globalization;
using System.Text.Json;

using Gateway.Testing;

namespace Gateway.Deploy.Tests;

/// <summary>
/// The published file is trimmed (deploy/publish.sh's default <c>--trim framework</c>): the .NET assemblies and the
/// libraries marked trimmable (MQTTnet, Google.Protobuf, System.CommandLine, Polly.Core, NodaTime) lose the code that
/// nothing references. What the trimmer could not see (reflection) fails only at run time, so this runs the published
/// file through every part it ships, against real servers: the embedded default (OPC UA client and server, Modbus,
/// events, structures, OEE, the embedded MQTT broker) with its InfluxDB v2 sink on VictoriaMetrics (InfluxDB.Client,
/// RestSharp, Newtonsoft.Json), an InfluxDB v1 sink on InfluxDB 1.6, a Sparkplug B sink read by the independent host
/// application, /status, /metrics, the web console's API, the `status` command, and a restart that reads the state
/// files the first run wrote.
/// </summary>
[Collection(PublishedGatewayCollection.Name)]
public sealed class TrimmedGatewayTests(PublishedGateway gateway) : IDisposable
{
    private const string Group = "changwon-demo";
    private const string Node = "demo-gateway";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly string _dir = RepositoryPaths.NewTempDirectory("deploy-trimmed");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_trimmed_file_delivers_to_every_sink_type_serves_its_endpoints_and_reads_its_state_after_a_restart()
    {
        Assert.Contains("trimmed: framework", gateway.PublishOutput, StringComparison.Ordinal);

        await using var victoria = await VictoriaMetricsServer.StartAsync();
        await using var influx = await InfluxDbServer.StartAsync();
        await influx.CreateDatabaseAsync("historian");
        await using var broker = await MosquittoServer.StartAsync();
        await using var host = await SparkplugHostApplication.StartAsync(broker.Port, Group, Node);

        var config = EmbeddedDefault.Prepare(Path.Combine(gateway.Directory, "config", "gateway.yaml"), _dir);
        var text = await File.ReadAllTextAsync(config.ConfigPath);
        Assert.Contains("\nsinks:\n", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(config.ConfigPath, text.Replace("\nsinks:\n", $"""

            sinks:
              - type: sparkplug
                name: sparkplug
                host: 127.0.0.1
                port: {broker.Port}
              - type: influxdb
                name: historian
                url: {influx.Url}
                api: v1
                database: historian

            """, StringComparison.Ordinal));
        var environment = config.Environment.ToDictionary();
        environment["INFLUX_URL"] = victoria.Url; // the shipped v2 sink, on a server that takes the v2 write API

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{config.HttpPort}") };
        using (var run = RunningProgram.Start(gateway.Executable, ["run", "--config", config.ConfigPath], _dir, environment))
        {
            await run.WaitForOutputAsync(" running: ", Patience);

            // Every sink delivered, by the gateway's own count...
            var delivered = await WaitForDeliveryAsync(http, ["mqtt", "influxdb", "sparkplug", "historian"], run);

            // ...and by the servers': VictoriaMetrics through InfluxDB.Client (OPC UA and Modbus readings, OEE records),
            static bool Spindle(VictoriaSeries s) => s.Name == "cnc_spindle_speed" && s.Labels.GetValueOrDefault("machine") == "cnc-01" && s.Values.Length > 0;
            static bool Power(VictoriaSeries s) => s.Name == "energy_power_kw" && s.Values.Length > 0;
            var series = await victoria.ExportAsync("{__name__=~\"cnc_spindle_speed|energy_power_kw\"}");
            for (var deadline = DateTime.UtcNow + Patience; !(series.Any(Spindle) && series.Any(Power)) && DateTime.UtcNow < deadline;)
            {
                // The sink's first writes may carry only one source's readings (OPC UA or Modbus, whichever came first).
                await Task.Delay(500);
                series = await victoria.ExportAsync("{__name__=~\"cnc_spindle_speed|energy_power_kw\"}");
            }

            Assert.Contains(series, Spindle);
            Assert.Contains(series, Power);
            // InfluxDB 1.6 through the v1 writer,
            using (var counted = await influx.QueryAsync("SELECT count(spindle_speed) FROM cnc", "historian"))
            {
                var count = counted.RootElement.GetProperty("results")[0].GetProperty("series")[0].GetProperty("values")[0][1].GetInt64();
                Assert.True(count > 0, counted.RootElement.ToString());
            }

            // the independent Sparkplug host through MQTTnet's client and Protobuf (births, then data of the CNCs).
            var messages = await host.WaitForAsync(
                m => m.OfType("NBIRTH").Any() && m.OfType("DBIRTH").Any(b => b.Device() == "cnc-01") && m.OfType("DDATA").Any(),
                Patience,
                "NBIRTH, a CNC's DBIRTH and DDATA\n" + run.Output);
            Assert.Contains(messages.OfType("DBIRTH").SelectMany(b => b.Metrics()),
                metric => metric.GetProperty("name").GetString()!.Contains("spindle_speed", StringComparison.Ordinal));
            Assert.NotEmpty(SparkplugStream.Check(messages)); // births, aliases and seq as a host application expects them

            // The endpoints: /metrics, the console's API (reflection-based System.Text.Json), the `status` command.
            var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Matches(@"(?m)^gateway_readings_out_total\{[^}]*sink=""historian""[^}]*\} [1-9]", metrics);
            using (var overview = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/overview", UriKind.Relative))))
            {
                Assert.Contains("cnc-01", overview.RootElement.ToString(), StringComparison.Ordinal);
            }

            using (var machine = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/machines/cnc-01", UriKind.Relative))))
            {
                Assert.Contains("spindle_speed", machine.RootElement.ToString(), StringComparison.Ordinal);
            }

            var status = gateway.Run("status", "--url", $"http://127.0.0.1:{config.HttpPort}");
            Assert.True(status.ExitCode == 0, status.Output);
            Assert.Contains(status.StandardOutput.Split('\n'), l => l.StartsWith("historian", StringComparison.Ordinal));

            RunningProgram.Signal(run.Id, "TERM");
            var exit = await run.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.True(exit == 0, $"exit {exit}:\n{run.Output}");
            Assert.DoesNotContain("fail:", run.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("crit:", run.Output, StringComparison.Ordinal);
            Assert.True(delivered.Values.All(d => d > 0));
        }

        // What the first run wrote with System.Text.Json is read back by the second: the OEE state file.
        var data = config.Environment["GATEWAY_DATA"];
        Assert.True(File.Exists(Path.Combine(data, "machine-state.json")) /* MachineStateEngine.DefaultStateFileName */, "no OEE state file was saved");
        var stats = CommandRunner.Run(gateway.Executable, ["buffer", "stats", "--config", config.ConfigPath, "--json"], TimeSpan.FromSeconds(60), environment: environment);
        Assert.True(stats.ExitCode == 0, stats.Output);
        Assert.Contains("historian", JsonDocument.Parse(stats.StandardOutput).RootElement.ToString(), StringComparison.Ordinal);

        using (var again = RunningProgram.Start(gateway.Executable, ["run", "--config", config.ConfigPath], _dir, environment))
        {
            await again.WaitForOutputAsync(" running: ", Patience);
            await WaitForDeliveryAsync(http, ["historian"], again);
            RunningProgram.Signal(again.Id, "TERM");
            Assert.Equal(0, await again.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.DoesNotContain("state file", again.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("fail:", again.Output, StringComparison.Ordinal);
        }
    }

    /// <summary>Polls /status until every named sink has delivered readings; returns each one's count.</summary>
    private static async Task<Dictionary<string, long>> WaitForDeliveryAsync(HttpClient http, string[] sinks, RunningProgram run)
    {
        var deadline = DateTime.UtcNow + Patience;
        var delivered = new Dictionary<string, long>(StringComparer.Ordinal);
        while (DateTime.UtcNow < deadline)
        {
            using (var status = JsonDocument.Parse(await http.GetStringAsync(new Uri("/status", UriKind.Relative))))
            {
                delivered = status.RootElement.GetProperty("sinks").EnumerateArray()
                    .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("delivered").GetInt64(), StringComparer.Ordinal);
            }

            if (sinks.All(s => delivered.GetValueOrDefault(s) > 0))
            {
                return delivered;
            }

            await Task.Delay(500);
        }

        throw new Xunit.Sdk.XunitException(
            $"not every sink delivered within {Patience}: {string.Join(", ", delivered.Select(d => $"{d.Key}={d.Value}"))}\n{run.Output}");
    }
}
