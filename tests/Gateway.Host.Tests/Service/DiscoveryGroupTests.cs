using System.Collections.Concurrent;
using Gateway.Simulator;
using Gateway.Testing;
using MQTTnet;

namespace Gateway.Host.Tests.Service;

/// <summary>
/// A `discover:` group that lists no tags, through the whole service: the configuration accepts it, the runtime hands
/// the tagless group to the OPC UA source, and the tags the source finds on the simulator's OPC 40501 machine tool
/// reach mosquitto.
/// </summary>
public sealed class DiscoveryGroupTests : IDisposable
{
    private readonly string _data = RepositoryPaths.NewTempDirectory("discover");

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task A_discover_group_without_tags_publishes_what_it_finds()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, Machines = 1, MachineTool = true });
        await using var broker = await MosquittoServer.StartAsync();
        var config = Path.Combine(_data, "gateway.yaml");
        File.WriteAllText(config, $$"""
            gateway:
              name: discover-test
              labels: { site: test }
              dataDirectory: {{_data}}
            sources:
              - name: umati
                endpoint: {{simulator.EndpointUrl}}
                security: { mode: none }
                machines:
                  - name: mill
                    groups:
                      - name: model
                        intervalMs: 500
                        discover: { model: machinetool }
            sinks:
              - type: mqtt
                name: mqtt
                host: 127.0.0.1
                port: {{broker.Port}}
            http:
              enabled: false
            """);

        using var subscriber = await LatestMqttMessages.SubscribeAsync(broker.Port, "discover-test");
        var topics = subscriber.ByTopic;
        using var gateway = GatewayProcess.Start("run", "--config", config);

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (DateTime.UtcNow < deadline && !(topics.Keys.Any(t => t.EndsWith("/machine_state", StringComparison.Ordinal)) && topics.Keys.Any(t => t.EndsWith("/program_name", StringComparison.Ordinal))))
        {
            await Task.Delay(250);
        }

        var found = string.Join(", ", topics.Keys.Order(StringComparer.Ordinal));
        Assert.True(topics.Keys.Any(t => t.EndsWith("/machine_state", StringComparison.Ordinal)), $"no machine_state; got {found}\n{gateway.Output}");
        Assert.True(topics.Keys.Any(t => t.EndsWith("/program_name", StringComparison.Ordinal)), $"no program_name; got {found}\n{gateway.Output}");
        // Every reading is the configured machine's (beside the gateway's own status topic).
        Assert.All(topics.Keys.Where(t => t != "factory/test/discover-test/status"), t => Assert.StartsWith("factory/test/mill/", t, StringComparison.Ordinal));
        Assert.DoesNotContain("has no tags", gateway.Output, StringComparison.Ordinal);
    }
}
