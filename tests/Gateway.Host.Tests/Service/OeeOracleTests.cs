using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

using Gateway.Simulator;
using Gateway.Testing;

using MQTTnet;

namespace Gateway.Host.Tests.Service;

/// <summary>
/// Machine state and OEE end to end: the built-in simulator (in this process, recording its schedule) at a high time
/// scale, a real `gateway` process reading it over OPC UA with a shift of 20 s, and the embedded MQTT broker. The state
/// changes, counts and shift figures the gateway publishes must equal what a test oracle computes from the simulator's
/// own schedule of what each machine did: exact for counts and state times (the records carry the same source
/// timestamps the simulator stamped its values with), and the ISO 22400 factors from those.
/// </summary>
public sealed class OeeOracleTests : IDisposable
{
    private const double TimeScale = 40;

    // Ideal cycle times in wall-clock seconds (the simulated ones divided by the time scale).
    private static readonly Dictionary<string, double> IdealSeconds = new()
    {
        ["cnc"] = 45 / TimeScale,
        ["press"] = 5.5 / TimeScale,
        ["mould"] = 28 / TimeScale,
    };

    private readonly string _data = RepositoryPaths.NewTempDirectory("oee-oracle");

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task State_changes_counts_and_shift_oee_equal_the_oracle_from_the_simulators_schedule()
    {
        await using var simulator = await StartRecordingSimulatorAsync(seed: 23);
        var (shiftStart, shiftEnd) = ShiftFromNow(TimeSpan.FromSeconds(20));
        var mqttPort = FreePort.Next();
        var config = Path.Combine(_data, "gateway.yaml");
        File.WriteAllText(config, Yaml(simulator.EndpointUrl, mqttPort, shiftStart, shiftEnd));

        var messages = new ConcurrentQueue<(DateTime Received, string Topic, string Payload)>();
        using var gateway = GatewayProcess.Start("run", "--config", config);
        await gateway.WaitForOutputAsync("Gateway oee-test running", TimeSpan.FromSeconds(60));
        using var subscriber = new MqttClientFactory().CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            messages.Enqueue((DateTime.UtcNow, e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString()));
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mqttPort).WithClientId("oee-oracle-test").Build());
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("factory/#").Build());

        string[] machines = ["cnc-01", "cnc-02", "press-01", "mould-01"];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        Dictionary<string, JsonElement> finals = [];
        while (DateTime.UtcNow < deadline)
        {
            finals = Records(messages, "oee_record").Where(r => r.GetProperty("final").GetBoolean())
                .GroupBy(r => r.GetProperty("machine").GetString()!).ToDictionary(g => g.Key, g => g.Last());
            if (machines.All(finals.ContainsKey))
            {
                break;
            }

            await Task.Delay(250);
        }

        Assert.True(machines.All(finals.ContainsKey), $"final shift records of {string.Join(",", finals.Keys)} only\n{gateway.Output}");
        var firstReading = messages.Where(m => m.Topic.EndsWith("/execution", StringComparison.Ordinal)).Select(m => m.Received).DefaultIfEmpty(DateTime.MaxValue).Min();
        Assert.True(firstReading < shiftStart, $"the gateway read nothing before the shift started ({firstReading:o} >= {shiftStart:o}); the box is too loaded for this test's timing\n{gateway.Output}");

        var schedule = simulator.Schedule!.Steps;
        var segments = Records(messages, "state_record").ToList();

        // Every record has the keys its documented JSON Schema (docs/schemas) requires, and no other.
        AssertFollowsSchema(segments, "machine_state_record");
        AssertFollowsSchema(Records(messages, "oee_record"), "oee_record");
        AssertFollowsSchema(Records(messages, "downtime_record"), "downtime_record");
        var machinesWithChanges = 0;
        foreach (var machine in machines)
        {
            var kind = machine[..machine.IndexOf('-', StringComparison.Ordinal)];
            var oracle = ShiftOracle.Compute(schedule, machine, shiftStart, shiftEnd, IdealSeconds[kind]);
            var final = finals[machine];

            Assert.Equal(oracle.Total, final.GetProperty("totalCount").GetInt64());
            Assert.Equal(oracle.Good, final.GetProperty("goodCount").GetInt64());
            Assert.Equal(oracle.Reject, final.GetProperty("rejectCount").GetInt64());
            var stateSeconds = final.GetProperty("stateSeconds");
            foreach (var state in new[] { "running", "idle", "alarm", "plannedStop", "offline", "unknown", "setup" })
            {
                Assert.True(
                    Math.Abs(oracle.Seconds.GetValueOrDefault(state) - stateSeconds.GetProperty(state).GetDouble()) < 0.002,
                    $"{machine} {state}: oracle {oracle.Seconds.GetValueOrDefault(state)} s, gateway {stateSeconds.GetProperty(state).GetDouble()} s");
            }

            // ISO 22400 from the oracle's figures (offline is not downtime; planned stops are not planned busy time).
            var busy = oracle.Seconds.Values.Sum() - oracle.Seconds.GetValueOrDefault("plannedStop");
            var run = oracle.Seconds.GetValueOrDefault("running");
            AssertRatio(run / busy, final, "availability", machine);
            if (oracle.Total > 0)
            {
                AssertRatio(oracle.IdealSeconds / run, final, "performance", machine);
                AssertRatio((double)oracle.Good / oracle.Total, final, "quality", machine);
                AssertRatio(run / busy * (oracle.IdealSeconds / run) * ((double)oracle.Good / oracle.Total), final, "oee", machine);
            }

            // Every state that began and ended inside the shift is a record with the schedule's start and end.
            var reported = segments
                .Where(s => s.GetProperty("machine").GetString() == machine)
                .Select(s => (State: s.GetProperty("state").GetString()!, Start: s.GetProperty("start").GetString()!, End: s.GetProperty("end").GetString()!))
                .Where(s => Parse(s.Start) > shiftStart && Parse(s.End) < shiftEnd)
                .ToList();
            var expected = oracle.Segments.Where(s => s.Start > shiftStart && s.End < shiftEnd).Select(s => (s.State, Iso(s.Start), Iso(s.End))).ToList();
            // A machine that did not change state inside the shift (a slow mould on a loaded box) must have no record either.
            machinesWithChanges += expected.Count > 0 ? 1 : 0;
            if (!expected.SequenceEqual(reported))
            {
                // Say what the gateway read around the first difference (which tag, which timestamp).
                var at = expected.Zip(reported).FirstOrDefault(p => p.First != p.Second).First.Item2
                    ?? (expected.Count > reported.Count ? expected[reported.Count].Item2 : reported[expected.Count].Start);
                var around = Parse(at);
                var raw = messages.Where(m => m.Topic.Contains("/" + machine + "/", StringComparison.Ordinal) && !m.Topic.EndsWith("_record", StringComparison.Ordinal))
                    .Select(m => (m.Topic, Root: JsonDocument.Parse(m.Payload).RootElement))
                    .Where(m => m.Root.TryGetProperty("timestamp", out var ts) && Math.Abs((Parse(ts.GetString()!) - around).TotalSeconds) < 1)
                    .Select(m => $"{m.Topic} {m.Root}");
                Assert.Fail($"{machine}: expected {string.Join(" ", expected)}\nreported {string.Join(" ", reported)}\nreadings near {at}:\n{string.Join("\n", raw)}");
            }
        }

        // The state records were compared for real: the CNCs and the press change state many times in a shift.
        Assert.True(machinesWithChanges >= 2, $"only {machinesWithChanges} machine(s) changed state inside the shift; raise the time scale");
    }

    [Fact]
    public async Task A_kill_9_mid_shift_resumes_the_figures_counts_every_part_once_and_the_gap_is_offline()
    {
        await using var simulator = await StartRecordingSimulatorAsync(seed: 5);
        // Killed 8 s in, the restart has the rest of the shift, less 3 s, to come back: room for a busy machine.
        var (shiftStart, shiftEnd) = ShiftFromNow(TimeSpan.FromSeconds(45));
        var mqttPort = FreePort.Next();
        var config = Path.Combine(_data, "gateway.yaml");
        File.WriteAllText(config, Yaml(simulator.EndpointUrl, mqttPort, shiftStart, shiftEnd));

        DateTime killedAt;
        using (var first = GatewayProcess.Start("run", "--config", config))
        {
            await first.WaitForOutputAsync("Gateway oee-test running", TimeSpan.FromSeconds(60));
            while (DateTime.UtcNow < shiftStart.AddSeconds(8))
            {
                await Task.Delay(100);
            }

            RunningProgram.Signal(first.Id, "KILL");
            killedAt = DateTime.UtcNow;
            await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.True(File.Exists(Path.Combine(_data, "machine-state.json")), "no state file after the kill");
        var messages = new ConcurrentQueue<(DateTime Received, string Topic, string Payload)>();
        using var second = GatewayProcess.Start("run", "--config", config);
        await second.WaitForOutputAsync("Gateway oee-test running", TimeSpan.FromSeconds(60));
        Assert.Contains("OEE: resumed 4 machine(s)", second.Output, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow < shiftEnd.AddSeconds(-3), $"the restart took until {DateTime.UtcNow:o}, past the shift's end {shiftEnd:o}; the box is too loaded for this test");
        using var subscriber = new MqttClientFactory().CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            messages.Enqueue((DateTime.UtcNow, e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString()));
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mqttPort).WithClientId("oee-kill-test").Build());
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("factory/#").Build());

        string[] machines = ["cnc-01", "cnc-02", "press-01", "mould-01"];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        Dictionary<string, JsonElement> finals = [];
        while (DateTime.UtcNow < deadline && !machines.All(finals.ContainsKey))
        {
            await Task.Delay(250);
            finals = Records(messages, "oee_record").Where(r => r.GetProperty("final").GetBoolean())
                .GroupBy(r => r.GetProperty("machine").GetString()!).ToDictionary(g => g.Key, g => g.Last());
        }

        Assert.True(machines.All(finals.ContainsKey), $"final shift records of {string.Join(",", finals.Keys)} only\n{second.Output}");
        var schedule = simulator.Schedule!.Steps;
        foreach (var machine in machines)
        {
            var kind = machine[..machine.IndexOf('-', StringComparison.Ordinal)];
            var oracle = ShiftOracle.Compute(schedule, machine, shiftStart, shiftEnd, IdealSeconds[kind]);
            var final = finals[machine];

            // Every part once: the parts read before the kill, those made while the gateway was down, and after.
            Assert.Equal(oracle.Total, final.GetProperty("totalCount").GetInt64());
            Assert.Equal(oracle.Good, final.GetProperty("goodCount").GetInt64());
            Assert.Equal(oracle.Reject, final.GetProperty("rejectCount").GetInt64());

            // The whole shift is accounted (nothing lost before the kill), and the gap is offline, not downtime.
            var seconds = final.GetProperty("stateSeconds").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
            Assert.True(Math.Abs(seconds.Values.Sum() - (shiftEnd - shiftStart).TotalSeconds) < 0.01, $"{machine}: {string.Join(", ", seconds)}");
            Assert.True(seconds["offline"] > 0.5, $"{machine}: the gap is not offline: {string.Join(", ", seconds)}");
            Assert.True(seconds["offline"] < (shiftEnd - killedAt).TotalSeconds, $"{machine}: offline longer than the gap: {string.Join(", ", seconds)}");
            var busy = seconds.Values.Sum() - seconds["plannedStop"] - seconds["offline"] - seconds["unknown"];
            AssertRatio(seconds["running"] / busy, final, "availability", machine, tolerance: 1e-4); // from seconds rounded to ms
        }
    }

    private static void AssertFollowsSchema(IEnumerable<JsonElement> records, string name)
    {
        var schema = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Combine("docs", "schemas", name + ".schema.json"))).RootElement;
        var required = schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()!).ToHashSet();
        var allowed = schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
        var list = records.ToList();
        Assert.NotEmpty(list);
        foreach (var record in list)
        {
            var keys = record.EnumerateObject().Select(p => p.Name).ToHashSet();
            Assert.True(required.IsSubsetOf(keys), $"{name}: {record} lacks {string.Join(",", required.Except(keys))}");
            Assert.True(keys.IsSubsetOf(allowed), $"{name}: {record} has undocumented {string.Join(",", keys.Except(allowed))}");
        }
    }

    private static void AssertRatio(double expected, JsonElement record, string name, string machine, double tolerance = 2e-6)
    {
        var actual = record.GetProperty(name).GetDouble();
        Assert.True(Math.Abs(expected - actual) < tolerance, $"{machine} {name}: oracle {expected}, gateway {actual}");
    }

    private static IEnumerable<JsonElement> Records(IEnumerable<(DateTime Received, string Topic, string Payload)> messages, string tag) =>
        messages.Where(m => m.Topic.EndsWith("/" + tag, StringComparison.Ordinal))
            .Select(m => JsonDocument.Parse(JsonDocument.Parse(m.Payload).RootElement.GetProperty("value").GetString()!).RootElement);

    private static DateTime Parse(string iso) => DateTime.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    private static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The four-machine shop at <see cref="TimeScale"/>, recording the schedule the oracle reads.</summary>
    private static Task<SimulatorServer> StartRecordingSimulatorAsync(int seed) => SimulatorServer.StartAsync(new SimulatorOptions
    {
        Port = 0,
        Machines = 4,
        RateMs = 250,
        TimeScale = TimeScale,
        Seed = seed,
        RecordSchedule = true,
    });

    /// <summary>A shift on whole seconds that starts 20 s from now, once the gateway surely reads (the zone is UTC: local = UTC).</summary>
    private static (DateTime Start, DateTime End) ShiftFromNow(TimeSpan length)
    {
        var now = DateTime.UtcNow;
        // 40 s ahead: the gateway must start, connect and read before the shift does, also on a busy CI machine.
        var start = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, DateTimeKind.Utc).AddSeconds(40);
        return (start, start + length);
    }

    private string Yaml(string endpoint, int mqttPort, DateTime shiftStart, DateTime shiftEnd)
    {
        const string Ns = "nsu=urn:changwon-gateway:simulator;s={machine}";
        string Tag(string name, string path) => $"          - {{ name: {name}, nodeId: \"{Ns}/{path}\" }}\n";
        string Group(params (string Name, string Path)[] tags) =>
            "    groups:\n      - name: fast\n        mode: subscribe\n        intervalMs: 100\n        tags:\n" + string.Concat(tags.Select(t => Tag(t.Name, t.Path)));
        const string Execution = "      executionTag: execution\n      executionStates: { RUNNING: running, IDLE: idle, ALARM: alarm, STOPPED: plannedStop }\n";
        var ideal = (string kind) => IdealSeconds[kind].ToString("R", CultureInfo.InvariantCulture);
        return $$"""
            gateway:
              name: oee-test
              labels: { site: test }
              dataDirectory: {{_data}}
            templates:
              cnc:
            {{Group(("execution", "Status/Execution"), ("part_count", "Program/PartCount"), ("alarm_number", "Alarm/Number"), ("alarm_text", "Alarm/Text"), ("x", "Axes/X/Position"))}}
              press:
            {{Group(("execution", "Status/Execution"), ("parts_good", "Parts/Good"), ("parts_reject", "Parts/Reject"), ("oil_temperature", "Hydraulic/OilTemperature"))}}
              mould:
            {{Group(("execution", "Status/Execution"), ("parts_good", "Parts/Good"), ("parts_reject", "Parts/Reject"), ("mould_temperature", "Mould/Temperature"))}}
            sources:
              - name: simulator
                endpoint: {{endpoint}}
                security: { mode: none }
                machines:
                  - { name: cnc-01, template: cnc }
                  - { name: cnc-02, template: cnc }
                  - { name: press-01, template: press }
                  - { name: mould-01, template: mould }
            oee:
              timeZone: Etc/UTC
              intervalSeconds: 1
              offlineAfterSeconds: 3
              checkpointSeconds: 1
              calendar:
                shifts:
                  - { name: test, start: "{{shiftStart:HH:mm:ss}}", end: "{{shiftEnd:HH:mm:ss}}" }
              templates:
                cnc:
            {{Execution}}      alarmTag: alarm_number
                  alarmTextTag: alarm_text
                  partCountTag: part_count
                  idealCycleSeconds: {{ideal("cnc")}}
                press:
            {{Execution}}      goodCountTag: parts_good
                  rejectCountTag: parts_reject
                  idealCycleSeconds: {{ideal("press")}}
                mould:
            {{Execution}}      goodCountTag: parts_good
                  rejectCountTag: parts_reject
                  idealCycleSeconds: {{ideal("mould")}}
            sinks:
              - type: mqtt
                name: mqtt
                embedded: true
                port: {{mqttPort}}
            http:
              enabled: false
            """;
    }
}
