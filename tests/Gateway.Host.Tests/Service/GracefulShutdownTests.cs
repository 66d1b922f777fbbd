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
        var config = WriteConfig("shutdown-test", shutdownTimeoutSeconds: 10, $"""
            - type: mqtt
              name: mqtt
              embedded: true
              port: {FreePort.Next()}
            """);

        var gateway = GatewayProcess.Start("run", "--config", config);
        await gateway.WaitForOutputAsync("Gateway shutdown-test running", TimeSpan.FromSeconds(60));
        RunningProgram.Signal(gateway.Id, "TERM");
        var exit = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(0, exit);
        Assert.Contains("Gateway stopped", gateway.Output, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(_dir, "data", "buffer")), "the buffer directory was created under the data directory");
    }

    /// <summary>
    /// A stop that cannot finish quickly (the broker froze, so the goodbye message is never acknowledged) still ends the
    /// way systemd expects: the host waits up to shutdownTimeoutSeconds, says what it could not do, writes the shutdown
    /// line and exits 0. Before, the command-line layer ended the process with 143 two seconds after SIGTERM.
    /// </summary>
    [Fact]
    public async Task Sigterm_while_the_broker_is_frozen_waits_for_the_grace_period_and_exits_0()
    {
        await using var broker = await MosquittoServer.StartAsync();
        var config = WriteConfig("frozen-broker", shutdownTimeoutSeconds: 4, $"""
            - type: mqtt
              name: plant
              host: 127.0.0.1
              port: {broker.Port}
            """);

        var gateway = GatewayProcess.Start("run", "--config", config);
        await gateway.WaitForOutputAsync("MQTT sink 'plant': connected to", TimeSpan.FromSeconds(60));
        await gateway.WaitForOutputAsync("Gateway frozen-broker running", TimeSpan.FromSeconds(60));
        RunningProgram.Signal(broker.ProcessId, "STOP");
        try
        {
            RunningProgram.Signal(gateway.Id, "TERM");
            var exit = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(120));

            Assert.True(exit == 0, $"exit code {exit}\n{gateway.Output}");
            Assert.Contains("could not say goodbye", gateway.Output, StringComparison.Ordinal);
            Assert.Contains("Gateway stopped", gateway.Output, StringComparison.Ordinal);
        }
        finally
        {
            RunningProgram.Signal(broker.ProcessId, "CONT");
        }
    }

    /// <summary>A gateway with one disabled source (a file must name one), the given sink and its own HTTP port.</summary>
    private string WriteConfig(string name, int shutdownTimeoutSeconds, string sink) =>
        GatewayYaml.Named(name)
            .GatewayKey($"shutdownTimeoutSeconds: {shutdownTimeoutSeconds}")
            .IdleSource(enabled: false)
            .Sink(sink)
            .Http(FreePort.Next())
            .WriteTo(_dir);
}
