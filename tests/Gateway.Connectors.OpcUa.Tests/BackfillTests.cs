using Gateway.Core;
using Gateway.Testing;
using static Gateway.Connectors.OpcUa.Tests.TestSources;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>
/// `backfill: true` against node-opcua's historian (tests/servers/opcua/discovery-server.js: History/Counter counts up
/// every 100 ms and is historized; History/Plain counts alike without history).
/// </summary>
public sealed class BackfillTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("gateway-backfill-").FullName;

    [Fact]
    public async Task Values_missed_while_the_gateway_was_stopped_arrive_once_marked_in_order_before_the_live_ones()
    {
        var port = FreePort.Next();
        await using var server = await DiscoveryTests.StartServerAsync(port, "--history-ms", "100");
        // Sampling 0: the server reports every change (none sampled away), so the live values are complete too.
        var group = Group(AcquisitionMode.Subscribe, 100, samplingMs: 0, queueSize: 1000);
        group.Options.Backfill = true;
        List<SourceTag> tags =
        [
            Tag("counter", "nsu=urn:gateway:tests:discovery;s=History.Counter", group),
            Tag("plain", "nsu=urn:gateway:tests:discovery;s=History.Plain", group),
        ];
        var source = Source($"opc.tcp://127.0.0.1:{port}");

        // First run: live values; the high-water mark is kept in the data directory when the connector stops.
        var run = RunningConnector.Start(source, tags, [], _dataDirectory);
        try
        {
            await run.WaitUntilAsync(r => r.Count(x => x.Tag == "counter" && x.Quality == Quality.Good) >= 10, Patience, "ten live counter values");
        }
        finally
        {
            await run.DisposeAsync();
        }

        List<Reading> first = [.. run.Output.Readings];

        Assert.DoesNotContain(first, r => r.Backfilled);
        Assert.True(File.Exists(Path.Combine(_dataDirectory, "backfill", "plc.json")));
        var lastSeen = first.Where(r => r.Tag == "counter" && r.Quality == Quality.Good).Max(r => r.Value.AsInt64());

        // Stopped while the server counts on (at least 30 values at 100 ms); then a new connector, as after a restart.
        await Task.Delay(TimeSpan.FromSeconds(4));
        await using var second = RunningConnector.Start(source, tags, [], _dataDirectory);
        await second.WaitUntilAsync(r => r.Count(x => x.Tag == "counter" && !x.Backfilled && x.Quality == Quality.Good) >= 5, Patience, "live values after the restart");
        var readings = second.Output.Readings.Where(r => r.Tag == "counter" && r.Quality == Quality.Good).ToList();
        var backfilled = readings.Where(r => r.Backfilled).ToList();
        var firstLive = readings.FindIndex(r => !r.Backfilled);

        Assert.True(backfilled.Count >= 30, $"{backfilled.Count} values backfilled after a stop of 4 s at 100 ms");
        Assert.True(readings.Take(firstLive).All(r => r.Backfilled), "every backfilled value comes before the first live one");
        Assert.DoesNotContain(readings.Skip(firstLive), r => r.Backfilled);
        var values = backfilled.Select(r => r.Value.AsInt64()).ToList();
        Assert.Equal(Enumerable.Range((int)lastSeen + 1, values.Count).Select(v => (long)v), values); // each missed value once, in order
        Assert.True(readings[firstLive].Value.AsInt64() <= values[^1] + 1, $"live resumes at {readings[firstLive].Value} after backfilled {values[^1]}: nothing between them is missing");
        Assert.Equal(backfilled.Select(r => r.SourceTimestamp).Order(), backfilled.Select(r => r.SourceTimestamp));

        // A node without history is read live only, and said so once.
        Assert.DoesNotContain(second.Output.Readings, r => r.Tag == "plain" && r.Backfilled);
        Assert.Equal(1, second.Log.Count("tag cell-1/plain is not backfilled: the server keeps no history"));
        Assert.Equal(1, second.Log.Count($"backfilled {backfilled.Count} value(s) of 1 tag(s) from history"));
    }

    [Fact]
    public async Task A_flattened_structure_tag_keeps_one_high_water_mark_under_its_own_name_that_the_next_backfill_uses()
    {
        var port = FreePort.Next();
        // node-opcua's structs server: Tool1 (ToolData) changes every 200 ms; it keeps no history.
        await using var server = await ServerProcess.StartAsync(
            "node-opcua structs server",
            "node",
            [RepositoryPaths.Combine("tests", "servers", "opcua", "structs-server.js"), "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            port,
            startTimeout: TimeSpan.FromMinutes(4));
        var group = Group(AcquisitionMode.Subscribe, 100, samplingMs: 100, queueSize: 100);
        group.Options.Backfill = true;
        var tag = Tag("tool", "nsu=urn:gateway:structs;s=Tool1", group);
        tag = tag with { Address = new OpcUaTagAddress { NodeId = "nsu=urn:gateway:structs;s=Tool1", Structure = "flatten", Fields = ["Life.Used", "Number"] } };
        var source = Source($"opc.tcp://127.0.0.1:{port}");

        var run = RunningConnector.Start(source, [tag], [], _dataDirectory);
        try
        {
            await run.WaitUntilAsync(r => r.Count(x => x.Tag == "tool.Life.Used" && x.Quality == Quality.Good) >= 3, Patience, "three flattened values");
        }
        finally
        {
            await run.DisposeAsync();
        }

        // One mark, named after the configured tag (whose node the history would be read from), not one per leaf.
        var marks = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, DateTime>>(await File.ReadAllTextAsync(Path.Combine(_dataDirectory, "backfill", "plc.json")))!;
        Assert.Equal(["cell-1/tool"], marks.Keys);
        var newestLeaf = run.Output.Readings.Where(r => r.Tag.StartsWith("tool.", StringComparison.Ordinal) && r.Quality == Quality.Good).Max(r => r.SourceTimestamp);
        Assert.Equal(newestLeaf, DateTime.SpecifyKind(marks["cell-1/tool"], DateTimeKind.Utc));

        // The next session finds the mark and asks the node for its history (this server keeps none, and says so once).
        var second = RunningConnector.Start(source, [tag], [], _dataDirectory);
        try
        {
            await second.WaitUntilAsync(r => r.Any(x => x.Tag == "tool.Life.Used" && x.Quality == Quality.Good), Patience, "live values again");
            Assert.Equal(1, second.Log.Count("tag cell-1/tool is not backfilled: the server keeps no history"));
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);
}
