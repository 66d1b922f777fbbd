using System.Text.Json.Nodes;

using Gateway.Core;
using Gateway.Testing;

namespace Gateway.Configuration.Tests;

/// <summary>The generated JSON Schema, the committed copy, and the shipped example files.</summary>
public sealed class SchemaAndExampleTests
{
    private static readonly string CommittedSchema = RepositoryPaths.Combine("config", "schema", "gateway.schema.json");

    [Fact]
    public void The_schema_is_draft_2020_12_and_follows_the_model_attributes()
    {
        var schema = JsonNode.Parse(JsonSchemaGenerator.Generate(FakeSinkPlugins.Registry()))!;

        Assert.Equal("https://json-schema.org/draft/2020-12/schema", (string?)schema["$schema"]);
        Assert.Equal(["gateway"], schema["required"]!.AsArray().Select(n => (string?)n));
        Assert.False((bool)schema["additionalProperties"]!);
        var source = schema["$defs"]!["source"]!["oneOf"]!.AsArray().Single(c => (string?)c!["title"] == "opcua")!;
        Assert.Equal("^opc\\.tcp://.+", (string?)source["properties"]!["endpoint"]!["pattern"]);
        var timeout = source["properties"]!["sessionTimeoutMs"]!["anyOf"]!;
        Assert.Equal(1000, (int)timeout[0]!["minimum"]!);
        Assert.Equal(3_600_000, (int)timeout[0]!["maximum"]!);
        Assert.Equal("string", (string?)timeout[1]!["type"]); // ${ENV} is allowed where a number goes
        Assert.Equal(["subscribe", "poll", "events"], schema["$defs"]!["opcuaTagGroup"]!["properties"]!["mode"]!["anyOf"]![0]!["enum"]!.AsArray().Select(n => (string?)n));
        Assert.True((bool)schema["$defs"]!["opcUaIdentityOptions"]!["properties"]!["password"]!["writeOnly"]!);
        Assert.Equal("#/$defs/sink", (string?)schema["properties"]!["sinks"]!["items"]!["$ref"]);
    }

    [Fact]
    public void Sink_entries_are_a_oneOf_keyed_by_the_type_const_with_each_plugins_options()
    {
        var sink = JsonNode.Parse(JsonSchemaGenerator.Generate(FakeSinkPlugins.Registry()))!["$defs"]!["sink"]!;

        var choices = sink["oneOf"]!.AsArray();
        Assert.Equal(["influxdb", "mqtt"], choices.Select(c => (string?)c!["properties"]!["type"]!["const"]));
        var influx = choices[0]!;
        Assert.Equal(["type", "name", "url"], influx["required"]!.AsArray().Select(n => (string?)n));
        Assert.NotNull(influx["properties"]!["token"]);
        Assert.Null(influx["properties"]!["qos"]);
        Assert.Equal(2, (int)choices[1]!["properties"]!["qos"]!["anyOf"]![0]!["maximum"]!);
        Assert.False((bool)choices[1]!["additionalProperties"]!);
    }

    [Fact]
    public void The_committed_schema_matches_the_generator_apart_from_the_registered_sinks()
    {
        // The host regenerates the file with the real sink plugins (which this project cannot reference);
        // everything else must be exactly what the generator makes from the model today.
        // Set GATEWAY_WRITE_GENERATED=1 to rewrite it (with no sink plugins) after changing the model.
        if (Environment.GetEnvironmentVariable("GATEWAY_WRITE_GENERATED") == "1")
        {
            JsonSchemaGenerator.WriteIfChanged(CommittedSchema, FakeSinkPlugins.SourcesOnly());
        }

        var committed = JsonNode.Parse(File.ReadAllText(CommittedSchema))!.AsObject();
        var generated = JsonNode.Parse(JsonSchemaGenerator.Generate(FakeSinkPlugins.SourcesOnly()))!.AsObject();
        committed["$defs"]!.AsObject().Remove("sink");
        generated["$defs"]!.AsObject().Remove("sink");

        // Types that only a sink plugin's options use (the MQTT sink's `users` items) have $defs of their own; the
        // host's schema test compares those with the real plugins.
        foreach (var pluginOnly in committed["$defs"]!.AsObject().Select(d => d.Key).Where(k => !generated["$defs"]!.AsObject().ContainsKey(k)).ToList())
        {
            committed["$defs"]!.AsObject().Remove(pluginOnly);
        }

        Assert.True(JsonNode.DeepEquals(generated, committed), "config/schema/gateway.schema.json is stale: run the tests once with GATEWAY_WRITE_GENERATED=1 (or the host's schema command)");
    }

    [Fact]
    public void The_key_reference_in_docs_matches_the_model()
    {
        var docs = RepositoryPaths.Combine("docs", "configuration.md");
        var text = File.ReadAllText(docs);
        var begin = text.IndexOf(KeyReference.BeginMarker, StringComparison.Ordinal) + KeyReference.BeginMarker.Length;
        var end = text.IndexOf(KeyReference.EndMarker, StringComparison.Ordinal);
        var generated = "\n" + KeyReference.Generate(FakeSinkPlugins.SourcesOnly());
        if (Environment.GetEnvironmentVariable("GATEWAY_WRITE_GENERATED") == "1" && text[begin..end] != generated)
        {
            File.WriteAllText(docs, text[..begin] + generated + text[end..]);
            text = File.ReadAllText(docs);
            end = text.IndexOf(KeyReference.EndMarker, StringComparison.Ordinal);
        }

        Assert.Equal(generated, text[begin..end]);
        Assert.Contains("| `endpoint` | string |  | The server's endpoint URL", generated, StringComparison.Ordinal);
        Assert.Contains("| `maxAgeHours` | integer | `168` |", generated, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fanuc-line.yaml", "4 sources, 4 machines, 41 tags, 1 sink")]
    [InlineData("siemens-s7-1500-cell.yaml", "1 source, 1 machine, 10 tags, 2 sinks")]
    [InlineData("mixed-shop.yaml", "3 sources, 15 machines, 176 tags, 2 sinks")]
    [InlineData("oee-machine-tools.yaml", "3 sources, 3 machines, 16 tags, 1 sink")]
    [InlineData("melsec-q-press-line.yaml", "2 sources, 2 machines, 14 tags, 1 sink")]
    [InlineData("melsec-iqr-cell.yaml", "1 source, 1 machine, 9 tags, 1 sink")]
    [InlineData("melsec-fx5u-conveyor.yaml", "1 source, 1 machine, 6 tags, 1 sink")]
    [InlineData("modbus-ls-xgt.yaml", "1 source, 1 machine, 12 tags, 1 sink")]
    [InlineData("modbus-power-meter.yaml", "2 sources, 2 machines, 18 tags, 1 sink")]
    [InlineData("modbus-rtu-temperature-line.yaml", "1 source, 3 machines, 15 tags, 1 sink")]
    public void Each_example_loads_without_errors(string file, string summary)
    {
        var path = RepositoryPaths.Combine("config", "examples", file);
        var environment = new Dictionary<string, string> { ["S7_PASSWORD"] = "example" };

        var result = ConfigurationLoader.Load(path, FakeSinkPlugins.Registry(), n => environment.GetValueOrDefault(n));

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(summary, ConfigurationSummary.Describe(result));
    }
}
