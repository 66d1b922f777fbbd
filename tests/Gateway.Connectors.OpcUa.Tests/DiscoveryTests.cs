using System.Globalization;
using Gateway.Connectors.OpcUa.Discovery;
using Gateway.Core;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;
using Gateway.Testing;
using static Gateway.Connectors.OpcUa.Tests.TestSources;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>
/// `discover:` groups against node-opcua (tests/servers/opcua/discovery-server.js): a plant of machines with a cycle in
/// its reference graph and a folder of 250 variables, which grows a machine and loses a variable on SIGHUP.
/// </summary>
public sealed class DiscoveryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("Machine*/Spindle/*", "Machine1/Spindle/Speed", true)]
    [InlineData("Machine*/Spindle/*", "Machine12/Spindle/Load", true)]
    [InlineData("Machine*/Spindle/*", "Machine1/Feed/Rate", false)]
    [InlineData("Machine*/Spindle/*", "Machine1/Spindle", false)]
    [InlineData("Machine?/*/Rate", "Machine1/Feed/Rate", true)]
    [InlineData("Machine?/*/Rate", "Machine10/Feed/Rate", false)]
    [InlineData("**/Speed", "Machine1/Spindle/Speed", true)]
    [InlineData("**/Speed", "Speed", true)]
    [InlineData("**", "a/b/c", true)]
    [InlineData("Plant/**/Load", "Plant/Machine1/Spindle/Load", true)]
    [InlineData("Plant/**/Load", "Other/Machine1/Spindle/Load", false)]
    public void A_glob_matches_browse_paths_level_by_level(string glob, string path, bool matches) =>
        Assert.Equal(matches, new BrowseGlob(glob).Matches(path.Split('/')));

    [Fact]
    public void A_glob_prunes_the_walk_below_paths_that_cannot_match()
    {
        var glob = new BrowseGlob("Machine*/Spindle/*");
        Assert.True(glob.CouldMatchBelow(["Machine1"]));
        Assert.True(glob.CouldMatchBelow(["Machine1", "Spindle"]));
        Assert.False(glob.CouldMatchBelow(["Machine1", "Feed"]));
        Assert.False(glob.CouldMatchBelow(["Many"]));
        Assert.False(glob.CouldMatchBelow(["Machine1", "Spindle", "Speed"])); // three levels is the deepest match
        Assert.True(new BrowseGlob("**/Speed").CouldMatchBelow(["a", "b", "c"]));
    }

    [Fact]
    public async Task The_walk_follows_continuation_points_visits_each_node_once_through_a_cycle_and_stops_at_the_cap()
    {
        var port = FreePort.Next();
        await using var server = await StartServerAsync(port);
        await using var client = await OpcUaClient.ConnectAsync($"opc.tcp://127.0.0.1:{port}");
        var plant = client.ResolveNodeId("nsu=urn:gateway:tests:discovery;s=Plant");

        // 7 references per call: the 250 variables of Many take 36 BrowseNext rounds; the server keeps 10 points at once.
        var walk = new AddressSpaceWalk(client) { MaxReferencesPerNode = 7 };
        var result = await walk.WalkAsync(plant, n => n.NodeClass is NodeClass.Object or NodeClass.Variable, CancellationToken.None);
        Assert.False(result.CutShort);
        var paths = result.Nodes.Select(n => n.PathText).ToList();
        Assert.Equal(250, paths.Count(p => p.StartsWith("Many/V", StringComparison.Ordinal)));
        Assert.Equal(Enumerable.Range(0, 250).Select(i => "Many/V" + i.ToString("D4", CultureInfo.InvariantCulture)), paths.Where(p => p.StartsWith("Many/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Contains("Machine2/Spindle/Speed", paths);
        Assert.Equal(paths.Count, paths.Distinct().Count()); // every node once, though each machine organizes the plant again
        Assert.DoesNotContain(result.Nodes, n => n.NodeId == plant);

        var capped = await new AddressSpaceWalk(client) { MaxNodes = 40 }.WalkAsync(plant, _ => true, CancellationToken.None);
        Assert.True(capped.CutShort);
        Assert.True(capped.Nodes.Count < 40, $"{capped.Nodes.Count} nodes listed under a cap of 40");

        var discovered = await BrowseDiscovery.DiscoverAsync(client, new DiscoverOptions { Start = "Objects/Plant", Glob = "Many/*", MaxNodes = 50 }, CancellationToken.None);
        Assert.Contains("discover.maxNodes (50)", discovered.Warning);
    }

    [Fact]
    public async Task A_discover_group_reads_what_the_glob_finds_and_picks_up_added_and_gone_nodes_on_rediscovery()
    {
        var port = FreePort.Next();
        await using var server = await StartServerAsync(port);
        var options = new OpcUaGroupOptions
        {
            Mode = AcquisitionMode.Subscribe,
            SamplingIntervalMs = 100,
            Discover = new DiscoverOptions { Start = "Objects/Plant", Glob = "Machine*/Spindle/*", DataTypes = ["Double"], EveryMinutes = 1 },
        };
        var group = new SourceGroup("plc", "cell-1", "found", TimeSpan.FromMilliseconds(200), options, "plc", LabelSet.Empty);

        // The one-minute rediscovery timer fires after 2 s; every shorter timer (reconnect backoff) keeps its time.
        var time = new ShiftedTimers(due => due >= TimeSpan.FromMinutes(1) ? TimeSpan.FromSeconds(2) : due);
        await using var run = RunningConnector.Start(Source($"opc.tcp://127.0.0.1:{port}"), [], [group], time: time);
        string[] first = ["Machine1.Spindle.Load", "Machine1.Spindle.Speed", "Machine2.Spindle.Load", "Machine2.Spindle.Speed"];
        await run.WaitUntilAsync(r => first.All(t => r.Any(x => x.Tag == t && x.Quality == Quality.Good)), Patience, "a reading of each Double below Machine*/Spindle");
        Assert.Equal(2000.0, run.Output.Readings.Last(r => r.Tag == "Machine2.Spindle.Speed").Value.AsDouble());
        Assert.DoesNotContain(run.Output.Readings, r => r.Tag.Contains("Name", StringComparison.Ordinal) || r.Tag.Contains("Feed", StringComparison.Ordinal) || r.Tag.Contains("Many", StringComparison.Ordinal));
        Assert.Equal(1, run.Log.Count("discovery in group cell-1/found: 4 tag(s) added, 0 gone, 4 now"));
        Assert.Equal(4, run.Connector.DiscoveredTags);

        await SignalAsync(server, "HUP", "changed machines=3");
        await run.WaitUntilAsync(r => r.Any(x => x.Tag == "Machine3.Spindle.Speed" && x.Quality == Quality.Good), Patience, "the machine added at run time");
        Assert.Equal(3000.0, run.Output.Readings.Last(r => r.Tag == "Machine3.Spindle.Speed").Value.AsDouble());
        Assert.Equal(1, run.Log.Count("2 tag(s) added, 1 gone, 5 now"));
        Assert.Equal(1, run.Log.Count("gone: Machine1.Spindle.Load"));
        Assert.Equal(6, run.Connector.DiscoveryAdded);
        Assert.Equal(1, run.Connector.DiscoveryGone);
        var health = ((IReportsHealth)run.Connector).TagHealthOf("cell-1")!;
        Assert.Equal(5, health.Tags);
        Assert.Contains("discovered 5 (+2, -1 at", health.Describe());

        // Nothing changes any more: later rediscoveries log nothing and keep the session.
        var lines = run.Log.Lines.Count;
        var reconnects = run.Connector.Reconnects;
        var runs = run.Connector.DiscoveryRuns;
        await run.WaitUntilAsync(_ => run.Connector.DiscoveryRuns >= runs + 3, Patience, "three more rediscoveries");
        Assert.Equal(0, run.Log.Lines.Skip(lines).Count(l => l.Contains("discovery in group", StringComparison.Ordinal)));
        Assert.Equal(reconnects, run.Connector.Reconnects);
    }

    internal static Task<ServerProcess> StartServerAsync(int port, params string[] extra) => ServerProcess.StartAsync(
        "node-opcua discovery server",
        "node",
        [RepositoryPaths.Combine("tests", "servers", "opcua", "discovery-server.js"), "--port", port.ToString(CultureInfo.InvariantCulture), .. extra],
        port,
        startTimeout: TimeSpan.FromMinutes(4),
        readyWhen: output => output.Contains("ready ", StringComparison.Ordinal));

    private static async Task SignalAsync(ServerProcess server, string signal, string done)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-" + signal, server.ProcessId.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        var deadline = DateTime.UtcNow + Patience;
        while (!server.Output.Contains(done, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the server did not print '{done}':\n{server.Output}");
            await Task.Delay(100);
        }
    }
}
