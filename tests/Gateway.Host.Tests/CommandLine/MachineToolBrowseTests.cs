using Gateway.Host.CommandLine;
using Gateway.Simulator;
using Gateway.Testing;

namespace Gateway.Host.Tests.CommandLine;

/// <summary>`gateway browse --yaml --model machinetool` against the simulator's OPC 40501 machine tool (machineTool: true).</summary>
public sealed class MachineToolBrowseTests
{
    [Fact]
    public async Task Browse_yaml_model_machinetool_writes_the_machine_tools_tags_and_the_result_and_a_discover_group_validate()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, Machines = 2, MachineTool = true });
        var (exit, output, error) = await CommandLineRunner.RunAsync("browse", simulator.EndpointUrl, "--yaml", "--model", "machinetool");
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("1 machine tool(s)", output, StringComparison.Ordinal);
        Assert.Contains("      - name: MachineTool-cnc-01", output, StringComparison.Ordinal);
        foreach (var tag in new[] { "operation_mode", "machine_state", "program_name", "program_state", "parts_produced", "spindle_spindle_1_override" })
        {
            Assert.Contains($"              - name: {tag}\n", output, StringComparison.Ordinal);
        }

        Assert.Contains("nsu=urn:changwon-gateway:simulator;s=umati/MachineTool-cnc-01/Production/ActiveProgram/Name", output, StringComparison.Ordinal);
        Assert.Contains("(Notification/Messages) is an event notifier", output, StringComparison.Ordinal);

        var directory = RepositoryPaths.NewTempDirectory("gw-umati");
        try
        {
            const string head = "gateway:\n  name: edge-01\n  labels: { site: s }\nsinks:\n  - { type: mqtt, name: mqtt, embedded: true }\n";
            var path = Path.Combine(directory, "gateway.yaml");
            await File.WriteAllTextAsync(path, head + output);
            var (valid, problems, _) = await CommandLineRunner.RunAsync("validate", "--config", path);
            Assert.True(valid == ExitCodes.Ok, problems + "\n" + output);

            // The same machine read by discovery, with no tag listed (the group finds its own); and a misspelt model is refused at its line.
            var discover = head + $"sources:\n  - name: umati\n    endpoint: {simulator.EndpointUrl}\n    machines:\n      - name: mill\n        groups:\n          - name: umati\n            discover: {{model: machinetool, everyMinutes: 10}}\n            backfill: true\n";
            await File.WriteAllTextAsync(path, discover);
            (valid, problems, _) = await CommandLineRunner.RunAsync("validate", "--config", path);
            Assert.True(valid == ExitCodes.Ok, problems + "\n" + discover);

            // Without discover:, a group with no tags is still refused, naming the group.
            await File.WriteAllTextAsync(path, discover.Replace("            discover: {model: machinetool, everyMinutes: 10}\n", "", StringComparison.Ordinal));
            (valid, problems, _) = await CommandLineRunner.RunAsync("validate", "--config", path);
            Assert.NotEqual(ExitCodes.Ok, valid);
            Assert.Contains("tag group 'umati' of machine 'mill' has no tags", problems, StringComparison.Ordinal);

            await File.WriteAllTextAsync(path, discover.Replace("model: machinetool", "model: machintool", StringComparison.Ordinal));
            (valid, problems, _) = await CommandLineRunner.RunAsync("validate", "--config", path);
            Assert.NotEqual(ExitCodes.Ok, valid);
            Assert.Contains("machintool", problems, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
