using System.Text.Json;
using Gateway.Host.CommandLine;
using Gateway.Simulator;
using Gateway.Testing;

namespace Gateway.Host.Tests.CommandLine;

/// <summary>`gateway read` and `gateway browse` against the built-in simulator (our OPC UA server on a free port).</summary>
public sealed class ReadBrowseCommandTests
{
    [Fact]
    public async Task Read_prints_json_with_value_type_status_and_timestamps_and_exits_0()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, Machines = 1 });
        var (exit, output, error) = await CommandLineRunner.RunAsync("read", simulator.EndpointUrl, "nsu=urn:changwon-gateway:simulator;s=cnc-01/Spindle/Speed", "ns=2;s=nothing-here", "--json");
        Assert.True(exit == ExitCodes.Ok, error);
        var items = JsonDocument.Parse(output).RootElement;
        Assert.Equal(2, items.GetArrayLength());
        Assert.Equal("Double", items[0].GetProperty("dataType").GetString());
        Assert.Equal(JsonValueKind.Number, items[0].GetProperty("value").ValueKind);
        Assert.Equal("Good", items[0].GetProperty("status").GetString());
        Assert.EndsWith("Z", items[0].GetProperty("sourceTimestamp").GetString(), StringComparison.Ordinal);
        Assert.Equal("BadNodeIdUnknown", items[1].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Read_against_nothing_exits_2_and_names_the_cause()
    {
        var (exit, _, error) = await CommandLineRunner.RunAsync("read", $"opc.tcp://127.0.0.1:{FreePort.Next()}", "i=2258");
        Assert.Equal(ExitCodes.ConnectionError, exit);
        Assert.Contains("refused", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Browse_yaml_lists_every_variable_of_a_machine_as_tags_that_validate()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, Machines = 1 });
        var (exit, output, error) = await CommandLineRunner.RunAsync("browse", simulator.EndpointUrl, "--from", "nsu=urn:changwon-gateway:simulator;s=cnc-01", "--depth", "4", "--yaml");
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("  - name: spindle_speed\n", output, StringComparison.Ordinal);
        Assert.Contains("nsu=urn:changwon-gateway:simulator;s=cnc-01/Spindle/Speed", output, StringComparison.Ordinal);
        var machineTags = simulator.Tags.Count(t => t.Machine == "cnc-01");
        Assert.Equal(machineTags, output.Split('\n').Count(l => l.StartsWith("  - name: ", StringComparison.Ordinal)));

        var (jsonExit, json, _) = await CommandLineRunner.RunAsync("browse", simulator.EndpointUrl, "--depth", "2", "--json");
        Assert.Equal(ExitCodes.Ok, jsonExit);
        var nodes = JsonDocument.Parse(json).RootElement.EnumerateArray().ToList();
        Assert.Contains(nodes, n => n.GetProperty("browseName").GetString()!.EndsWith("cnc-01", StringComparison.Ordinal) && n.GetProperty("nodeClass").GetString() == "Object");
    }
}
