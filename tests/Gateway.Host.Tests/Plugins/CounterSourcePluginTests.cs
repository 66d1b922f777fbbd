using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

using Gateway.Configuration;
using Gateway.Core;
using Gateway.Host.CommandLine;
using Gateway.Host.Service;
using Gateway.Testing;
using MQTTnet;

namespace Gateway.Host.Tests.Plugins;

/// <summary>
/// The source seam, proven with a source type defined only in this project (<see cref="CounterSourcePlugin"/>) and
/// registered with one line on top of the shipped plugins: its keys are validated at their lines, it is in the JSON
/// Schema under its type, and a real in-process gateway runs it, delivers its readings to the MQTT sink (embedded
/// broker) and shows it in /status and /metrics.
/// </summary>
public sealed class CounterSourcePluginTests : IDisposable
{
    private readonly string _dir = RepositoryPaths.NewTempDirectory("counter-plugin");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The one registration line a new source type needs.</summary>
    private static PluginCatalog Plugins() => GatewayPlugins.Create().Add(new CounterSourcePlugin());

    private static string Config(string source, string group = "", string tag = "register: R1", string sink = "", string top = "") => $"""
        gateway:
          name: plugin-test
          labels:
            site: lab
          dataDirectory: data
        sources:
          - name: bench
            type: counter
        {source}
            machines:
              - name: bench-1
                groups:
                  - name: fast
                    intervalMs: 100
        {group}
                    tags:
                      - name: a
                        {tag}
                      - name: b
                        register: R2
        sinks:
          - type: mqtt
            name: mqtt
            embedded: true
        {sink}
        {top}
        """;

    private ConfigurationResult Load(string yaml)
    {
        var path = Path.Combine(_dir, "gateway.yaml");
        File.WriteAllText(path, yaml);
        return ConfigurationLoader.Load(path, Plugins());
    }

    [Fact]
    public void Its_keys_are_bound_and_checked_at_their_lines_like_the_shipped_types()
    {
        var path = Path.Combine(_dir, "gateway.yaml");
        var result = Load(Config("    device: bench-1\n    step: 0", group: "            burts: 2", tag: "register: X{machine}"));

        Assert.Equal(
            [
                $"{path}:10:11: sources[0].step: 0 is out of range; allowed 1 to 1000",
                $"{path}:16:13: unknown key 'burts' in sources[0].machines[0].groups[0]; did you mean 'burst'?",
                $"{path}:19:27: register 'Xbench-1' of tag 'a' is not R followed by a number, e.g. R12",
            ],
            result.Errors.Select(e => e.ToString()));

        // The plugin's own check (Validate) is located at the key it names.
        var start = Load(Config("    device: bench-1\n    start: -5"));
        Assert.Equal($"{path}:10:12: sources[0] (bench).start: a counter starts at 0 or above, not -5", Assert.Single(start.Errors).ToString());

        // A required key of the plugin's options is missing like any other.
        var device = Load(Config("    step: 2"));
        Assert.Equal($"{path}:7:5: missing required key 'device' in sources[0]", Assert.Single(device.Errors).ToString());
    }

    [Fact]
    public void A_valid_file_gives_its_connector_typed_options_and_addresses_with_placeholders_substituted()
    {
        var result = Load(Config("    device: bench-1\n    step: 5", group: "            burst: 3", tag: "register: R{ordinal}", top: "") .Replace("      - name: bench-1\n", "      - name: bench-1\n        variables: {ordinal: '7'}\n", StringComparison.Ordinal));

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var source = Assert.Single(result.Config!.Sources);
        Assert.Equal(5, ((CounterSourceOptions)source.Options!).Step);
        Assert.Equal("counter://bench-1", source.Endpoint);
        var tag = result.Tags.Single(t => t.Tag == "a").ToSourceTag();
        Assert.Equal("R7", ((CounterTagAddress)tag.Address).Register);
        Assert.Equal(3, ((CounterGroupOptions)tag.GroupOptions).Burst);
        Assert.Equal(TimeSpan.FromMilliseconds(100), tag.Interval);
    }

    [Fact]
    public void It_appears_in_the_generated_schema_under_its_type_with_its_own_group_and_tag_keys()
    {
        var schema = JsonNode.Parse(JsonSchemaGenerator.Generate(Plugins()))!["$defs"]!;

        var choices = schema["source"]!["oneOf"]!.AsArray();
        Assert.Equal(["counter", "melsec", "modbus", "opcua"], choices.Select(c => (string?)c!["title"]));
        var counter = choices[0]!;
        Assert.Equal("counter", (string?)counter["properties"]!["type"]!["const"]);
        Assert.Equal(["type", "name", "machines", "device"], counter["required"]!.AsArray().Select(n => (string?)n));
        Assert.Equal(1000, (int)counter["properties"]!["step"]!["anyOf"]![0]!["maximum"]!);
        Assert.Null(counter["properties"]!["endpoint"]);
        Assert.Equal("#/$defs/counterMachine", (string?)counter["properties"]!["machines"]!["items"]!["$ref"]);
        Assert.NotNull(schema["counterTagGroup"]!["properties"]!["burst"]);
        Assert.Null(schema["counterTagGroup"]!["properties"]!["queueSize"]);
        Assert.Equal(["name", "register"], schema["counterTag"]!["required"]!.AsArray().Select(n => (string?)n));
        Assert.Null(schema["opcuaTag"]!["properties"]!["register"]);
    }

