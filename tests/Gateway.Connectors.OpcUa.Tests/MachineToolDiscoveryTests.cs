using System.Globalization;
using Gateway.Connectors.OpcUa.Discovery;
using Gateway.Core;
using Gateway.OpcUa.Client;
using Gateway.Simulator;
using Gateway.Testing;
using static Gateway.Connectors.OpcUa.Tests.TestSources;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>
/// `discover: {model: machinetool}` against two independent OPC 40501 servers: our simulator with `machineTool: true`
/// (cnc-01 mirrored as Objects/Machines/MachineTool-cnc-01) and node-opcua loading the companion nodesets of
/// ../shared/opcua-schema/companion and instantiating MachineToolType (tests/servers/opcua/machinetool-server.js).
/// </summary>
public sealed class MachineToolDiscoveryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_simulators_machine_tool_is_found_by_type_and_read_following_its_CNC()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, Machines = 2, RateMs = 100, TimeScale = 50, MachineTool = true });
        await using (var client = await OpcUaClient.ConnectAsync(simulator.EndpointUrl))
        {
            var (instances, warning, _) = await MachineToolModel.FindAsync(client, 20_000, CancellationToken.None);
            Assert.Null(warning);
            var instance = Assert.Single(instances); // cnc-02 and the others are not machine tools by type
            Assert.Equal("MachineTool-cnc-01", instance.Name);
            Assert.Equal(
                ["channel_channel_1_feed_override", "channel_channel_1_mode", "channel_channel_1_state", "feed_override", "machine_state", "operation_mode", "parts_produced", "power_on_duration", "program_name", "program_state", "spindle_spindle_1_override", "spindle_spindle_1_rotating"],
                instance.Tags.Select(t => t.Name).Order(StringComparer.Ordinal));
            Assert.NotNull(instance.MessagesNotifier);
        }

        var group = new SourceGroup("sim", "cnc-01", "umati", TimeSpan.FromMilliseconds(200), new OpcUaGroupOptions { Discover = new DiscoverOptions { Model = DiscoveryModel.Machinetool } }, "sim", LabelSet.Empty);
        await using var run = RunningConnector.Start(Source(simulator.EndpointUrl, "sim"), [], [group]);
        await run.WaitUntilAsync(r => r.Any(x => x.Tag == "machine_state" && x.Quality == Quality.Good && x.Value.AsString() == "Executing") && r.Any(x => x.Tag == "machine_state" && x.Quality == Quality.Good && x.Value.AsString() != "Executing"), Patience, "the machine state moving with the CNC");

        await run.WaitUntilAsync(r => r.Any(x => x.Tag == "parts_produced" && x.Quality == Quality.Good && x.Value.AsInt64() > 0), Patience, "a part produced");
        Assert.Contains(run.Output.Readings, r => r.Tag == "program_name" && r.Value.AsString().StartsWith('O'));
        Assert.Contains(run.Output.Readings, r => r.Tag == "operation_mode");
        Assert.Contains(run.Output.Readings, r => r.Tag == "spindle_spindle_1_override" && r.Value.AsDouble() > 0);
        Assert.Contains(run.Output.Readings, r => r.Tag == "program_state" && r.Value.AsString() == "Running");
    }

    [Fact]
    public async Task A_node_opcua_server_with_the_companion_nodesets_has_its_machine_tool_found_and_read()
    {
        var port = FreePort.Next();
        await using var server = await ServerProcess.StartAsync(
            "node-opcua machinetool server",
            "node",
            [RepositoryPaths.Combine("tests", "servers", "opcua", "machinetool-server.js"), "--port", port.ToString(CultureInfo.InvariantCulture), "--companion", MachineToolModelTests.CompanionDirectory],
            port,
            startTimeout: TimeSpan.FromMinutes(4),
            readyWhen: output => output.Contains("ready ", StringComparison.Ordinal));
        var group = new SourceGroup("mt", "milling", "umati", TimeSpan.FromMilliseconds(500), new OpcUaGroupOptions { Discover = new DiscoverOptions { Model = DiscoveryModel.Machinetool } }, "mt", LabelSet.Empty);
        await using var run = RunningConnector.Start(Source($"opc.tcp://127.0.0.1:{port}", "mt"), [], [group]);
        string[] wanted = ["operation_mode", "program_name", "program_state", "parts_produced", "feed_override", "spindle_mainspindle_override", "channel_channel1_state"];
        await run.WaitUntilAsync(r => wanted.All(t => r.Any(x => x.Tag == t && x.Quality == Quality.Good)), Patience, "every variable the model reads from MillingCenter");
        Reading Last(string tag) => run.Output.Readings.Last(r => r.Tag == tag && r.Quality == Quality.Good);
        Assert.Equal(1, Last("operation_mode").Value.AsInt64());
        Assert.Equal("O4711", Last("program_name").Value.AsString());
        Assert.Equal("Running", Last("program_state").Value.AsString());
        Assert.Equal(1234, Last("parts_produced").Value.AsInt64());
        Assert.Equal(95.0, Last("spindle_mainspindle_override").Value.AsDouble());
        Assert.Equal(80.0, Last("feed_override").Value.AsDouble());
        Assert.Equal(0, Last("channel_channel1_state").Value.AsInt64());
    }
}
