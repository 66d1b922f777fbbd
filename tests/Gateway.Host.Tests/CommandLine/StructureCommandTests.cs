using System.Text.Json;
using Gateway.Host.CommandLine;
using Gateway.Simulator;

namespace Gateway.Host.Tests.CommandLine;

/// <summary>`gateway read` and `gateway browse` on the simulator's structured tag (toolRecords: a ToolData per CNC).</summary>
public sealed class StructureCommandTests
{
    private const string Tool = "nsu=urn:changwon-gateway:simulator;s=cnc-01/Tool";

    [Fact]
    public async Task Read_prints_the_structure_decoded_with_its_type_name()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, Machines = 1, ToolRecords = true });
        var (exit, output, error) = await CommandLineRunner.RunAsync("read", simulator.EndpointUrl, Tool, "--json");
        Assert.True(exit == ExitCodes.Ok, error);
        var item = JsonDocument.Parse(output).RootElement[0];
        Assert.Equal("ToolData", item.GetProperty("dataType").GetString());
        var value = item.GetProperty("value");
        Assert.Equal(100u, value.GetProperty("Number").GetUInt32());
        Assert.Equal("T100 end mill 10 mm", value.GetProperty("Name").GetString());
        Assert.Equal(45, value.GetProperty("Life").GetProperty("Limit").GetDouble());
        Assert.Equal(JsonValueKind.Array, value.GetProperty("WearHistory").ValueKind);

        var (textExit, text, _) = await CommandLineRunner.RunAsync("read", simulator.EndpointUrl, Tool);
        Assert.Equal(ExitCodes.Ok, textExit);
        Assert.Contains("\t{\"Number\":100,\"Name\":\"T100 end mill 10 mm\",\"Life\":{", text, StringComparison.Ordinal);
        Assert.Contains("\tToolData\t", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Browse_names_the_structure_and_browse_yaml_proposes_structure_and_its_fields()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, Machines = 1, ToolRecords = true });
        var (exit, output, error) = await CommandLineRunner.RunAsync("browse", simulator.EndpointUrl, "--from", "nsu=urn:changwon-gateway:simulator;s=cnc-01", "--depth", "1", "--yaml");
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("          - name: tool\n", output, StringComparison.Ordinal);
        Assert.Contains("   # ToolData (structure)\n            structure: json   # or flatten (a reading per field: tool.Number, ...)\n", output, StringComparison.Ordinal);
        Assert.Contains("            # fields: [Number, Name, Life.Used, Life.Limit, WearHistory, Comment]\n", output, StringComparison.Ordinal);

        var (treeExit, tree, _) = await CommandLineRunner.RunAsync("browse", simulator.EndpointUrl, "--from", "nsu=urn:changwon-gateway:simulator;s=cnc-01", "--depth", "1");
        Assert.Equal(ExitCodes.Ok, treeExit);
        Assert.Contains("Tool (Variable, ToolData (structure))", tree, StringComparison.Ordinal);
    }
}
