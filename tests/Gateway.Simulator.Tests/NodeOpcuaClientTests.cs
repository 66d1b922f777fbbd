using System.Diagnostics;
using System.Text.Json;
using Gateway.Testing;

namespace Gateway.Simulator.Tests;

/// <summary>
/// An independent client, node-opcua's (tests/servers/opcua-client, from npm), against the real simulator on
/// 127.0.0.1: it browses, reads every tag and subscribes to 1,000 items; what it sees must match what the simulator
/// advertises.
/// </summary>
public sealed class NodeOpcuaClientTests
{
    private static readonly string ScriptDirectory = RepositoryPaths.Combine("tests", "servers", "opcua-client");

    [Fact]
    public async Task NodeOpcuaBrowsesReadsAndSubscribesToEverythingTheSimulatorAdvertises()
    {
        // 4 machines x 1,200 tags: the Generated folders hold more references than one Browse returns (1,000), so
        // the client must follow continuation points with BrowseNext.
        var options = new SimulatorOptions { Port = 0, Machines = 4, TagsPerMachine = 1200, RateMs = 200, Seed = 7 };
        await using var simulator = await SimulatorServer.StartAsync(options);

        var report = await RunClientAsync(simulator.EndpointUrl, 1000);

        Assert.Equal(SimulatorServer.NamespaceUri, report.GetProperty("namespaceArray")[2].GetString());
        Assert.Equal(0, report.GetProperty("serverState").GetInt32());
        Assert.Equal(200_000, report.GetProperty("maxNodesPerRead").GetInt32());
        Assert.True(report.GetProperty("browsePages").GetInt32() >= 2, "the Generated folders need BrowseNext");

        var advertised = simulator.Tags.ToDictionary(t => t.NodeId);
        var browsed = report.GetProperty("variables").EnumerateArray()
            .Select(v => (NodeId: v.GetProperty("nodeId").GetString()!, Path: v.GetProperty("path").GetString()!))
            .ToList();
        Assert.Equal(4800, advertised.Count);
        Assert.Equal(advertised.Keys.Order(), browsed.Select(b => b.NodeId).Order());
        foreach (var (nodeId, path) in browsed)
        {
            Assert.Equal(advertised[nodeId].Path, path);
        }

        var values = report.GetProperty("values");
        foreach (var tag in simulator.Tags)
        {
            var seen = values.GetProperty(tag.NodeId);
            Assert.Equal("Good", seen.GetProperty("status").GetString());
            Assert.Equal(tag.DataType, seen.GetProperty("variantType").GetString());
            Assert.Equal(ExpectedDataTypeNode(tag.DataType), seen.GetProperty("dataTypeNode").GetString());
        }

        Assert.Equal(1000, report.GetProperty("subscribed").GetInt32());
        Assert.Equal(1000, report.GetProperty("initialNotified").GetInt32());
        // The first 1,000 variables include the fast-moving spindle, axes and generated signals: many change in 3 s.
        Assert.True(report.GetProperty("changedItems").GetInt32() > 100, $"only {report.GetProperty("changedItems").GetInt32()} items changed");
    }

    [Fact]
    public async Task NodeOpcuaLogsInWithAConfiguredUserAndIsRefusedWithAWrongPassword()
    {
        var options = new SimulatorOptions
        {
            Port = 0,
            Machines = 1,
            AllowAnonymous = false,
            Users = new Dictionary<string, string> { ["operator"] = "s3cret" },
        };
        await using var simulator = await SimulatorServer.StartAsync(options);

        var report = await RunClientAsync(simulator.EndpointUrl, 0, "operator", "s3cret");
        Assert.Equal(simulator.Tags.Count, report.GetProperty("variables").GetArrayLength());

        var refused = await RunProcessAsync(simulator.EndpointUrl, 0, "operator", "wrong");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("BadUserAccessDenied", refused.Error + refused.Output, StringComparison.Ordinal);
    }

    private static string ExpectedDataTypeNode(string dataType) => dataType switch
    {
        "Boolean" => "ns=0;i=1",
        "Int32" => "ns=0;i=6",
        "Double" => "ns=0;i=11",
        "String" => "ns=0;i=12",
        _ => throw new InvalidOperationException(dataType),
    };

    private static async Task<JsonElement> RunClientAsync(string endpoint, int subscribe, string? user = null, string? password = null)
    {
        var result = await RunProcessAsync(endpoint, subscribe, user, password);
        Assert.True(result.ExitCode == 0, $"node-opcua client failed ({result.ExitCode}): {result.Error}");
        var line = result.Output.Split('\n').LastOrDefault(l => l.StartsWith("REPORT ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"no REPORT line from the node-opcua client: {result.Output}");
        return JsonDocument.Parse(line["REPORT ".Length..]).RootElement.Clone();
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunProcessAsync(string endpoint, int subscribe, string? user, string? password)
    {
        Assert.True(Directory.Exists(Path.Combine(ScriptDirectory, "node_modules", "node-opcua")), "node-opcua is missing: run bash tests/servers/install.sh");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = ScriptDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("check-simulator.js");
        start.ArgumentList.Add(endpoint);
        start.ArgumentList.Add(subscribe.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (user is not null)
        {
            start.ArgumentList.Add(user);
            start.ArgumentList.Add(password ?? "");
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node-opcua client did not finish in 90 s: {await error}");
        }

        return (process.ExitCode, await output, await error);
    }
}
