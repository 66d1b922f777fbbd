using Gateway.Core;
using Gateway.Testing;
using static Gateway.Connectors.OpcUa.Tests.TestSources;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>
/// How the connector recovers, against node-opcua (tests/servers/opcua/server.js): a cut socket (the session reactivated
/// over a new connection, nothing lost), a cut longer than the session timeout (TransferSubscriptions, nothing lost), a
/// server that stops answering Publish (watchdog, subscriptions recreated), a restart with the namespaces in another
/// order (nsu= resolved again), and the session cap.
/// </summary>
public sealed class RecoveryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_socket_cut_mid_stream_reactivates_the_session_over_a_new_connection_and_loses_no_change()
    {
        await using var server = await NodeOpcUaServer.StartAsync(doubles: 10, counters: 20);
        await using var relay = TcpRelay.Start(server.Port);
        // Queue 100 = 10 s of changes per item: enough to bridge the reconnect on the server side.
        var tags = Counters(20, Group(AcquisitionMode.Subscribe, 100, samplingMs: 0, queueSize: 100));
        var run = RunningConnector.Start(Source($"opc.tcp://127.0.0.1:{relay.Port}"), tags);
        await using (run)
        {
            await run.WaitUntilAsync(r => r.Count(x => x.Tag == "c00000") >= 10, Patience, "ten changes of c00000");
            relay.AbortAll();
            await Eventually.HoldsAsync(() => run.Connector.SubscriptionsReactivated + run.Connector.SubscriptionsTransferred + run.Connector.SubscriptionsRecreated >= 1, Patience, "a recovered subscription");
            var afterCut = run.Output.Readings.Count;
            await run.WaitUntilAsync(r => r.Skip(afterCut).Count(x => x.Tag == "c00000") >= 10, Patience, "ten more changes after the cut");
        }

        // Part 4, 6.7: the server still held the session, so the first choice applies: the same session, a new channel.
        Assert.Equal(1, run.Connector.SubscriptionsReactivated);
        Assert.Equal(0, run.Connector.SubscriptionsTransferred);
        Assert.Equal(0, run.Connector.SubscriptionsRecreated);
        Assert.Equal(1, run.Log.Count("reactivated the session over a new connection: 1 subscription(s) kept"));
        Assert.Equal(1, server.Sessions.Most);
        var (gaps, backwards, example) = CheckSequences(run.Output.Readings);
        Assert.True(gaps == 0 && backwards == 0, $"{gaps} missing and {backwards} out-of-order values across the cut, e.g. {example}");
        // The loss was still said once, with Bad readings.
        Assert.Equal(20, run.Output.Readings.Count(r => r.Quality == Quality.Bad));
    }

    [Fact]
    public async Task A_socket_cut_longer_than_the_session_timeout_transfers_the_subscription_to_a_new_session_and_loses_no_change()
    {
        await using var server = await NodeOpcUaServer.StartAsync(doubles: 10, counters: 20);
        await using var relay = TcpRelay.Start(server.Port);
        // Queue 100 = 10 s of changes per item: enough to bridge the outage on the server side.
        var tags = Counters(20, Group(AcquisitionMode.Subscribe, 100, samplingMs: 0, queueSize: 100));
        var source = Source($"opc.tcp://127.0.0.1:{relay.Port}");
        source.Options.SessionTimeoutMs = 2000;
        source.Options.Reconnect.InitialDelayMs = 200;
        source.Options.Reconnect.MaxDelayMs = 500;
        var run = RunningConnector.Start(source, tags);
        await using (run)
        {
            await run.WaitUntilAsync(r => r.Count(x => x.Tag == "c00000") >= 10, Patience, "ten changes of c00000");
            relay.Closed = true;
            relay.AbortAll();
            // The server closes the session after its timeout and keeps the subscription (Part 4, 5.6.1): no reactivation now.
            await Eventually.HoldsAsync(() => server.Output.Contains("because of timeout", StringComparison.Ordinal), Patience, "the server closing the session after its timeout");
            relay.Closed = false;
            await Eventually.HoldsAsync(() => run.Connector.SubscriptionsReactivated + run.Connector.SubscriptionsTransferred + run.Connector.SubscriptionsRecreated >= 1, Patience, "a recovered subscription");
            var afterCut = run.Output.Readings.Count;
            await run.WaitUntilAsync(r => r.Skip(afterCut).Count(x => x.Tag == "c00000") >= 10, Patience, "ten more changes after the cut");
        }

        Assert.Equal(1, run.Connector.SubscriptionsTransferred);
        Assert.Equal(0, run.Connector.SubscriptionsRecreated);
        Assert.Equal(0, run.Connector.SubscriptionsReactivated);
        Assert.Equal(1, run.Log.Count("1 transferred to the new session"));
        var (gaps, backwards, example) = CheckSequences(run.Output.Readings);
        Assert.True(gaps == 0 && backwards == 0, $"{gaps} missing and {backwards} out-of-order values across the cut, e.g. {example}");
        // The loss was still said once, with Bad readings.
        Assert.Equal(20, run.Output.Readings.Count(r => r.Quality == Quality.Bad));
    }

    [Fact]
    public async Task A_server_that_stops_answering_Publish_is_noticed_by_the_watchdog_and_the_subscription_is_recreated()
    {
        await using var server = await NodeOpcUaServer.StartAsync(doubles: 10, counters: 5);
        var tags = Counters(5, Group(AcquisitionMode.Subscribe, 100, samplingMs: 0));
        var run = RunningConnector.Start(Source(server.EndpointUrl, requestTimeoutMs: 2000), tags);
        await using (run)
        {
            await run.WaitUntilAsync(r => r.Count(x => x.Tag == "c00000") >= 5, Patience, "five changes of c00000");
            await server.MutePublishAsync();
            var muted = DateTime.UtcNow;
            await Eventually.HoldsAsync(() => run.Connector.SubscriptionsRecreated >= 1, Patience, "the watchdog's recovery");
            var recoveredAfter = DateTime.UtcNow - muted;
            var afterRecovery = run.Output.Readings.Count;
            await run.WaitUntilAsync(r => r.Skip(afterRecovery).Count(x => x.Tag == "c00000" && x.Quality == Quality.Good) >= 5, Patience, "data after the recovery");
            // The watchdog allows 3 keep-alive periods (3 x 10 x 100 ms), at least 5 s: it must not give up earlier. How
            // much later it acts depends on the machine's load, so no upper bound here (Patience bounds the wait).
            Assert.True(recoveredAfter >= TimeSpan.FromSeconds(4), $"the watchdog recreated the subscription {recoveredAfter.TotalSeconds:0.0} s after Publish was muted");
        }

        Assert.Equal(0, run.Connector.SubscriptionsTransferred); // the old session was closed, its subscription with it
        Assert.True(run.Log.Count("sent nothing for") >= 1, string.Join("\n", run.Log.Lines));
        Assert.Equal(1, server.Sessions.Most); // the muted session was closed before the new one was created
    }

    [Fact]
    public async Task A_server_restarted_with_its_namespaces_in_another_order_gets_data_to_the_right_tags_with_one_session_at_most()
    {
        var port = FreePort.Next();
        var first = await NodeOpcUaServer.StartAsync(doubles: 10, counters: 5, port: port);
        Assert.Equal(2, first.TestNamespace);
        var poll = Group(AcquisitionMode.Poll, 200);
        var tags = Enumerable.Range(0, 10).Select(i => Tag($"d{i}", $"nsu=urn:gateway:tests;s=Double.{i:D5}", poll)).ToList();
        tags.Add(Tag("counter", "nsu=urn:gateway:tests;s=Counter", Group(AcquisitionMode.Subscribe, 100)));
        tags.AddRange(Counters(5, Group(AcquisitionMode.Subscribe, 100, samplingMs: 0)));
        var source = Source($"opc.tcp://127.0.0.1:{port}");
        var run = RunningConnector.Start(source, tags);
        NodeOpcUaServer? second = null;
        try
        {
            await run.WaitUntilAsync(r => r.Select(x => x.Tag).Distinct().Count() == 16, Patience, "every tag once");
            var firstSessions = first.Sessions.Most;
            await first.KillAsync();
            await first.DisposeAsync();
            // The issue asks for 20 s down; 5 s keep the suite fast and still see several failed reconnects.
            await Task.Delay(5000);
            var before = run.Output.Readings.Count;
            second = await NodeOpcUaServer.StartAsync(doubles: 10, counters: 5, port: port, reversedNamespaces: true);
            Assert.Equal(3, second.TestNamespace);
            await run.WaitUntilAsync(
                r => r.Skip(before).Where(x => x.Quality == Quality.Good).Select(x => x.Tag).Distinct().Count() == 16,
                Patience,
                "every tag again after the restart");
            // How soon data resumes is a speed, measured by the load harness's server-restart scenario; what must hold
            // at any speed is that every tag is back, from the right namespace, over one session.
            await Task.Delay(1000);

            var after = run.Output.Readings.Skip(before).Where(x => x.Quality == Quality.Good).ToList();
            // The decoy namespace now sits at the old index with the same ids and negative values: none may leak in.
            Assert.All(after.Where(x => x.Tag.StartsWith('d')), x => Assert.Equal(int.Parse(x.Tag[1..], System.Globalization.CultureInfo.InvariantCulture), x.Value.AsDouble()));
            Assert.All(after.Where(x => x.Tag == "counter"), x => Assert.True(x.Value.AsInt64() >= 0));
            Assert.Equal(1, firstSessions);
            Assert.Equal(1, second.Sessions.Most);
            Assert.Equal(2, run.Connector.SubscriptionsRecreated); // both groups: nothing to transfer, the NodeIds moved
            Assert.Equal(0, run.Connector.SubscriptionsTransferred);
        }
        finally
        {
            await run.DisposeAsync();
            await first.DisposeAsync();
            if (second is not null)
            {
                await second.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task MaxSessions_1_keeps_a_second_source_on_the_same_server_waiting_until_the_first_lets_go()
    {
        await using var server = await NodeOpcUaServer.StartAsync(doubles: 10);
        var poll = Group(AcquisitionMode.Poll, 200);
        var a = RunningConnector.Start(Source(server.EndpointUrl, name: "a"), [Tag("d1", "nsu=urn:gateway:tests;s=Double.00001", poll, source: "a")]);
        await a.WaitUntilAsync(r => r.Count >= 3, Patience, "readings of source a");
        await using var b = RunningConnector.Start(Source(server.EndpointUrl, name: "b"), [Tag("d2", "nsu=urn:gateway:tests;s=Double.00002", poll, source: "b")]);
        await Task.Delay(2000);
        // (b may still be starting on a busy machine: it says Connecting once it waits, whatever the speed)
        await Eventually.HoldsAsync(() => b.Connector.State == ConnectionState.Connecting, Patience, "source b connecting");
        Assert.Empty(b.Output.Readings);
        Assert.Equal(1, SessionSlots.InUse(server.EndpointUrl));

        // A source waiting on another's slot says so once, naming the key, instead of looking like a dead machine.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (b.Log.Count("waiting for a session on") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "source b never said it waits for a session");
            await Task.Delay(100);
        }

        Assert.Equal(1, b.Log.Count("waiting for a session on"));
        Assert.Contains(b.Log.Lines, l => l.Contains("Source b:", StringComparison.Ordinal) && l.Contains("`maxSessions`", StringComparison.Ordinal));
        Assert.Equal(1, b.Connector.SessionSlotWaits);
        Assert.Empty(b.Output.Readings);

        await a.DisposeAsync();
        await b.WaitUntilAsync(r => r.Count >= 3, Patience, "readings of source b once a stopped");
        Assert.Equal(1, server.Sessions.Most);
    }

    [Fact]
    public async Task Rejected_items_are_reported_once_by_name_and_an_unadvertised_limit_splits_the_calls()
    {
        await using var server = await NodeOpcUaServer.StartAsync(doubles: 300, hiddenMaxMonitoredItemsPerCall: 100);
        await using var relay = TcpRelay.Start(server.Port);
        var group = Group(AcquisitionMode.Subscribe, 200, samplingMs: 100);
        var tags = Enumerable.Range(0, 250).Select(i => Tag($"d{i}", $"nsu=urn:gateway:tests;s=Double.{i:D5}", group)).ToList();
        tags.Add(Tag("ghost1", "nsu=urn:gateway:tests;s=NoSuchNode.1", group));
        tags.Add(Tag("ghost2", "nsu=urn:gateway:tests;s=NoSuchNode.2", group));
        tags.Add(Tag("stranger", "nsu=urn:no-such-namespace;s=X", group));
        var run = RunningConnector.Start(Source($"opc.tcp://127.0.0.1:{relay.Port}"), tags);
        await using (run)
        {
            await run.WaitUntilAsync(r => r.Select(x => x.Tag).Distinct().Count() == 250, Patience, "all 250 good items");
            var beforeCut = run.Output.Readings.Count;
            relay.AbortAll(); // reconnect: the rejects must not be reported again
            await run.WaitUntilAsync(
                r => r.Skip(beforeCut).Where(x => x.Quality == Quality.Good).Select(x => x.Tag).Distinct().Count() == 250,
                Patience,
                "all 250 again (initial values after the transfer)");
        }

        Assert.Equal(["cell-1/ghost1", "cell-1/ghost2", "cell-1/stranger"], run.Connector.RejectedTags.Order());
        Assert.Equal(1, run.Log.Count("cell-1/ghost1 is not read"));
        Assert.Equal(1, run.Log.Count("cell-1/stranger is not read"));
        Assert.True(run.Log.Count("BadTooManyOperations") >= 1, string.Join("\n", run.Log.Lines));
        Assert.DoesNotContain(run.Output.Readings, r => r.Tag.StartsWith("ghost", StringComparison.Ordinal) || r.Tag == "stranger");
    }

    [Fact]
    public async Task Absolute_and_percent_deadbands_filter_on_the_server_as_configured()
    {
        await using var server = await NodeOpcUaServer.StartAsync(doubles: 10);
        const string ramp = "nsu=urn:gateway:tests;s=Ramp"; // +1 every 100 ms, EURange 0..1000
        var tags = new[]
        {
            Tag("every", ramp, Group(AcquisitionMode.Subscribe, 100, samplingMs: 0)),
            Tag("absolute", ramp, Group(AcquisitionMode.Subscribe, 100, samplingMs: 0, deadband: "absolute", deadbandValue: 5)),
            Tag("percent", ramp, Group(AcquisitionMode.Subscribe, 100, samplingMs: 0, deadband: "percent", deadbandValue: 1)), // 1 % of 1000 = 10
        };
        var run = RunningConnector.Start(Source(server.EndpointUrl), tags);
        await using (run)
        {
            await run.WaitUntilAsync(r => r.Count(x => x.Tag == "percent") >= 4, Patience, "four values through the percent deadband");
        }

        List<double> Values(string tag) => run.Output.Readings.Where(r => r.Tag == tag && r.Quality == Quality.Good).Select(r => r.Value.AsDouble()).ToList();
        static IEnumerable<double> Steps(List<double> values) => values.Zip(values.Skip(1), (a, b) => Math.Abs(b - a)).Where(d => d < 500); // the ramp wraps at 1000
        Assert.All(Steps(Values("absolute")), step => Assert.True(step > 5, $"absolute deadband 5 let a step of {step} through"));
        Assert.All(Steps(Values("percent")), step => Assert.True(step > 10, $"percent deadband 1 % of 1000 let a step of {step} through"));
        Assert.True(Values("every").Count > 3 * Values("absolute").Count, $"{Values("every").Count} values without a deadband, {Values("absolute").Count} with");
        Assert.True(Values("absolute").Count > Values("percent").Count);
    }
}
