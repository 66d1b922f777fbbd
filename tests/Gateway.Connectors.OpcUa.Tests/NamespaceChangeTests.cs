using Gateway.Testing;
using static Gateway.Connectors.OpcUa.Tests.TestSources;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>
/// A server whose NamespaceArray changes inside a running session (node-opcua, tests/servers/opcua/alarms-server.js
/// `shift`: a namespace inserted before urn:gateway:tests:plant, whose index moves up by one). The gateway sees the
/// change at a keep-alive, resolves its `nsu=` tags again and reads the node the URI names now.
/// </summary>
public sealed class NamespaceChangeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_namespace_inserted_during_the_session_moves_an_nsu_tag_to_its_new_index_and_is_logged_once()
    {
        await using var server = await NodeOpcUaAlarmsServer.StartAsync(alarms: 1);
        var tag = Tag("speed", "nsu=urn:gateway:tests:plant;s=Plant.Speed", AcquisitionMode.Subscribe, 200);
        var run = RunningConnector.Start(Source(server.EndpointUrl), [tag]);
        try
        {
            await run.WaitUntilAsync(r => r.Any(x => x.Tag == "speed" && x.Value.AsInt64() == 111), Patience, "the plant's speed at its first index");

            await server.RunAsync("shift");
            // The node that urn:gateway:tests:plant;s=Plant.Speed names now holds 222 (the old index holds 111 still).
            await run.WaitUntilAsync(r => r.Any(x => x.Tag == "speed" && x.Value.AsInt64() == 222), Patience, "the plant's speed at its new index");
            Assert.Equal(1, run.Connector.NamespaceChanges);
            Assert.Equal(1, run.Log.Count("NamespaceArray changed"));
            Assert.Equal(1, run.Log.Count("urn:gateway:tests:plant"));
            // No Bad reading: the session was left on purpose, not lost.
            Assert.DoesNotContain(run.Output.Readings, r => r.Tag == "speed" && r.Quality == Gateway.Core.Quality.Bad);

            // Nothing moves back: the values after the change are the new node's.
            var afterChange = run.Output.Readings.SkipWhile(r => !(r.Tag == "speed" && r.Value.AsInt64() == 222)).Where(r => r.Tag == "speed").ToList();
            Assert.All(afterChange, r => Assert.Equal(222, r.Value.AsInt64()));
        }
        finally
        {
            await run.DisposeAsync();
        }
    }
}
