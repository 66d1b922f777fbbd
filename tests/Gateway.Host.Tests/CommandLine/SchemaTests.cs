using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.Testing;

namespace Gateway.Host.Tests.CommandLine;

public class SchemaTests
{
    [Fact]
    public void The_committed_JSON_Schema_matches_the_model_and_every_registered_sink()
    {
        var path = RepositoryPaths.Combine("config", "schema", "gateway.schema.json");
        var registry = GatewayPlugins.Create();
        // Set GATEWAY_WRITE_GENERATED=1 to rewrite the file after changing the model or a sink's options.
        if (Environment.GetEnvironmentVariable("GATEWAY_WRITE_GENERATED") == "1")
        {
            JsonSchemaGenerator.WriteIfChanged(path, registry);
        }

        var generated = JsonNode.Parse(JsonSchemaGenerator.Generate(registry));
        var committed = JsonNode.Parse(File.ReadAllText(path));
        Assert.True(
            JsonNode.DeepEquals(generated, committed),
            "config/schema/gateway.schema.json is stale: run `GATEWAY_WRITE_GENERATED=1 dotnet test tests/Gateway.Host.Tests` and commit it.");
        foreach (var plugin in registry.Sources.Plugins.Cast<Gateway.Core.IPlugin>().Concat(registry.Sinks.Plugins))
        {
            Assert.Contains($"\"{plugin.Type}\"", committed!.ToJsonString(), StringComparison.Ordinal);
        }
    }
}
