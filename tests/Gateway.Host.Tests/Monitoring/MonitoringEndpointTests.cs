using System.Net;
using System.Text.Json;
using Gateway.Host.CommandLine;
using Gateway.Host.Tests.CommandLine;
using Gateway.Testing;

namespace Gateway.Host.Tests.Monitoring;

/// <summary>Scrapes a running `gateway` process (child process, embedded MQTT broker) over its loopback HTTP listener.</summary>
public sealed class MonitoringEndpointTests : IDisposable
{
    private readonly string _dir = RepositoryPaths.NewTempDirectory("monitoring");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Metrics_health_and_status_describe_a_healthy_sink_and_a_sink_that_is_down()
    {
        var httpPort = FreePort.Next();
        var deadPort = FreePort.Next(); // nothing listens here: the sink "down" cannot connect
        var config = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(config, $"""
            gateway:
              name: monitor-test
              labels: {"{"} site: test-site {"}"}
              dataDirectory: data
            sources:
              - name: idle
                endpoint: opc.tcp://127.0.0.1:{FreePort.Next()}
                machines:
                  - name: idle-1
                    groups:
                      - name: g
                        tags:
                          - name: t
                            nodeId: i=2258
            sinks:
              - type: mqtt
                name: up
                embedded: true
                port: {FreePort.Next()}
              - type: mqtt
                name: down
                host: 127.0.0.1
                port: {deadPort}
                timeoutMs: 500
            http:
              listen: 127.0.0.1:{httpPort}
            """);
        using var gateway = GatewayProcess.Start("run", "--config", config);
        await gateway.WaitForOutputAsync("Gateway monitor-test running", TimeSpan.FromSeconds(60));
        Assert.True(gateway.Output.Contains($"http://127.0.0.1:{httpPort}/metrics", StringComparison.Ordinal), gateway.Output);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        var health = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        // The dead sink keeps the gateway from being ready, and /readyz says which sink and why.
        JsonElement ready = default;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
            ready = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && ready.GetProperty("reasons").EnumerateArray().Any(r => r.GetString()!.Contains("sink down", StringComparison.Ordinal)))
            {
                break;
            }

            await Task.Delay(200);
        }

        var reasons = ready.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToList();
        Assert.False(ready.GetProperty("ready").GetBoolean());
        Assert.Contains(reasons, r => r.StartsWith("sink down", StringComparison.Ordinal));
        Assert.DoesNotContain(reasons, r => r.StartsWith("sink up ", StringComparison.Ordinal));

        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("gateway_build_info{", metrics, StringComparison.Ordinal);
        Assert.Contains("gateway=\"monitor-test\"", metrics, StringComparison.Ordinal);
        Assert.Matches("gateway_sink_connected\\{[^}]*sink=\"up\"[^}]*\\} 1", metrics);
        Assert.Matches("gateway_sink_connected\\{[^}]*sink=\"down\"[^}]*\\} 0", metrics);
        Assert.Matches("gateway_buffer_pending\\{[^}]*sink=\"down\"", metrics);
        Assert.Contains("gateway_process_resident_memory_bytes", metrics, StringComparison.Ordinal);

        // `gateway status` prints the same as a table.
        var (exit, output, _) = await CommandLineRunner.RunAsync("status", "--url", $"http://127.0.0.1:{httpPort}");
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("NOT READY", output, StringComparison.Ordinal);
        Assert.Contains("down", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_against_no_gateway_is_a_connection_error_with_the_address()
    {
        var port = FreePort.Next();
        var (exit, _, error) = await CommandLineRunner.RunAsync("status", "--url", $"http://127.0.0.1:{port}");
        Assert.Equal(ExitCodes.ConnectionError, exit);
        Assert.Contains($"127.0.0.1:{port}", error, StringComparison.Ordinal);
    }
}
