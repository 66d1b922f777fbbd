using Gateway.Testing;

namespace Gateway.Host.Tests.Service;

/// <summary>Runs the real `gateway` executable as a child process and stops it the way systemd does (SIGTERM).</summary>
public sealed class GracefulShutdownTests : IDisposable
{
    private readonly string _dir = RepositoryPaths.NewTempDirectory("shutdown");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Sigterm_stops_the_service_cleanly_with_exit_code_0()
    {
        var mqttPort = FreePort.Next();
        var httpPort = FreePort.Next();
        var config = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(config, $"""
            gateway:
              name: shutdown-test
              labels:
                site: test-site
              dataDirectory: data
              shutdownTimeoutSeconds: 10
            sources:
              - name: idle
                endpoint: opc.tcp://127.0.0.1:{FreePort.Next()}
                enabled: false
                machines:
                  - name: idle-1
                    groups:
                      - name: g
                        tags:
                          - name: t
                            nodeId: i=2258
            sinks:
              - type: mqtt
                name: mqtt
                embedded: true
                port: {mqttPort}
            http:
              listen: 127.0.0.1:{httpPort}
            """);

        var gateway = GatewayProcess.Start("run", "--config", config);
        await gateway.WaitForOutputAsync("Gateway shutdown-test running", TimeSpan.FromSeconds(60));
        RunningProgram.Signal(gateway.Id, "TERM");
        var exit = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(0, exit);
        Assert.Contains("Gateway stopped", gateway.Output, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(_dir, "data", "buffer")), "the buffer directory was created under the data directory");
    }
}
