using System.Globalization;
using System.Text.Json;

using Gateway.Testing;

namespace Gateway.Sinks.Sparkplug.Tests;

/// <summary>
/// The real `gateway` process (config/gateway.yaml: the built-in simulator's shop) with a Sparkplug sink to a real
/// mosquitto, killed with SIGKILL and started again; the independent host application (tests/servers/sparkplug/host.js)
/// checks the NDEATH that the broker publishes as the Will, and the new session's bdSeq and births.
/// </summary>
public sealed class GatewayKillTests
{
    private const string Group = "changwon-demo";
    private const string Node = "demo-gateway";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Kill_9_of_the_gateway_gives_NDEATH_through_the_Will_and_the_restart_a_new_bdSeq_and_a_full_birth()
    {
        await using var broker = await MosquittoServer.StartAsync();
        await using var host = await SparkplugHostApplication.StartAsync(broker.Port, Group, Node);
        var directory = RepositoryPaths.NewTempDirectory("sparkplug-kill");
        var config = Path.Combine(directory, "gateway.yaml");
        await File.WriteAllTextAsync(config, Configuration(broker.Port));
        var environment = new Dictionary<string, string>
        {
            ["GATEWAY_SIMULATOR_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            // Its own Modbus port: on the default one a second simulator (another test) would leave the Modbus machines unborn.
            ["GATEWAY_SIMULATOR_MODBUS_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["GATEWAY_HTTP_LISTEN"] = "127.0.0.1:" + FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["GATEWAY_DATA"] = Path.Combine(directory, "data"),
        };

        using (var gateway = StartGateway(config, environment))
        {
            await host.WaitForAsync(
                m => m.OfType("DDATA").Count() >= 4 && m.OfType("DBIRTH").SelectMany(b => b.Metrics()).Any(IsSpindleSpeed),
                Patience,
                "DDATA from the simulator's machines, and a CNC born\n" + gateway.Output);
            RunningProgram.Signal(gateway.Id, "KILL");
            await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        var messages = await host.WaitForAsync(m => m.OfType("NDEATH").Any(), Patience, "NDEATH through the Will");
        var firstBirth = messages.OfType("NBIRTH").Single();
        Assert.Equal(firstBirth.BdSeq(), messages.OfType("NDEATH").Single().BdSeq());
        var devices = messages.OfType("DBIRTH").Select(m => m.Device()).Distinct().Order().ToList();
        Assert.True(devices.Count >= 2, "the simulator's machines are devices: " + string.Join(", ", devices));

        // Devices are born as their first data arrives, so the new session has a full birth once every device of the
        // first one is born again; more may join (a machine slower to answer), none may be missing.
        static HashSet<string?> RebornDevices(IEnumerable<JsonElement> m) =>
            m.SkipWhile(x => x.Type() != "NDEATH").OfType("DBIRTH").Select(x => x.Device()).ToHashSet();
        using (var gateway = StartGateway(config, environment))
        {
            messages = await host.WaitForAsync(
                m => m.OfType("NBIRTH").Count() == 2 && m.SkipWhile(x => x.Type() != "NDEATH").OfType("DDATA").Count() >= 4
                    && RebornDevices(m).IsSupersetOf(devices)
                    // A CNC may be born first with its machine-state metrics and again once its OPC UA data arrives.
                    && m.SkipWhile(x => x.Type() != "NDEATH").OfType("DBIRTH").SelectMany(b => b.Metrics()).Any(IsSpindleSpeed),
                Patience,
                "the new session's birth and data, and a CNC born again with its spindle speed\n" + gateway.Output);
            RunningProgram.Signal(gateway.Id, "TERM");
            await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        var points = SparkplugStream.Check(messages);
        var secondBirth = messages.OfType("NBIRTH").Last();
        Assert.NotEqual(firstBirth.BdSeq(), secondBirth.BdSeq());
        Assert.Subset(RebornDevices(messages), devices.ToHashSet());
        Assert.NotEmpty(points);
        // The CNC born in the first session is born again, its spindle speed a Double as the simulator serves it.
        Assert.Contains(messages.SkipWhile(m => m.Type() != "NDEATH").OfType("DBIRTH").SelectMany(b => b.Metrics()), IsSpindleSpeed);
    }

    private static bool IsSpindleSpeed(JsonElement metric) =>
        metric.GetProperty("name").GetString() == "spindle_speed" && metric.GetProperty("type").GetString() == "Double";

    private static RunningProgram StartGateway(string config, Dictionary<string, string> environment) =>
        RunningProgram.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "gateway.dll"), "run", "--config", config], RepositoryPaths.Root, environment);

    /// <summary>config/gateway.yaml (the simulator's shop) with its sinks replaced by one Sparkplug sink.</summary>
    private static string Configuration(int brokerPort)
    {
        var text = File.ReadAllText(RepositoryPaths.Combine("config", "gateway.yaml"));
        var start = text.IndexOf("\nsinks:", StringComparison.Ordinal);
        var end = text.IndexOf("\nbuffer:", StringComparison.Ordinal);
        if (start < 0 || end < start)
        {
            throw new InvalidOperationException("config/gateway.yaml no longer has `sinks:` before `buffer:`; update this test.");
        }

        var sinks = $"""

            sinks:
              - type: sparkplug
                name: sparkplug
                host: 127.0.0.1
                port: {brokerPort}
                keepAliveSeconds: 5

            """;
        return text[..start] + sinks + text[(end + 1)..];
    }
}
