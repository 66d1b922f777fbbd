using System.Collections.Concurrent;
using System.Text.Json;
using Gateway.Testing;
using MQTTnet;

namespace Gateway.Host.Tests.Service;

/// <summary>
/// The README's first command: config/gateway.yaml as shipped (built-in simulator, our OPC UA client, embedded MQTT
/// broker, an InfluxDB that is not there), run as a real `gateway` process with its ports moved to free ones.
/// </summary>
public sealed class EmbeddedDefaultTests : IDisposable
{
    private readonly string _data = RepositoryPaths.NewTempDirectory("embedded-default");

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task The_default_configuration_delivers_readings_of_every_simulated_machine_to_the_embedded_broker()
    {
        var mqttPort = FreePort.Next();
        var httpPort = FreePort.Next();
        var environment = new Dictionary<string, string>
        {
            ["GATEWAY_DATA"] = _data,
            ["GATEWAY_SIMULATOR_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GATEWAY_SIMULATOR_MODBUS_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GATEWAY_MQTT_PORT"] = mqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GATEWAY_HTTP_LISTEN"] = $"127.0.0.1:{httpPort}",
            ["INFLUX_URL"] = $"http://127.0.0.1:{FreePort.Next()}", // nothing listens: its readings wait in the buffer
        };
        using var gateway = GatewayProcess.Start(environment, "run", "--config", RepositoryPaths.Combine("config", "gateway.yaml"));
        await gateway.WaitForOutputAsync("Gateway demo-gateway running", TimeSpan.FromSeconds(60));
        Assert.Contains($"http://127.0.0.1:{httpPort}/metrics", gateway.Output, StringComparison.Ordinal);

        var topics = new ConcurrentDictionary<string, string>();
        using var subscriber = new MqttClientFactory().CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            topics[e.ApplicationMessage.Topic] = e.ApplicationMessage.ConvertPayloadToString();
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mqttPort).WithClientId("embedded-default-test").Build());
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("factory/#").Build());

        string[] machines = ["cnc-01", "cnc-02", "press-01", "mould-01"];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline && !machines.All(m => topics.Keys.Any(t => t.StartsWith($"factory/changwon-demo/{m}/", StringComparison.Ordinal))))
        {
            await Task.Delay(200);
        }

        foreach (var machine in machines)
        {
            Assert.True(topics.Keys.Any(t => t.StartsWith($"factory/changwon-demo/{machine}/", StringComparison.Ordinal)), $"no reading of {machine}; topics: {string.Join(", ", topics.Keys)}\n{gateway.Output}");
        }

        // Machine state and OEE (docs/oee.md): each simulated machine's current state and its running shift's figures.
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        bool StateAndOee(string m) => topics.ContainsKey($"factory/changwon-demo/{m}/current_state") && topics.ContainsKey($"factory/changwon-demo/{m}/oee_record");
        while (DateTime.UtcNow < deadline && !machines.All(StateAndOee))
        {
            await Task.Delay(200);
        }

        foreach (var machine in machines)
        {
            Assert.True(StateAndOee(machine), $"no current_state or oee_record of {machine}; topics: {string.Join(", ", topics.Keys)}\n{gateway.Output}");
            var state = JsonDocument.Parse(topics[$"factory/changwon-demo/{machine}/current_state"]).RootElement.GetProperty("value").GetString();
            Assert.Contains(state, new[] { "running", "idle", "alarm", "plannedStop", "unknown" });
            var oee = JsonDocument.Parse(JsonDocument.Parse(topics[$"factory/changwon-demo/{machine}/oee_record"]).RootElement.GetProperty("value").GetString()!).RootElement;
            Assert.Equal(machine, oee.GetProperty("machine").GetString());
            Assert.Contains(oee.GetProperty("shift").GetString(), new[] { "day", "swing", "night" });
        }

        // A reading as a consumer sees it: a number from a simulated CNC, Good, with its buffer sequence number.
        // (Subscriptions report changes only, so which cnc-01 tag arrives first depends on what the machine is doing.)
        var numeric = topics
            .Where(t => t.Key.StartsWith("factory/changwon-demo/cnc-01/", StringComparison.Ordinal))
            .Select(t => JsonDocument.Parse(t.Value).RootElement)
            .FirstOrDefault(r => r.GetProperty("value").ValueKind == JsonValueKind.Number);
        Assert.True(numeric.ValueKind == JsonValueKind.Object, "no numeric cnc-01 reading: " + string.Join(", ", topics.Keys));
        Assert.Equal("Good", numeric.GetProperty("quality").GetString());
        Assert.True(numeric.GetProperty("seq").GetInt64() > 0);
        Assert.Contains("online", topics["factory/changwon-demo/demo-gateway/status"], StringComparison.Ordinal);

        // Store-and-forward: the absent InfluxDB's readings are waiting in the buffer, and the metrics say so.
        using var http = new HttpClient();
        // The demo's InfluxDB is `optional: true`: its absence does not make the demo NOT READY.
        using (var ready = await http.GetAsync(new Uri($"http://127.0.0.1:{httpPort}/readyz")))
        {
            Assert.True(ready.StatusCode == System.Net.HttpStatusCode.OK, await ready.Content.ReadAsStringAsync());
        }

        var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{httpPort}/metrics"));
        var pending = System.Text.RegularExpressions.Regex.Match(metrics, "gateway_buffer_pending\\{[^}]*sink=\"influxdb\"[^}]*\\} (\\d+)");
        Assert.True(pending.Success && long.Parse(pending.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, metrics);
        Assert.Matches("gateway_source_connected\\{[^}]*source=\"simulator\"[^}]*\\} 1", metrics);
        Assert.Matches("gateway_readings_in_total\\{[^}]*machine=\"press-01\"", metrics);

        // The default file subscribes to the simulator: its items are active, none refused, and service calls were timed.
        Assert.Matches("gateway_source_monitored_items\\{[^}]*source=\"simulator\"[^}]*\\} [1-9]", metrics);
        Assert.Matches("gateway_source_monitored_items_rejected\\{[^}]*source=\"simulator\"[^}]*\\} 0\n", metrics);
        Assert.Matches("gateway_opcua_requests_total\\{[^}]*source=\"simulator\"[^}]*\\} [1-9]", metrics);

        RunningProgram.Signal(gateway.Id, "TERM");
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Gateway stopped", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_configuration_refuses_to_start_when_its_simulator_port_is_taken_and_names_the_variable_that_moves_it()
    {
        // Another OPC UA server (or anything) already on the simulator's port: reading it as the demo shop would show
        // a stranger's tags, or dozens of rejections, as the gateway's own.
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;
        var environment = new Dictionary<string, string>
        {
            ["GATEWAY_DATA"] = _data,
            ["GATEWAY_SIMULATOR_PORT"] = taken.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GATEWAY_SIMULATOR_MODBUS_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GATEWAY_MQTT_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GATEWAY_HTTP_LISTEN"] = $"127.0.0.1:{FreePort.Next()}",
            ["INFLUX_URL"] = $"http://127.0.0.1:{FreePort.Next()}",
        };
        using var gateway = GatewayProcess.Start(environment, "run", "--config", RepositoryPaths.Combine("config", "gateway.yaml"));

        var exit = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.True(exit == 3, $"exit {exit}\n{gateway.Output}");
        Assert.Contains($"cannot listen on 127.0.0.1:{taken}", gateway.Output, StringComparison.Ordinal);
        Assert.Contains("GATEWAY_SIMULATOR_PORT", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Gateway demo-gateway running", gateway.Output, StringComparison.Ordinal);
    }
}
