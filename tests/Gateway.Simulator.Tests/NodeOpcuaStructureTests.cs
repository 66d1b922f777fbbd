using System.Diagnostics;
using System.Text.Json;
using Gateway.Testing;

namespace Gateway.Simulator.Tests;

/// <summary>
/// node-opcua's client (tests/servers/opcua-client/read-structure.js) reads the simulator's structured tag and decodes
/// it from our server's DataTypeDefinition, DataType and encoding nodes alone: the independent check that what our
/// server describes and what it encodes agree.
/// </summary>
public sealed class NodeOpcuaStructureTests
{
    private static readonly string ScriptDirectory = RepositoryPaths.Combine("tests", "servers", "opcua-client");

    [Fact]
    public async Task NodeOpcuaDecodesTheToolRecordFromItsDataTypeDefinition()
    {
        var options = new SimulatorOptions { Port = 0, Machines = 2, RateMs = 200, Seed = 3, ToolRecords = true, TimeScale = 600 };
        await using var simulator = await SimulatorServer.StartAsync(options);
        const string Node = "ns=2;s=cnc-02/Tool"; // node-opcua takes no nsu=; index 2 is the simulator's namespace (NodeOpcuaClientTests)

        // At 600x a tool wears 2 minutes of its 45 per 200 ms tick: within a few seconds it has a wear history.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (simulator.Steps < 20 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var report = await RunClientAsync(simulator.EndpointUrl, Node);
        var tool = report.GetProperty(Node);
        Assert.Equal("Good", tool.GetProperty("status").GetString());
        Assert.Equal("Good", tool.GetProperty("definitionStatus").GetString());
        Assert.Equal(["Number", "Name", "Life", "WearHistory", "Comment"], tool.GetProperty("definitionFields").EnumerateArray().Select(f => f.GetString()));

        // node-opcua names fields in lower camel case.
        var value = tool.GetProperty("value");
        var number = value.GetProperty("number").GetUInt32();
        Assert.True(number >= 110, $"cnc-02's tools are numbered from 110, got {number}");
        Assert.Equal($"T{number} end mill 10 mm", value.GetProperty("name").GetString());
        var life = value.GetProperty("life");
        Assert.Equal(45, life.GetProperty("limit").GetDouble());
        var used = life.GetProperty("used").GetDouble();
        Assert.InRange(used, 0, 45);
        var wear = value.GetProperty("wearHistory").EnumerateArray().Select(w => w.GetDouble()).ToList();
        Assert.InRange(wear.Count, 0, 5);
        Assert.All(wear, w => Assert.InRange(w, 10, 100));
        Assert.Equal(wear.Order(), wear);
        // The optional Comment is there exactly when more than 80 % of the life is used.
        var hasComment = value.TryGetProperty("comment", out var comment) && comment.ValueKind == JsonValueKind.String;
        Assert.Equal(used / 45 > 0.8, hasComment);
    }

    private static async Task<JsonElement> RunClientAsync(string endpoint, params string[] nodes)
    {
        Assert.True(Directory.Exists(Path.Combine(ScriptDirectory, "node_modules", "node-opcua")), "node-opcua is missing: run bash tests/servers/install.sh");
        var start = new ProcessStartInfo("node") { WorkingDirectory = ScriptDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("read-structure.js");
        start.ArgumentList.Add(endpoint);
        foreach (var node in nodes)
        {
            start.ArgumentList.Add(node);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node-opcua client did not finish in 120 s: {await error}");
        }

        Assert.True(process.ExitCode == 0, $"node-opcua client failed ({process.ExitCode}): {await error}\n{await output}");
        var line = (await output).Split('\n').LastOrDefault(l => l.StartsWith("REPORT ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"no REPORT line from the node-opcua client: {await output}");
        return JsonDocument.Parse(line["REPORT ".Length..]).RootElement.Clone();
    }
}
