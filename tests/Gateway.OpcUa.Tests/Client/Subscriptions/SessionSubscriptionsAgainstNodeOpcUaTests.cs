using Gateway.OpcUa.Client;
using Gateway.OpcUa.Client.Subscriptions;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;
using Gateway.Testing;

namespace Gateway.OpcUa.Tests.Client.Subscriptions;

/// <summary>
/// The stack's subscription API against node-opcua (tests/servers/opcua/server.js, counters changing every 100 ms): data
/// changes in order, acknowledgement only after the handler completed (a failed handler's message comes back by
/// Republish), batches split by an unadvertised limit, and Part 4's recovery order after a cut connection:
/// reactivation, transfer, recreation. No Publish is written here: <see cref="SessionSubscriptions"/> sends them all.
/// </summary>
public sealed class SessionSubscriptionsAgainstNodeOpcUaTests(CountersServerFixture fixture) : IClassFixture<CountersServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private NodeOpcUaServer Server => fixture.Server;

    private static OpcUaClientOptions Options(TimeSpan? sessionTimeout = null) => new()
    {
        Channel = new() { RequestTimeout = TimeSpan.FromSeconds(10) },
        SessionTimeout = sessionTimeout ?? TimeSpan.FromSeconds(60),
    };

    private static SubscriptionSettings Fast => new() { PublishingInterval = TimeSpan.FromMilliseconds(100), MaxKeepAliveCount = 10, LifetimeCount = 600 };

    private MonitoredItemCreateRequest[] Counters(int count) => Enumerable.Range(0, count).Select(i => new MonitoredItemCreateRequest
    {
        ItemToMonitor = new ReadValueId(new NodeId(Server.TestNamespace, $"Counters.{i:D5}")),
        RequestedParameters = new MonitoringParameters { ClientHandle = (uint)i, SamplingInterval = 0, QueueSize = 100 },
    }).ToArray();

    private static async Task HoldsAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not within {Patience}: {what}");
            }

            await Task.Delay(50);
        }
    }

    private static void AssertInOrder(CountingHandler handler)
    {
        var sequences = handler.Messages.Select(m => m.Sequence).ToList();
        for (var i = 1; i < sequences.Count; i++)
        {
            Assert.True(sequences[i] == sequences[i - 1] + 1, $"message {sequences[i]} handled after {sequences[i - 1]}: [{string.Join(", ", sequences)}]");
        }

        var (gaps, example) = handler.CheckConsecutive();
        Assert.True(gaps == 0, $"{gaps} lost or repeated changes, e.g. {example}");
    }

    [Fact]
    public async Task Data_changes_arrive_in_order_and_items_and_the_subscription_can_be_modified_and_removed()
    {
        using var timeout = new CancellationTokenSource(Patience * 2);
        await using var client = await OpcUaClient.ConnectAsync(Server.EndpointUrl, Options(), timeout.Token);
        var subscriptions = new SessionSubscriptions(client);
        var handler = new CountingHandler();
        var subscription = await subscriptions.CreateAsync(Fast, handler.HandleAsync, timeout.Token);
        Assert.Equal(TimeSpan.FromMilliseconds(100), subscription.PublishingInterval);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var run = subscriptions.RunAsync(stop.Token);

        var added = await subscription.AddItemsAsync([.. Counters(3), new MonitoredItemCreateRequest { ItemToMonitor = new ReadValueId(new NodeId(Server.TestNamespace, "NoSuchNode")), RequestedParameters = new() { ClientHandle = 99 } }], cancellationToken: timeout.Token);
        Assert.All(added.Results.Take(3), r => Assert.True(r.StatusCode.IsGood, r.StatusCode.ToString()));
        Assert.Equal(StatusCodes.BadNodeIdUnknown, added.Results[3].StatusCode.Code);
        Assert.Equal(3, subscription.ItemCount);
        await HoldsAsync(() => handler.Count(0) >= 20 && handler.Count(2) >= 20, "20 changes of counters 0 and 2");

        await subscription.ModifyAsync(Fast with { PublishingInterval = TimeSpan.FromMilliseconds(200) }, timeout.Token);
        Assert.Equal(TimeSpan.FromMilliseconds(200), subscription.PublishingInterval);
        var modified = await subscription.ModifyItemsAsync([new MonitoringParameters { ClientHandle = 1, SamplingInterval = 0, QueueSize = 50 }], cancellationToken: timeout.Token);
        Assert.True(modified[0].StatusCode.IsGood, modified[0].StatusCode.ToString());
        Assert.Equal(50u, modified[0].RevisedQueueSize);

        var removed = await subscription.RemoveItemsAsync([2], timeout.Token);
        Assert.True(removed[0].IsGood, removed[0].ToString());
        var countOfRemoved = handler.Count(2);
        var countOfKept = handler.Count(0);
        await HoldsAsync(() => handler.Count(0) >= countOfKept + 10, "10 more changes of counter 0");
        // A message in flight when the item was removed may still carry it; none after that.
        Assert.True(handler.Count(2) <= countOfRemoved + 1, $"counter 2 kept arriving after its removal: {handler.Count(2)} vs {countOfRemoved}");

        await subscription.DeleteAsync(timeout.Token);
        Assert.Empty(subscriptions.All);
        var last = subscription.LastSequence;
        await Task.Delay(500, timeout.Token);
        Assert.Equal(last, subscription.LastSequence);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.True(handler.Messages.Count >= 20);
        // An answer overtaken by a later one (several Publish requests are outstanding) may come by Republish; what
        // must hold is that every message is handled once, in order, and none is lost.
        Assert.Equal(0, subscription.MessagesLost);
        Assert.Equal(handler.Messages[^1].Sequence, last);
        AssertInOrder(handler);
    }

    [Fact]
    public async Task Each_kept_item_answers_with_its_own_node_and_parameters_after_modify_and_remove_although_items_share_them()
    {
        using var timeout = new CancellationTokenSource(Patience * 2);
        await using var client = await OpcUaClient.ConnectAsync(Server.EndpointUrl, Options(), timeout.Token);
        var subscriptions = new SessionSubscriptions(client);
        var subscription = await subscriptions.CreateAsync(Fast, new CountingHandler().HandleAsync, timeout.Token);
        // Handles 0-3 ask the same (their parameters are shared); 4 asks another sampling interval and queue.
        var requests = Counters(5);
        requests[4].RequestedParameters.SamplingInterval = 250;
        requests[4].RequestedParameters.QueueSize = 7;
        var added = await subscription.AddItemsAsync(requests, cancellationToken: timeout.Token);
        Assert.All(added.Results, r => Assert.True(r.StatusCode.IsGood, r.StatusCode.ToString()));
        MonitoredItem Item(uint handle) => subscription.Items.Single(i => i.ClientHandle == handle);
        for (uint handle = 0; handle < 5; handle++)
        {
            Assert.Equal(new NodeId(Server.TestNamespace, $"Counters.{handle:D5}"), Item(handle).NodeId);
            Assert.Equal(added.Results[handle].MonitoredItemId, Item(handle).MonitoredItemId);
            Assert.Equal(added.Results[handle].RevisedQueueSize, Item(handle).RevisedQueueSize);
        }

        Assert.Equal(100u, Item(0).QueueSize);
        Assert.Equal((250.0, 7u), (Item(4).SamplingInterval, Item(4).QueueSize));

        var modified = await subscription.ModifyItemsAsync([new MonitoringParameters { ClientHandle = 1, SamplingInterval = 500, QueueSize = 50 }], cancellationToken: timeout.Token);
        Assert.True(modified[0].StatusCode.IsGood, modified[0].StatusCode.ToString());
        Assert.Equal((500.0, 50u, 50u), (Item(1).SamplingInterval, Item(1).QueueSize, Item(1).RevisedQueueSize));
        Assert.Equal(modified[0].RevisedSamplingInterval, Item(1).RevisedSamplingInterval);
        // The items that shared handle 1's former parameters keep them.
        foreach (var handle in new uint[] { 0, 2, 3 })
        {
            Assert.Equal((0.0, 100u), (Item(handle).SamplingInterval, Item(handle).QueueSize));
        }

        // What a subscription created again would ask for is what each item has now.
        var again = Item(1).ToRequest();
        Assert.Equal((1u, 500.0, 50u), (again.RequestedParameters.ClientHandle, again.RequestedParameters.SamplingInterval, again.RequestedParameters.QueueSize));
        Assert.Equal(Item(1).NodeId, again.ItemToMonitor.NodeId);

        var removed = await subscription.RemoveItemsAsync([2], timeout.Token);
        Assert.True(removed[0].IsGood, removed[0].ToString());
        Assert.Equal([0u, 1u, 3u, 4u], subscription.Items.Select(i => i.ClientHandle).Order());
        // A removed handle is no longer found: modifying or removing it again names no item on the server.
        var modifiedRemoved = await subscription.ModifyItemsAsync([new MonitoringParameters { ClientHandle = 2, QueueSize = 3 }], cancellationToken: timeout.Token);
        Assert.Equal(StatusCodes.BadMonitoredItemIdInvalid, modifiedRemoved[0].StatusCode.Code);
        Assert.Equal(4, subscription.ItemCount);
        Assert.Equal(new NodeId(Server.TestNamespace, "Counters.00003"), Item(3).NodeId);
        Assert.Equal(added.Results[3].MonitoredItemId, Item(3).MonitoredItemId);
        await subscription.DeleteAsync(timeout.Token);
    }

    [Fact]
    public async Task A_message_whose_handler_failed_is_not_acknowledged_and_comes_back_by_Republish_in_order()
    {
        using var timeout = new CancellationTokenSource(Patience * 2);
        await using var client = await OpcUaClient.ConnectAsync(Server.EndpointUrl, Options(), timeout.Token);
        var subscriptions = new SessionSubscriptions(client);
        var handler = new CountingHandler { FailOnce = 5 };
        var subscription = await subscriptions.CreateAsync(Fast, handler.HandleAsync, timeout.Token);
        await subscription.AddItemsAsync(Counters(5), cancellationToken: timeout.Token);

        // The handler throws for the sixth message: RunAsync ends with its exception, the message unacknowledged.
        var failed = await Assert.ThrowsAsync<IOException>(() => subscriptions.RunAsync(timeout.Token));
        Assert.Contains("unavailable", failed.Message, StringComparison.Ordinal);
        Assert.Equal(handler.FailedSequence - 1, subscription.LastSequence);
        await Task.Delay(300, timeout.Token); // later messages queue up on the server meanwhile

        // Publishing again: the next message skips the failed one, which the server still holds for Republish.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var run = subscriptions.RunAsync(stop.Token);
        await HoldsAsync(() => handler.Messages.Count >= 12, "six more messages");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        var again = Assert.Single(handler.Messages, m => m.Sequence == handler.FailedSequence);
        Assert.True(again.Republished, "the failed message came back other than by Republish");
        Assert.Equal(0, subscription.MessagesLost);
        AssertInOrder(handler);
        await subscription.DeleteAsync(timeout.Token);
    }

    [Fact]
    public async Task Items_go_in_calls_no_larger_than_the_server_takes_even_when_it_does_not_advertise_its_limit()
    {
        using var timeout = new CancellationTokenSource(Patience * 2);
        await using var client = await OpcUaClient.ConnectAsync(Server.EndpointUrl, Options(), timeout.Token);
        Assert.Equal(0u, client.MaxMonitoredItemsPerCall); // the server hides its limit of 100
        var subscriptions = new SessionSubscriptions(client);
        var subscription = await subscriptions.CreateAsync(Fast with { PublishingInterval = TimeSpan.FromMilliseconds(500) }, (_, _) => ValueTask.CompletedTask, timeout.Token);
        var doubles = Enumerable.Range(0, 250).Select(i => new MonitoredItemCreateRequest
        {
            ItemToMonitor = new ReadValueId(new NodeId(Server.TestNamespace, $"Double.{i:D5}")),
            RequestedParameters = new MonitoringParameters { ClientHandle = (uint)i, SamplingInterval = 100 },
        }).ToList();

        var added = await subscription.AddItemsAsync(doubles, cancellationToken: timeout.Token);
        Assert.Equal(250, added.Results.Length);
        Assert.All(added.Results, r => Assert.True(r.StatusCode.IsGood, r.StatusCode.ToString()));
        Assert.InRange(added.CallSizeReducedTo, 1, 100);
        Assert.Equal(Enumerable.Range(0, 250).Select(i => (uint)i), subscription.Items.Select(i => i.ClientHandle).Order());

        var removed = await subscription.RemoveItemsAsync([.. Enumerable.Range(0, 250).Select(i => (uint)i)], timeout.Token);
        Assert.All(removed, r => Assert.True(r.IsGood, r.ToString()));
        Assert.Equal(0, subscription.ItemCount);
        await subscription.DeleteAsync(timeout.Token);
    }

    [Fact]
    public async Task A_subscription_silent_past_its_promise_ends_the_run_even_one_created_while_the_watchdog_sleeps()
    {
        // The watchdog sleeps until the earliest silence deadline: the 5 s one created after it planned its sleep around
        // the slow one's 30 s must still be the one found silent, with the connection up but carrying nothing.
        using var timeout = new CancellationTokenSource(Patience * 2);
        await using var relay = TcpRelay.Start(Server.Port);
        var options = Options() with { KeepAliveInterval = TimeSpan.Zero };
        await using var client = await OpcUaClient.ConnectAsync($"opc.tcp://127.0.0.1:{relay.Port}", options, timeout.Token);
        var subscriptions = new SessionSubscriptions(client);
        var handler = new CountingHandler();
        var slow = await subscriptions.CreateAsync(new() { PublishingInterval = TimeSpan.FromSeconds(1), MaxKeepAliveCount = 10, LifetimeCount = 100, DisplayName = "slow" }, handler.HandleAsync, timeout.Token);
        Assert.Equal(TimeSpan.FromSeconds(30), slow.Silence);
        var run = subscriptions.RunAsync(timeout.Token);
        await Task.Delay(300, timeout.Token); // the watchdog is asleep by now

        var fast = await subscriptions.CreateAsync(Fast with { DisplayName = "fast" }, handler.HandleAsync, timeout.Token);
        Assert.Equal(TimeSpan.FromSeconds(5), fast.Silence);
        relay.Silent = true;

        var error = await Assert.ThrowsAsync<UaServiceException>(() => run);
        Assert.Equal(StatusCodes.BadNoCommunication, error.StatusCode);
        Assert.Contains("fast", error.Message);
        Assert.Contains("at most 5 s expected", error.Message);
        Assert.False(timeout.IsCancellationRequested, "the run ended by the timeout, not by the watchdog");
    }

    [Fact]
    public async Task After_a_socket_cut_the_same_session_is_reactivated_over_a_new_channel_and_no_change_is_lost()
    {
        using var timeout = new CancellationTokenSource(Patience * 2);
        await using var relay = TcpRelay.Start(Server.Port);
        var endpoint = $"opc.tcp://127.0.0.1:{relay.Port}";
        var client = await OpcUaClient.ConnectAsync(endpoint, Options(), timeout.Token);
        var subscriptions = new SessionSubscriptions(client);
        try
        {
            var handler = new CountingHandler();
            var subscription = await subscriptions.CreateAsync(Fast, handler.HandleAsync, timeout.Token);
            await subscription.AddItemsAsync(Counters(5), cancellationToken: timeout.Token);
            var run = subscriptions.RunAsync(timeout.Token);
            await HoldsAsync(() => handler.Count(0) >= 10, "ten changes of counter 0");
            var sessionId = client.SessionId;

            relay.AbortAll();
            await Assert.ThrowsAnyAsync<UaTransportException>(() => run);
            await Task.Delay(500, timeout.Token); // changes queue up on the server meanwhile
            var connects = 0;
            var recovery = await subscriptions.RecoverAsync(
                ct =>
                {
                    connects++;
                    return OpcUaClient.ConnectAsync(endpoint, Options(), ct);
                },
                recreate: true,
                timeout.Token);

            Assert.Equal(RecoveryPath.Reactivated, recovery.Path);
            Assert.Same(client, recovery.Client);
            Assert.Equal(sessionId, client.SessionId);
            Assert.Equal(1, client.Reactivations);
            Assert.Equal(0, connects);
            Assert.Same(subscription, Assert.Single(recovery.Kept));
            var beforeCut = handler.Count(0);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
            run = subscriptions.RunAsync(stop.Token);
            await HoldsAsync(() => handler.Count(0) >= beforeCut + 10, "ten more changes of counter 0 after the cut");
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

            Assert.Equal(0, subscription.MessagesLost);
            AssertInOrder(handler);
            await subscription.DeleteAsync(timeout.Token);
        }
        finally
        {
            await subscriptions.Client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_connection_lost_handler_that_throws_neither_fails_the_recovery_nor_the_close()
    {
        // The connector's handler once threw ObjectDisposedException (its session attempt had ended just before the event
        // came): the exception ended the old channel's receive loop, and disposing that channel in the recovery rethrew
        // it, which stopped the whole source.
        using var timeout = new CancellationTokenSource(Patience * 2);
        await using var relay = TcpRelay.Start(Server.Port);
        var endpoint = $"opc.tcp://127.0.0.1:{relay.Port}";
        var client = await OpcUaClient.ConnectAsync(endpoint, Options(), timeout.Token);
        var subscriptions = new SessionSubscriptions(client);
        var raised = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionLost += _ =>
        {
            raised.TrySetResult();
            throw new ObjectDisposedException("a session attempt that already ended");
        };
        try
        {
            var subscription = await subscriptions.CreateAsync(Fast, new CountingHandler().HandleAsync, timeout.Token);
            await subscription.AddItemsAsync(Counters(2), cancellationToken: timeout.Token);
            var run = subscriptions.RunAsync(timeout.Token);

            relay.AbortAll();
            await Assert.ThrowsAnyAsync<UaTransportException>(() => run);
            await raised.Task.WaitAsync(timeout.Token);
            var recovery = await subscriptions.RecoverAsync(ct => OpcUaClient.ConnectAsync(endpoint, Options(), ct), recreate: true, timeout.Token);

            Assert.Equal(RecoveryPath.Reactivated, recovery.Path);
            Assert.Equal(1, client.Reactivations);
            Assert.Null(client.Channel.Fault);
            await subscription.DeleteAsync(timeout.Token);
        }
        finally
        {
            await subscriptions.Client.DisposeAsync();
        }
    }

    [Fact]
    public async Task After_a_cut_longer_than_the_session_timeout_the_subscription_is_transferred_to_a_new_session_and_no_change_is_lost()
    {
        using var timeout = new CancellationTokenSource(Patience * 3);
        await using var relay = TcpRelay.Start(Server.Port);
        var endpoint = $"opc.tcp://127.0.0.1:{relay.Port}";
        var options = Options(sessionTimeout: TimeSpan.FromSeconds(2));
        var first = await OpcUaClient.ConnectAsync(endpoint, options, timeout.Token);
        var subscriptions = new SessionSubscriptions(first);
        try
        {
            var handler = new CountingHandler();
            // The lifetime (600 x 100 ms) outlasts the session: the server keeps the subscription after closing it.
            var subscription = await subscriptions.CreateAsync(Fast, handler.HandleAsync, timeout.Token);
            await subscription.AddItemsAsync(Counters(5), cancellationToken: timeout.Token);
            var run = subscriptions.RunAsync(timeout.Token);
            await HoldsAsync(() => handler.Count(0) >= 10, "ten changes of counter 0");
            var firstSession = first.SessionId;
            var subscriptionId = subscription.Id;

            relay.Closed = true;
            relay.AbortAll();
            await Assert.ThrowsAnyAsync<UaTransportException>(() => run);
            // While the relay refuses connections, reactivation cannot even reach the server.
            await Assert.ThrowsAnyAsync<Exception>(() => subscriptions.RecoverAsync(ct => OpcUaClient.ConnectAsync(endpoint, options, ct), recreate: true, timeout.Token));
            Assert.Same(first, subscriptions.Client);
            await HoldsAsync(() => Server.Output.Contains("because of timeout", StringComparison.Ordinal), "the server to close the session after its timeout");
            relay.Closed = false;

            var recovery = await subscriptions.RecoverAsync(ct => OpcUaClient.ConnectAsync(endpoint, options, ct), recreate: true, timeout.Token);

            Assert.Equal(RecoveryPath.Transferred, recovery.Path);
            Assert.NotSame(first, recovery.Client);
            Assert.Same(recovery.Client, subscriptions.Client);
            Assert.NotEqual(firstSession, recovery.Client.SessionId);
            Assert.Equal(0, first.Reactivations);
            Assert.Same(subscription, Assert.Single(recovery.Kept));
            Assert.Empty(recovery.Recreated);
            Assert.Equal(subscriptionId, subscription.Id);
            var beforeRun = handler.Count(0);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
            run = subscriptions.RunAsync(stop.Token);
            await HoldsAsync(() => handler.Count(0) >= beforeRun + 10, "ten more changes of counter 0 after the transfer");
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

            Assert.Equal(0, subscription.MessagesLost);
            // Part 4, 5.13.7: sendInitialValues repeats each item's current value once after the transfer; apart from
            // that repetition every change arrives once and in order.
            var values = handler.Values(0);
            var repeated = values.Zip(values.Skip(1)).Count(p => p.Second == p.First);
            var lost = values.Zip(values.Skip(1)).Count(p => p.Second > p.First + 1 || p.Second < p.First);
            Assert.True(lost == 0 && repeated <= 1, $"{lost} lost or backwards and {repeated} repeated changes of counter 0 across the transfer: [{string.Join(", ", values)}]");
            var sequences = handler.Messages.Select(m => m.Sequence).ToList();
            Assert.Equal(sequences.Order(), sequences);
            Assert.Equal(sequences.Distinct().Count(), sequences.Count);
            await subscription.DeleteAsync(timeout.Token);
        }
        finally
        {
            await subscriptions.Client.DisposeAsync();
        }
    }
}
