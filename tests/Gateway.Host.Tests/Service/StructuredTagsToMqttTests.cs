using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Gateway.Testing;
using MQTTnet;

namespace Gateway.Host.Tests.Service;

/// <summary>
/// Structured tags end to end: two node-opcua servers (tests/servers/opcua/structs-server.js) with custom structured
/// DataTypes, one describing them by DataTypeDefinition (1.04), one only by a 1.03 DataTypeDictionary; a `gateway
/// run` process reads both and publishes to mosquitto; what arrives is the decoded structure (`structure: json`), its
/// leaf fields (`structure: flatten`), or the kept part (`fields:`).
/// </summary>
public sealed class StructuredTagsToMqttTests : IDisposable
{
    private readonly string _data = RepositoryPaths.NewTempDirectory("structs");

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task Structures_arrive_in_mqtt_decoded_from_the_data_type_definition_and_from_a_1_03_dictionary()
    {
        var modernPort = FreePort.Next();
        var legacyPort = FreePort.Next();
        await using var modern = await StartServerAsync(modernPort, dictionaryOnly: false);
        await using var legacy = await StartServerAsync(legacyPort, dictionaryOnly: true);
        await using var broker = await MosquittoServer.StartAsync();
        var config = Path.Combine(_data, "gateway.yaml");
        File.WriteAllText(config, $$"""
            gateway:
              name: structs-test
              labels: { site: test }
              dataDirectory: {{_data}}
            templates:
              tools:
                groups:
                  - name: g
                    mode: poll
                    intervalMs: 500
                    tags:
                      - { name: tool, nodeId: "nsu=urn:gateway:structs;s=Tool1" }
                      - { name: tool2, nodeId: "nsu=urn:gateway:structs;s=Tool2", structure: flatten }
                      - { name: life, nodeId: "nsu=urn:gateway:structs;s=Tool1", structure: flatten, fields: [Life.Used, WearHistory] }
                      - { name: setpoint, nodeId: "nsu=urn:gateway:structs;s=Setpoint", structure: json }
                      - { name: raw, nodeId: "nsu=urn:gateway:structs;s=Tool2", structure: raw }
            sources:
              - name: modern
                endpoint: opc.tcp://127.0.0.1:{{modernPort}}
                security: { mode: none }
                machines:
                  - { name: lathe-1, template: tools }
              - name: legacy
                endpoint: opc.tcp://127.0.0.1:{{legacyPort}}
                security: { mode: none }
                machines:
                  - { name: lathe-2, template: tools }
            sinks:
              - type: mqtt
                name: mqtt
                host: 127.0.0.1
                port: {{broker.Port}}
            http:
              enabled: false
            """);

        using var subscriber = await LatestMqttMessages.SubscribeAsync(broker.Port, "structs-test");
        var messages = subscriber.ByTopic;
        using var gateway = GatewayProcess.Start("run", "--config", config);

        string[] expected =
        [
            "tool", "tool2.Number", "tool2.Name", "tool2.Life.Used", "tool2.Life.Limit", "tool2.WearHistory", "tool2.State",
            "life.Life.Used", "life.WearHistory", "setpoint", "raw",
        ];
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (DateTime.UtcNow < deadline && !expected.All(t => messages.ContainsKey(Topic("lathe-1", t)) && messages.ContainsKey(Topic("lathe-2", t))))
        {
            await Task.Delay(250);
        }

        foreach (var machine in new[] { "lathe-1", "lathe-2" })
        {
            var missing = expected.Where(t => !messages.ContainsKey(Topic(machine, t))).ToList();
            Assert.True(missing.Count == 0, $"{machine}: no message for {string.Join(", ", missing)}; got {string.Join(", ", messages.Keys.Order())}\n{gateway.Output}");

            // structure: json (the default): the whole structure, with the optional Comment present and the enum by name.
            var tool = Value(messages, machine, "tool");
            Assert.Equal(JsonValueKind.Object, tool.ValueKind);
            Assert.Equal(7u, tool.GetProperty("Number").GetUInt32());
            Assert.Equal("Drill 8 mm", tool.GetProperty("Name").GetString());
            Assert.Equal(90, tool.GetProperty("Life").GetProperty("Limit").GetDouble());
            Assert.True(tool.GetProperty("Life").GetProperty("Used").GetDouble() >= 12.5);
            Assert.Equal([0.1, 0.25, 0.5], tool.GetProperty("WearHistory").EnumerateArray().Select(e => e.GetDouble()));
            Assert.Equal("InUse", tool.GetProperty("State").GetString());
            Assert.Equal("re-ground", tool.GetProperty("Comment").GetString());

            // structure: flatten: one reading per leaf; the absent optional Comment is no reading; an empty array is one.
            Assert.Equal(8, Value(messages, machine, "tool2.Number").GetInt32());
            Assert.Equal("Mill 20 mm", Value(messages, machine, "tool2.Name").GetString());
            Assert.Equal(3, Value(messages, machine, "tool2.Life.Used").GetDouble());
            Assert.Equal(90, Value(messages, machine, "tool2.Life.Limit").GetDouble());
            Assert.Equal(0, Value(messages, machine, "tool2.WearHistory").GetArrayLength());
            Assert.Equal("Idle", Value(messages, machine, "tool2.State").GetString());
            Assert.DoesNotContain(messages.Keys, k => k == Topic(machine, "tool2.Comment"));

            // fields: keeps Life.Used and WearHistory, nothing else.
            Assert.Equal(["life.Life.Used", "life.WearHistory"], messages.Keys.Where(k => k.StartsWith($"factory/test/{machine}/life.", StringComparison.Ordinal)).Select(k => k[$"factory/test/{machine}/".Length..]).Order());
            Assert.Equal([0.1, 0.25, 0.5], Value(messages, machine, "life.WearHistory").EnumerateArray().Select(e => e.GetDouble()));

            // A union: the chosen field only.
            Assert.Equal("""{"Program":"O1234"}""", Value(messages, machine, "setpoint").GetRawText());

            // structure: raw keeps the type id and the body.
            using var raw = JsonDocument.Parse(Value(messages, machine, "raw").GetString()!);
            Assert.Equal("binary", raw.RootElement.GetProperty("encoding").GetString());
            Assert.StartsWith("ns=", raw.RootElement.GetProperty("typeId").GetString(), StringComparison.Ordinal);
        }

        // Neither source had to fall back to the raw form.
        Assert.DoesNotContain("cannot be decoded", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("did not decode", gateway.Output, StringComparison.Ordinal);
    }

    private static string Topic(string machine, string tag) => $"factory/test/{machine}/{tag}";

    private static JsonElement Value(ConcurrentDictionary<string, string> messages, string machine, string tag)
    {
        using var document = JsonDocument.Parse(messages[Topic(machine, tag)]);
        return document.RootElement.GetProperty("value").Clone();
    }

    private static Task<ServerProcess> StartServerAsync(int port, bool dictionaryOnly) => ServerProcess.StartAsync(
        dictionaryOnly ? "node-opcua structs server (dictionary only)" : "node-opcua structs server",
        "node",
        [RepositoryPaths.Combine("tests", "servers", "opcua", "structs-server.js"), "--port", port.ToString(CultureInfo.InvariantCulture), .. dictionaryOnly ? new[] { "--dictionary-only" } : []],
        port,
        startTimeout: TimeSpan.FromMinutes(4));
}
