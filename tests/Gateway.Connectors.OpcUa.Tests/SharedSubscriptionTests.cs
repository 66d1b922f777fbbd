using Gateway.Core;
using Gateway.OpcUa.Client.Subscriptions;
using Gateway.OpcUa.Server;
using Gateway.OpcUa.Types;
using Gateway.Simulator;
using Gateway.Testing;
using static Gateway.Connectors.OpcUa.Tests.TestSources;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>
/// Groups of one interval share one OPC UA subscription, against the built-in simulator's own OPC UA server (its limits
/// set low: 5 subscriptions per session, a few items per subscription) and node-opcua (transfer after a long cut).
/// </summary>
public sealed class SharedSubscriptionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private const int Machines = 12;

    /// <summary>One group per simulated machine: even machines every 200 ms sampled at 50 ms, odd ones every 500 ms sampled at 100 ms.</summary>
    private static List<SourceTag> MachineTags(SimulatorServer simulator, Func<int, TestGroup>? groupOf = null)
    {
        var machines = simulator.Tags.Select(t => t.Machine).Distinct().ToList();
        groupOf ??= m => m % 2 == 0 ? Group(AcquisitionMode.Subscribe, 200, samplingMs: 50) : Group(AcquisitionMode.Subscribe, 500, samplingMs: 100);
        return simulator.Tags.Select(t => Tag(t.Path, t.ExpandedNodeId, groupOf(machines.IndexOf(t.Machine)), machine: t.Machine, source: "sim")).ToList();
    }

    private static int GoodTags(IEnumerable<Reading> readings) =>
        readings.Where(r => r.Quality != Quality.Bad).Select(r => (r.Machine, r.Tag)).Distinct().Count();

    private static Task<SimulatorServer> StartSimulatorAsync(ServerLimits limits, int machines = Machines) =>
        SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, Machines = machines, RateMs = 100 }, limits);

    [Fact]
    public async Task More_machine_groups_than_the_server_allows_subscriptions_deliver_every_tag_in_one_subscription_per_interval()
    {
        await using var simulator = await StartSimulatorAsync(new ServerLimits { MaxSubscriptionsPerSession = 5 });
        var tags = MachineTags(simulator);
        var run = RunningConnector.Start(Source(simulator.EndpointUrl, "sim"), tags);
        await using (run)
        {
            await run.WaitUntilAsync(r => GoodTags(r) == tags.Count, Patience, $"all {tags.Count} tags of {Machines} machines");
            Assert.Equal(2, run.Connector.SubscriptionCount);
            Assert.Equal(2, simulator.Server.Dispatcher.SubscriptionCount); // 200 ms and 500 ms: 12 groups in 2 subscriptions
            Assert.Equal(tags.Count, run.Connector.MonitoredItemsActive);
            Assert.Equal(0, run.Log.Count("BadTooManySubscriptions"));
        }
    }

    [Fact]
    public async Task Without_sharing_the_server_refusal_is_one_error_naming_the_option_and_the_subscriptions_created_keep_delivering()
    {
        await using var simulator = await StartSimulatorAsync(new ServerLimits { MaxSubscriptionsPerSession = 5 });
        var tags = MachineTags(simulator, _ => Group(AcquisitionMode.Subscribe, 200));
        var source = Source(simulator.EndpointUrl, "sim");
        source.Options.ShareSubscriptions = false;
        var run = RunningConnector.Start(source, tags);
        await using (run)
        {
            // The first five machines' groups got a subscription each and deliver; the other seven are Bad, said once.
            var firstFive = tags.Select(t => t.Machine).Distinct().Take(5).ToHashSet();
            var expected = tags.Count(t => firstFive.Contains(t.Machine));
            await run.WaitUntilAsync(r => GoodTags(r) == expected, Patience, $"the {expected} tags of the five subscribed machines");
            await Eventually.HoldsAsync(() => run.Connector.State == ConnectionState.Connected, Patience, "the source connected with the subscriptions it got");
            var before = run.Output.Readings.Count;
            await run.WaitUntilAsync(r => r.Count > before + expected, Patience, "more values from the five subscriptions");

            Assert.Equal(5, simulator.Server.Dispatcher.SubscriptionCount);
            Assert.Equal(expected, GoodTags(run.Output.Readings));
            Assert.Equal(tags.Count - expected, run.Connector.TagHealth.BadTags);
            Assert.Equal(1, run.Log.Count("refused a further subscription (BadTooManySubscriptions) after 5"));
            Assert.Equal(1, run.Log.Count("`shareSubscriptions: true`"));
            Assert.Equal(0, run.Connector.Reconnects); // no retry loop against a limit that will not change
        }
    }

    [Fact]
    public async Task A_shared_subscription_holds_at_most_maxItemsPerSubscription_and_the_next_groups_open_another()
    {
        await using var simulator = await StartSimulatorAsync(new ServerLimits { MaxSubscriptionsPerSession = 5 });
        var tags = MachineTags(simulator, _ => Group(AcquisitionMode.Subscribe, 200));
        var largestGroup = tags.GroupBy(t => t.Machine).Max(g => g.Count());
        var source = Source(simulator.EndpointUrl, "sim");
        source.Options.MaxItemsPerSubscription = 4 * largestGroup;
        var run = RunningConnector.Start(source, tags);
        await using (run)
        {
            await run.WaitUntilAsync(r => GoodTags(r) == tags.Count, Patience, $"all {tags.Count} tags");
            // Whole groups are packed: at least 4 machines per subscription, none above the cap.
            Assert.InRange(run.Connector.SubscriptionCount, (int)Math.Ceiling(tags.Count / (4.0 * largestGroup)), 3);
            Assert.Equal(run.Connector.SubscriptionCount, simulator.Server.Dispatcher.SubscriptionCount);
            Assert.Equal(tags.Count, run.Connector.MonitoredItemsActive);
        }
    }

    [Fact]
    public async Task A_server_refusing_items_past_its_per_subscription_limit_is_one_error_naming_maxItemsPerSubscription()
    {
        await using var simulator = await StartSimulatorAsync(new ServerLimits { MaxMonitoredItemsPerSubscription = 10 }, machines: 3);
        var tags = MachineTags(simulator, _ => Group(AcquisitionMode.Subscribe, 200));
        var run = RunningConnector.Start(Source(simulator.EndpointUrl, "sim"), tags);
        await using (run)
        {
            await run.WaitUntilAsync(r => GoodTags(r) == 10, Patience, "the 10 items the server accepted");
            await Eventually.HoldsAsync(() => run.Connector.State == ConnectionState.Connected, Patience, "connected");
            Assert.Equal(1, run.Log.Count("BadTooManyMonitoredItems"));
            Assert.Equal(1, run.Log.Count("Set `maxItemsPerSubscription` on the source"));
            Assert.Equal(tags.Count - 10, run.Connector.TagHealth.BadTags);
            Assert.Equal(10, run.Connector.MonitoredItemsActive);
        }
    }

    [Fact]
    public async Task A_group_larger_than_the_servers_per_subscription_limit_is_one_error_saying_to_split_the_group()
    {
        await using var simulator = await StartSimulatorAsync(new ServerLimits { MaxMonitoredItemsPerSubscription = 5 }, machines: 1);
        var tags = MachineTags(simulator, _ => Group(AcquisitionMode.Subscribe, 200));
        Assert.True(tags.Count > 5, $"the machine's group has {tags.Count} tags; the test needs more than the limit");
        var run = RunningConnector.Start(Source(simulator.EndpointUrl, "sim"), tags);
        await using (run)
        {
            await run.WaitUntilAsync(r => GoodTags(r) == 5, Patience, "the 5 items the server accepted");
            await Eventually.HoldsAsync(() => run.Connector.State == ConnectionState.Connected, Patience, "connected");
            Assert.Equal(1, run.Log.Count("BadTooManyMonitoredItems"));
            Assert.Equal(1, run.Log.Count("Split the group into groups of at most 5 tags"));
            Assert.Equal(0, run.Log.Count("Set `maxItemsPerSubscription` on the source"));
            Assert.Equal(tags.Count - 5, run.Connector.TagHealth.BadTags);
        }
    }

    [Fact]
    public async Task A_machine_added_by_a_reload_joins_the_shared_subscriptions()
    {
        await using var simulator = await StartSimulatorAsync(new ServerLimits { MaxSubscriptionsPerSession = 5 }, machines: Machines + 1);
        var all = MachineTags(simulator);
        var newest = simulator.Tags[^1].Machine;
        var before = all.Where(t => t.Machine != newest).ToList();
        // A hot reload that changes a source stops it and starts it with the new configuration (GatewayRuntime).
        var first = RunningConnector.Start(Source(simulator.EndpointUrl, "sim"), before);
        await using (first)
        {
            await first.WaitUntilAsync(r => GoodTags(r) == before.Count, Patience, $"the {before.Count} tags before the reload");
        }

        var second = RunningConnector.Start(Source(simulator.EndpointUrl, "sim"), all);
        await using (second)
        {
            await second.WaitUntilAsync(r => GoodTags(r) == all.Count, Patience, $"all {all.Count} tags after the reload, the new machine's too");
            Assert.Contains(second.Output.Readings, r => r.Machine == newest && r.Quality == Quality.Good);
            Assert.Equal(2, second.Connector.SubscriptionCount);
            await Eventually.HoldsAsync(() => simulator.Server.Dispatcher.SubscriptionCount == 2, Patience, "the first run's subscriptions deleted, the second's two left");
        }
    }

    [Fact]
    public async Task Groups_sharing_a_subscription_are_transferred_together_after_a_cut_longer_than_the_session_timeout()
    {
        await using var server = await NodeOpcUaServer.StartAsync(doubles: 10, counters: 20);
        await using var relay = TcpRelay.Start(server.Port);
        // Two machines of ten counters each, one interval: one subscription. Queue 100 bridges the outage.
        var group = Group(AcquisitionMode.Subscribe, 100, samplingMs: 0, queueSize: 100);
        var tags = Counters(20, group).Select((t, i) => t with { Machine = i < 10 ? "cell-1" : "cell-2" }).ToList();
        var source = Source($"opc.tcp://127.0.0.1:{relay.Port}");
        source.Options.SessionTimeoutMs = 2000;
        var run = RunningConnector.Start(source, tags);
        await using (run)
        {
            await run.WaitUntilAsync(r => r.Count(x => x.Tag == "c00000") >= 10 && r.Count(x => x.Tag == "c00019") >= 10, Patience, "ten changes of each machine's first counter");
            Assert.Equal(1, run.Connector.SubscriptionCount);
            relay.Closed = true;
            relay.AbortAll();
            await Eventually.HoldsAsync(() => server.Output.Contains("because of timeout", StringComparison.Ordinal), Patience, "the server closing the session after its timeout");
            relay.Closed = false;
            await Eventually.HoldsAsync(() => run.Connector.SubscriptionsTransferred + run.Connector.SubscriptionsRecreated >= 1, Patience, "a recovered subscription");
            var afterCut = run.Output.Readings.Count;
            await run.WaitUntilAsync(r => r.Skip(afterCut).Count(x => x.Tag == "c00000") >= 10 && r.Skip(afterCut).Count(x => x.Tag == "c00019") >= 10, Patience, "ten more changes of each machine after the cut");
        }

        Assert.Equal(2, run.Connector.SubscriptionsTransferred); // both groups, in the one subscription that moved
        Assert.Equal(0, run.Connector.SubscriptionsRecreated);
        Assert.Equal(1, run.Log.Count("2 transferred to the new session"));
        var (gaps, backwards, example) = CheckSequences(run.Output.Readings);
        Assert.True(gaps == 0 && backwards == 0, $"{gaps} missing and {backwards} out-of-order values across the cut, e.g. {example}");
        Assert.DoesNotContain(run.Output.Readings, r => r.DataGap);
    }

    [Fact]
    public void Client_handles_map_back_to_group_and_tag_and_a_gap_flags_only_the_groups_of_its_subscription()
    {
        var settings = new SubscriptionSettings { PublishingInterval = TimeSpan.FromMilliseconds(200) };
        var first = new SharedSubscription(settings, capacity: 100);
        var second = new SharedSubscription(settings, capacity: 100);
        var a = first.Add(Planned("m1", 3), Items("m1", 3));
        var b = first.Add(Planned("m2", 2), Items("m2", 2));
        var c = second.Add(Planned("m3", 2), Items("m3", 2));

        Assert.True(first.TryFind(4, out var found, out var index));
        Assert.Same(b, found);
        Assert.Equal(1, index);
        Assert.Equal("m2", found.TagsByHandle[index].Machine);
        Assert.Equal(5, first.ItemCount);
        Assert.Equal([0u, 1u, 2u], a.ItemRequests().Select(r => r.RequestedParameters.ClientHandle));
        Assert.Equal([3u, 4u], b.ItemRequests().Select(r => r.RequestedParameters.ClientHandle));

        first.FlagGap();
        Assert.True(a.TakeGap(0));
        Assert.False(a.TakeGap(0)); // once per tag
        Assert.True(b.TakeGap(1));
        Assert.False(c.TakeGap(0)); // another subscription: not flagged

        // A group that leaves frees nothing for reuse: its handles name no group any more, the others keep theirs.
        first.Remove(a);
        Assert.False(first.TryFind(0, out _, out _));
        Assert.True(first.TryFind(3, out var still, out _));
        Assert.Same(b, still);
        var d = first.Add(Planned("m4", 1), Items("m4", 1));
        Assert.Equal(5u, d.FirstHandle);
        Assert.Equal(3, first.ItemCount);
        Assert.True(first.Fits(97));
        Assert.False(first.Fits(98));

        // Found by a search over the groups in handle order: a group between others that leaves takes only its own
        // handles with it, and a handle past the last group's names none.
        Assert.True(first.TryFind(5, out var last, out var lastIndex));
        Assert.Same(d, last);
        Assert.Equal(0, lastIndex);
        Assert.False(first.TryFind(6, out _, out _));
        first.Remove(b);
        Assert.False(first.TryFind(3, out _, out _));
        Assert.False(first.TryFind(4, out _, out _));
        Assert.True(first.TryFind(5, out last, out _));
        Assert.Same(d, last);
        Assert.True(second.TryFind(1, out var other, out var otherIndex));
        Assert.Same(c, other);
        Assert.Equal(1, otherIndex);
    }

    private static PlannedGroup Planned(string machine, int tags) =>
        new(machine, "g", new OpcUaGroupOptions(), TimeSpan.FromMilliseconds(200), Items(machine, tags).Select(i => i.Tag).ToList());

    private static List<(OpcUaTag Tag, NodeId Node)> Items(string machine, int count) =>
        Enumerable.Range(0, count)
            .Select(i => (OpcUaTag.From(Tag($"t{i}", $"ns=2;s={machine}.{i}", Group(AcquisitionMode.Subscribe, 200), machine: machine)), new NodeId(2, $"{machine}.{i}")))
            .ToList();
}