    [Fact]
    public async Task A_real_gateway_runs_it_its_readings_reach_the_mqtt_sink_and_status_and_metrics_show_it()
    {
        var mqttPort = FreePort.Next();
        var httpPort = FreePort.Next();
        var path = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(path, Config(
            "    device: bench-1\n    start: 100\n    step: 5",
            group: "            burst: 2",
            sink: $"    port: {mqttPort}\n    topic: counter/{{machine}}/{{tag}}",
            top: $"http:\n  listen: 127.0.0.1:{httpPort}"));
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = GatewayHost.RunAsync(path, Plugins(), output, error, stop.Token);
        try
        {
            var values = new ConcurrentDictionary<string, ConcurrentQueue<long>>(StringComparer.Ordinal);
            using var subscriber = new MqttClientFactory().CreateMqttClient();
            subscriber.ApplicationMessageReceivedAsync += e =>
            {
                var value = JsonDocument.Parse(e.ApplicationMessage.ConvertPayloadToString()).RootElement.GetProperty("value").GetInt64();
                values.GetOrAdd(e.ApplicationMessage.Topic, _ => new()).Enqueue(value);
                return Task.CompletedTask;
            };
            await ConnectWhenReadyAsync(subscriber, mqttPort, "counter-plugin-test", run, error);
            await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("counter/#").Build());
            await WaitUntilAsync(() => Task.FromResult(values.TryGetValue("counter/bench-1/a", out var a) && a.Count >= 6 && values.ContainsKey("counter/bench-1/b")), TimeSpan.FromSeconds(60), "six readings of tag a and one of b over MQTT");

            // Each register counts from 100 in steps of 5; a subscriber that joined late sees a later, unbroken run.
            var a = values["counter/bench-1/a"].ToList();
            Assert.All(a, v => Assert.True(v >= 100 && (v - 100) % 5 == 0, $"{v} is not 100 + 5n: {string.Join(", ", a)}"));
            Assert.All(a.Zip(a.Skip(1)), p => Assert.Equal(p.First + 5, p.Second));

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
            var status = JsonDocument.Parse(await http.GetStringAsync(new Uri("/status", UriKind.Relative))).RootElement;
            var source = status.GetProperty("sources").EnumerateArray().Single();
            Assert.Equal("bench", source.GetProperty("name").GetString());
            Assert.Equal("counter://bench-1", source.GetProperty("endpoint").GetString());
            Assert.Equal("Connected", source.GetProperty("state").GetString());
            Assert.True(source.GetProperty("lastReadingPerMachine").GetProperty("bench-1").ValueKind == JsonValueKind.String, source.ToString());

            var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Matches("gateway_source_connected\\{[^}]*source=\"bench\"[^}]*\\} 1", metrics);
            var readingsIn = Regex.Match(metrics, "gateway_readings_in_total\\{[^}]*source=\"bench\"[^}]*\\} (\\d+)");
            Assert.True(readingsIn.Success && long.Parse(readingsIn.Groups[1].Value, CultureInfo.InvariantCulture) >= 12, metrics);
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task A_connector_that_throws_is_started_again_as_a_fresh_instance_and_its_readings_resume()
    {
        var mqttPort = FreePort.Next();
        var httpPort = FreePort.Next();
        var path = Path.Combine(_dir, "gateway.yaml");
        // Each instance counts 100, 105, 110 and then throws: a value of 100 seen again is a new instance's first.
        await File.WriteAllTextAsync(path, Config(
            "    device: bench-1\n    start: 100\n    step: 5\n    crashAfter: 3",
            sink: $"    port: {mqttPort}\n    topic: counter/{{machine}}/{{tag}}",
            top: $"http:\n  listen: 127.0.0.1:{httpPort}"));
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = GatewayHost.RunAsync(path, Plugins(), output, error, stop.Token);
        try
        {
            var values = new ConcurrentQueue<long>();
            using var subscriber = new MqttClientFactory().CreateMqttClient();
            subscriber.ApplicationMessageReceivedAsync += e =>
            {
                values.Enqueue(JsonDocument.Parse(e.ApplicationMessage.ConvertPayloadToString()).RootElement.GetProperty("value").GetInt64());
                return Task.CompletedTask;
            };
            await ConnectWhenReadyAsync(subscriber, mqttPort, "counter-crash-test", run, error);
            // Retained last values are not used here: every value comes from a run that started after subscribing.
            await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("counter/bench-1/a").Build());
            await WaitUntilAsync(() => Task.FromResult(values.Count(v => v == 100) >= 2), TimeSpan.FromSeconds(90), "two instances' first readings (100) of tag a");

            // Every instance counts from the start again, in steps of 5, never past its crash.
            Assert.All(values, v => Assert.Contains(v, new long[] { 100, 105, 110 }));
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
            var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            var restarts = Regex.Match(metrics, "gateway_source_restarts_total\\{[^}]*source=\"bench\"[^}]*\\} (\\d+)");
            Assert.True(restarts.Success && long.Parse(restarts.Groups[1].Value, CultureInfo.InvariantCulture) >= 1, metrics);
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    /// <summary>Connects the subscriber once the gateway's embedded broker accepts it (failing at once if the gateway stopped).</summary>
    private static Task ConnectWhenReadyAsync(IMqttClient subscriber, int mqttPort, string clientId, Task<int> run, StringWriter error) =>
        WaitUntilAsync(
            async () =>
            {
                Assert.False(run.IsCompleted, $"the gateway stopped: {error}");
                try
                {
                    await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mqttPort).WithClientId(clientId).Build());
                    return true;
                }
                catch (MQTTnet.Exceptions.MqttCommunicationException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60),
            "the embedded broker accepting a subscriber");

    /// <summary>Waits for a condition with a generous timeout (a loaded machine), never for a fixed time.</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}
