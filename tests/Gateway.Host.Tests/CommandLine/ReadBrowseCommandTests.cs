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
    public async Task Browse_yaml_from_one_machine_lists_every_variable_of_it_as_one_template()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, Machines = 1 });
        var (exit, output, error) = await CommandLineRunner.RunAsync("browse", simulator.EndpointUrl, "--from", "nsu=urn:changwon-gateway:simulator;s=cnc-01", "--depth", "4", "--yaml");
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("\n  cnc-01:\n", output, StringComparison.Ordinal);
        Assert.Contains("          - name: spindle_speed\n", output, StringComparison.Ordinal);
        Assert.Contains("nsu=urn:changwon-gateway:simulator;s=cnc-01/Spindle/Speed", output, StringComparison.Ordinal);
        var machineTags = simulator.Tags.Count(t => t.Machine == "cnc-01");
        Assert.Equal(machineTags, output.Split('\n').Count(l => l.StartsWith("          - name: ", StringComparison.Ordinal)));

        var (jsonExit, json, _) = await CommandLineRunner.RunAsync("browse", simulator.EndpointUrl, "--depth", "2", "--json");
        Assert.Equal(ExitCodes.Ok, jsonExit);
        var nodes = JsonDocument.Parse(json).RootElement.EnumerateArray().ToList();
        Assert.Contains(nodes, n => n.GetProperty("browseName").GetString()!.EndsWith("cnc-01", StringComparison.Ordinal) && n.GetProperty("nodeClass").GetString() == "Object");
    }

    [Fact]
    public async Task Browse_yaml_of_a_shop_makes_one_template_per_machine_without_numbered_duplicates_and_it_validates()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, Machines = 2 });
        var machines = simulator.Tags.Select(t => t.Machine).Distinct().ToList();
        Assert.Equal(2, machines.Count);
        var (exit, output, error) = await CommandLineRunner.RunAsync("browse", simulator.EndpointUrl, "--depth", "5", "--yaml");
        Assert.True(exit == ExitCodes.Ok, error);

        foreach (var machine in machines)
        {
            Assert.Contains($"\n  {machine}:\n", output, StringComparison.Ordinal);
        }

        // Each machine has its own spindle_speed; no spindle_speed_2 across machines, no Server diagnostics.
        Assert.Equal(2, output.Split('\n').Count(l => l == "          - name: spindle_speed"));
        Assert.DoesNotContain("_2\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain("i=2253", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Diagnostics", output, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(simulator.Tags.Count, output.Split('\n').Count(l => l.StartsWith("          - name: ", StringComparison.Ordinal)));

        // Pasted into a configuration with the commented source at its end, it validates.
        var directory = RepositoryPaths.NewTempDirectory("gw-browse");
        try
        {
            var lines = output.Split('\n');
            var source = Array.IndexOf(lines, "# sources:");
            Assert.True(source > 0, output);
            var pasted = string.Join('\n', lines[..source].Concat(lines[source..].Select(l => l.StartsWith("# ", StringComparison.Ordinal) ? l[2..] : l)));
            var path = Path.Combine(directory, "gateway.yaml");
            await File.WriteAllTextAsync(path, "gateway:\n  name: edge-01\n  labels: { site: s }\nsinks:\n  - { type: mqtt, name: mqtt, embedded: true }\n" + pasted);
            var (valid, problems, _) = await CommandLineRunner.RunAsync("validate", "--config", path);
            Assert.True(valid == ExitCodes.Ok, problems + "\n" + pasted);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Browse_leaves_out_the_server_object_unless_asked_and_says_when_the_depth_limit_cut_the_walk()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, Machines = 1 });

        var (exit, json, error) = await CommandLineRunner.RunAsync("browse", simulator.EndpointUrl, "--depth", "2", "--json");
        Assert.Equal(ExitCodes.Ok, exit);
        var ids = JsonDocument.Parse(json).RootElement.EnumerateArray().Select(n => n.GetProperty("nodeId").GetString()).ToList();
        Assert.DoesNotContain("i=2253", ids);
        Assert.Contains("--depth 2 stopped the walk", error, StringComparison.Ordinal);
        Assert.Contains("use --depth 3", error, StringComparison.Ordinal);

        var (_, withServer, _) = await CommandLineRunner.RunAsync("browse", simulator.EndpointUrl, "--depth", "1", "--json", "--include-server");
        Assert.Contains("i=2253", JsonDocument.Parse(withServer).RootElement.EnumerateArray().Select(n => n.GetProperty("nodeId").GetString()));

        var (_, _, deepEnough) = await CommandLineRunner.RunAsync("browse", simulator.EndpointUrl, "--depth", "10", "--json");
        Assert.DoesNotContain("stopped the walk", deepEnough, StringComparison.Ordinal);
    }
}
