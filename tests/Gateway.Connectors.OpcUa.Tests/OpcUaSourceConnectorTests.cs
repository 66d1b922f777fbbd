using Gateway.Core;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;
using Gateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static Gateway.Connectors.OpcUa.Tests.TestSources;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>The acquisition connector against a real node-opcua server (tests/servers/opcua/server.js).</summary>
public sealed class OpcUaSourceConnectorTests
{
    [Fact]
    public async Task Poll_subscribe_browse_path_and_a_rejected_tag_all_at_once()
    {
        await using var server = await NodeOpcUaServer.StartAsync(doubles: 100);
        var tags = Enumerable.Range(0, 100).Select(i => Tag($"d{i}", $"nsu=urn:gateway:tests;s=Double.{i:D5}", AcquisitionMode.Poll, 200)).ToList();
        tags.Add(Tag("counter", "nsu=urn:gateway:tests;s=Counter", AcquisitionMode.Subscribe, 100));
        tags.Add(Tag("leaf", null, AcquisitionMode.Poll, 200, "Objects/Deep/L1/L2/L3/L4/L5/L6/L7/L8/Leaf"));
        tags.Add(Tag("ghost", "nsu=urn:gateway:tests;s=NoSuchNode", AcquisitionMode.Subscribe, 100));
        var connector = TestSources.Connector(Source(server.EndpointUrl), tags, NullLogger.Instance, TimeProvider.System);
        var output = new CollectingWriter();
        using var stop = new CancellationTokenSource();
        var run = connector.RunAsync(output, stop.Token);

        await output.WaitUntilAsync(r => r.Where(x => x.Tag.StartsWith('d')).Select(x => x.Tag).Distinct().Count() == 100, TimeSpan.FromSeconds(20), "every polled tag");
        await output.WaitUntilAsync(r => r.Count(x => x.Tag == "counter") >= 5, TimeSpan.FromSeconds(20), "five counter changes");
        await output.WaitUntilAsync(r => r.Any(x => x.Tag == "leaf"), TimeSpan.FromSeconds(20), "the browse-path tag");
        await stop.CancelAsync();
        await run;

        Assert.Equal(ConnectionState.Disconnected, connector.State);
        var readings = output.Readings.ToList();
        var d42 = readings.First(r => r.Tag == "d42");
        Assert.Equal(42.0, d42.Value.AsDouble());
        Assert.Equal(Quality.Good, d42.Quality);
        Assert.Equal("test", d42.Labels["site"]);
        Assert.Equal(42.0, readings.First(r => r.Tag == "leaf").Value.AsDouble());
        var counter = readings.Where(r => r.Tag == "counter").Select(r => r.Value.AsInt64()).ToList();
        Assert.Equal(counter.OrderBy(v => v), counter); // in order
        Assert.Contains("cell-1/ghost", connector.RejectedTags);
        Assert.DoesNotContain(readings, r => r.Tag == "ghost");
    }

    [Fact]
    public async Task A_server_that_dies_marks_the_tags_Bad_once_and_data_resumes_when_it_is_back_on_the_same_port()
    {
        var port = FreePort.Next();
        var server = await NodeOpcUaServer.StartAsync(doubles: 10, port: port);
        var tags = Enumerable.Range(0, 10).Select(i => Tag($"d{i}", $"nsu=urn:gateway:tests;s=Double.{i:D5}", AcquisitionMode.Poll, 200)).ToList();
        var connector = TestSources.Connector(Source(server.EndpointUrl), tags, NullLogger.Instance, TimeProvider.System);
        var output = new CollectingWriter();
        using var stop = new CancellationTokenSource();
        var run = connector.RunAsync(output, stop.Token);
        try
        {
            await output.WaitUntilAsync(r => r.Count(x => x.Quality == Quality.Good) >= 10, TimeSpan.FromSeconds(20), "first good readings");
            Assert.Equal(ConnectionState.Connected, connector.State);

            await server.KillAsync();
            await output.WaitUntilAsync(r => r.Count(x => x.Quality == Quality.Bad) >= 10, TimeSpan.FromSeconds(30), "Bad readings after the kill");
            await Task.Delay(2000); // several reconnect attempts fail meanwhile
            var bad = output.Readings.Where(x => x.Quality == Quality.Bad).ToList();
            Assert.Equal(10, bad.Count); // once per tag, not once per retry
            Assert.All(bad, r => Assert.Equal(StatusCodes.BadNotConnected, r.StatusCode));
            Assert.NotEqual(ConnectionState.Connected, connector.State);

            var before = output.Readings.Count;
            await server.DisposeAsync();
            server = await NodeOpcUaServer.StartAsync(doubles: 10, port: port);
            await output.WaitUntilAsync(r => r.Skip(before).Count(x => x.Quality == Quality.Good) >= 10, TimeSpan.FromSeconds(30), "good readings after the restart");
            Assert.Equal(ConnectionState.Connected, connector.State);
            Assert.True(connector.Reconnects > 0);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Values_the_server_queue_dropped_are_flagged_as_a_data_gap_on_the_next_reading()
    {
        await using var server = await NodeOpcUaServer.StartAsync(doubles: 10, counters: 3);
        // Counters change every 100 ms; a queue of 2 emptied once a second overflows (Part 4, 5.12.1.5).
        var run = RunningConnector.Start(Source(server.EndpointUrl), Counters(3, Group(AcquisitionMode.Subscribe, 1000, samplingMs: 0, queueSize: 2)));
        await using (run)
        {
            await run.WaitUntilAsync(r => r.Count(x => x.Tag == "c00000") >= 6, TimeSpan.FromSeconds(20), "three publishes of c00000");
        }

        var c0 = run.Output.Readings.Where(r => r.Tag == "c00000").ToList();
        Assert.Contains(c0, r => r.DataGap);
        Assert.All(c0, r => Assert.Equal(Quality.Good, r.Quality)); // a gap is not a bad value
        Assert.True(CheckSequences(c0).Gaps > 0); // and the values really jump
    }
}
