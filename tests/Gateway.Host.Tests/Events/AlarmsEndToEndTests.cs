using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Gateway.Host.CommandLine;
using Gateway.Host.Tests.CommandLine;
using Gateway.Sinks.Mqtt.Tests;
using Gateway.Testing;
using MQTTnet;

namespace Gateway.Host.Tests.Events;

/// <summary>
/// A running `gateway` (child process) with an OPC UA events group on node-opcua's Alarms and Conditions
/// (tests/servers/opcua/alarms-server.js), delivering to a real mosquitto and a real InfluxDB 1.6: every event and
/// episode arrives in both as the server raised it (MQTT payloads checked against their JSON Schemas), a restart during
/// an active alarm reports it once, and `gateway ack` acknowledges only for a source with allowAck.
/// </summary>
public sealed class AlarmsEndToEndTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private static readonly JsonSchemaCheck EventSchema = new(RepositoryPaths.Combine("config", "schema", "mqtt-event.schema.json"));
    private static readonly JsonSchemaCheck EpisodeSchema = new(RepositoryPaths.Combine("config", "schema", "mqtt-alarm-episode.schema.json"));
    private readonly string _dir = RepositoryPaths.NewTempDirectory("alarms-e2e");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Alarms_reach_mqtt_and_influxdb_as_raised_a_restart_reports_an_active_alarm_once_and_ack_needs_allowAck()
    {
        await using var server = await NodeOpcUaAlarmsServer.StartAsync();
        await using var broker = await MosquittoServer.StartAsync();
        await using var influx = await InfluxDbServer.StartAsync();
        await influx.CreateDatabaseAsync("plant");
        var config = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(config, Config(server, broker, influx, allowAck: true));
        var readOnly = Path.Combine(_dir, "read-only.yaml");
        await File.WriteAllTextAsync(readOnly, Config(server, broker, influx, allowAck: false));

        var messages = new ConcurrentQueue<(string Topic, string Payload)>();
        using var subscriber = new MqttClientFactory().CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            messages.Enqueue((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload)));
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("alarms-e2e").Build());
        await subscriber.SubscribeAsync("factory/test/cnc-01/#");

        List<JsonElement> Events(string alarm) => messages.Where(m => m.Topic == "factory/test/cnc-01/events")
            .Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("value"))
            .Where(v => v.ValueKind == JsonValueKind.Object && v.TryGetProperty("conditionName", out var n) && n.GetString() == alarm)
            .ToList();

        var gateway = GatewayProcess.Start("run", "--config", config);
        try
        {
            await gateway.WaitForOutputAsync("Gateway alarms-e2e running", TimeSpan.FromSeconds(60));
            await WaitAsync(() => messages.Any(m => m.Topic.EndsWith("/active_alarms", StringComparison.Ordinal)), "the first active_alarms", gateway);

            await server.RunAsync("raise Alarm001 700 Spindle overload");
            await WaitAsync(() => Events("Alarm001").Count == 1, "Alarm001 on MQTT", gateway);
            await server.RunAsync("clear Alarm001");
            await WaitAsync(() => messages.Any(m => m.Topic == "factory/test/cnc-01/alarm_episode"), "the episode on MQTT", gateway);
            await server.RunAsync("raise Alarm002 500 Coolant low");
            await WaitAsync(() => Events("Alarm002").Count == 1, "Alarm002 on MQTT", gateway);
        }
        finally
        {
            gateway.Dispose();
        }

        // Every event and episode on MQTT matches its schema and says what the server raised.
        foreach (var (topic, payload) in messages.Where(m => m.Topic.EndsWith("/events", StringComparison.Ordinal)))
        {
            Assert.Empty(EventSchema.Problems(payload));
        }

        var episodePayload = Assert.Single(messages, m => m.Topic.EndsWith("/alarm_episode", StringComparison.Ordinal)).Payload;
        Assert.Empty(EpisodeSchema.Problems(episodePayload));
        var raised = Events("Alarm001")[0];
        Assert.Equal("Spindle overload", raised.GetProperty("message").GetString());
        Assert.Equal(700, raised.GetProperty("severity").GetInt32());
        Assert.True(raised.GetProperty("activeState").GetBoolean());
        Assert.Equal(1001, raised.GetProperty("fields").GetProperty($"{server.Namespace}:AlarmNumber").GetInt32());
        var cleared = Events("Alarm001")[1];
        Assert.False(cleared.GetProperty("activeState").GetBoolean());
        var episode = JsonDocument.Parse(episodePayload).RootElement.GetProperty("value");
        Assert.Equal("Alarm001", episode.GetProperty("alarm").GetString());
        Assert.Equal("1001", episode.GetProperty("number").GetString());
        Assert.Equal("Spindle overload", episode.GetProperty("text").GetString());
        var seconds = (cleared.GetProperty("time").GetDateTime() - raised.GetProperty("time").GetDateTime()).TotalSeconds;
        Assert.Equal(seconds, episode.GetProperty("durationSeconds").GetDouble(), 3);

        // InfluxDB: the same events (measurement events, tags machine/event_source/severity) and the episode's duration.
        var stored = await influx.SelectAsync("plant", "SELECT \"events\", \"severity\", \"event_source\" FROM \"events\" WHERE \"machine\" = 'cnc-01'");
        var storedAlarm001 = stored.Where(r => r.Values["events"].GetString()!.Contains("\"conditionName\":\"Alarm001\"", StringComparison.Ordinal)).ToList();
        Assert.Equal(Events("Alarm001").Count, storedAlarm001.Count);
        Assert.Contains(storedAlarm001, r => r.Values["severity"].GetString() == "700" && r.Values["events"].GetString()!.Contains("Spindle overload", StringComparison.Ordinal));
        // The documented query (docs/events.md): downtime per alarm on one machine.
        var perAlarm = await influx.SelectAsync("plant", "SELECT sum(\"alarm_duration_s\") AS seconds, count(\"alarm_duration_s\") AS episodes FROM \"alarm_episodes\" WHERE \"machine\" = 'cnc-01' AND time > now() - 8h GROUP BY \"alarm\"");
        var row = Assert.Single(perAlarm);
        Assert.Equal("Alarm001", row.Tags["alarm"]);
        Assert.Equal(seconds, row.Values["seconds"].GetDouble(), 3);
        Assert.Equal(1, row.Values["episodes"].GetInt64());

        // Restart while Alarm002 is active: ConditionRefresh reports it, once.
        var before = Events("Alarm002").Count;
        gateway = GatewayProcess.Start("run", "--config", config);
        try
        {
            await gateway.WaitForOutputAsync("Gateway alarms-e2e running", TimeSpan.FromSeconds(60));
            await WaitAsync(() => Events("Alarm002").Count > before, "Alarm002 after the restart", gateway);
            await server.RunAsync("event 1");
            await WaitAsync(() => messages.Any(m => m.Payload.Contains("burst 0", StringComparison.Ordinal)), "the marker event", gateway);
            var after = Events("Alarm002").Skip(before).ToList();
            var refreshed = Assert.Single(after);
            Assert.True(refreshed.GetProperty("refresh").GetBoolean());
            Assert.True(refreshed.GetProperty("activeState").GetBoolean());

            // `gateway ack`: refused for a read-only source, done with allowAck (the server records the comment).
            var conditionId = refreshed.GetProperty("conditionId").GetString()!;
            var eventId = refreshed.GetProperty("eventId").GetString()!;
            var (refusedExit, _, refusedError) = await CommandLineRunner.RunAsync("ack", "cnc", conditionId, eventId, "--comment", "checked", "--config", readOnly);
            Assert.Equal(ExitCodes.Usage, refusedExit);
            Assert.Contains("read-only", refusedError, StringComparison.Ordinal);
            Assert.Contains("allowAck: true", refusedError, StringComparison.Ordinal);
            Assert.DoesNotContain("acknowledged Alarm002", server.Output, StringComparison.Ordinal);

            var (exit, output, error) = await CommandLineRunner.RunAsync("ack", "cnc", conditionId, eventId, "--comment", "coolant refilled", "--config", config);
            Assert.True(exit == ExitCodes.Ok, error + output);
            await WaitAsync(() => server.Output.Contains("acknowledged Alarm002 coolant refilled", StringComparison.Ordinal), "the server's acknowledgement", gateway);
            await WaitAsync(() => Events("Alarm002").Any(e => e.GetProperty("ackedState").GetBoolean()), "the acknowledged state on MQTT", gateway);

            // The same EventId again: the server refuses, and the operator is told why.
            var (againExit, _, againError) = await CommandLineRunner.RunAsync("ack", "cnc", conditionId, eventId, "--comment", "twice", "--config", config);
            Assert.Equal(ExitCodes.ConnectionError, againExit);
            Assert.Contains("gateway ack:", againError, StringComparison.Ordinal);
        }
        finally
        {
            gateway.Dispose();
        }
    }

    private static async Task WaitAsync(Func<bool> condition, string what, RunningProgram gateway)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {Patience}: {what}\n{gateway.Output}");
            await Task.Delay(100);
        }
    }

    private static string Config(NodeOpcUaAlarmsServer server, MosquittoServer broker, InfluxDbServer influx, bool allowAck) => $$"""
        gateway:
          name: alarms-e2e
          labels: { site: test }
          dataDirectory: data
        sources:
          - name: cnc
            endpoint: {{server.EndpointUrl}}
            security: { mode: none }
            allowAck: {{(allowAck ? "true" : "false")}}
            machines:
              - name: cnc-01
                groups:
                  - name: alarms
                    mode: events
                    intervalMs: 100
                    fields: ["{{server.Namespace}}:AlarmNumber"]
        sinks:
          - type: mqtt
            name: broker
            host: 127.0.0.1
            port: {{broker.Port}}
            statusTopic: ""
          - type: influxdb
            name: history
            api: v1
            url: {{influx.Url}}
            database: plant
        http:
          enabled: false
        """;
}
