using Gateway.OpcUa.Client;
using Gateway.OpcUa.Client.Subscriptions;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;
using Gateway.Testing;

namespace Gateway.OpcUa.Tests.Client.Subscriptions;

/// <summary>
/// The last step of Part 4's recovery order, against node-opcua (tests/servers/opcua/server.js) killed and started
/// again on the same port: the server knows neither the session nor the subscription, so the subscription is created
/// anew with the same settings and items, and its handler gets data again.
/// </summary>
public sealed class RecreateAfterRestartTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_restarted_server_gets_the_subscription_and_its_items_created_anew()
    {
        using var timeout = new CancellationTokenSource(Patience * 3);
        var port = FreePort.Next();
        var first = await NodeOpcUaServer.StartAsync(doubles: 10, counters: 5, port: port);
        NodeOpcUaServer? second = null;
        var options = new OpcUaClientOptions { Channel = new() { RequestTimeout = TimeSpan.FromSeconds(10) } };
        var client = await OpcUaClient.ConnectAsync(first.EndpointUrl, options, timeout.Token);
        var subscriptions = new SessionSubscriptions(client);
        try
        {
            var values = new System.Collections.Concurrent.ConcurrentQueue<(uint Subscription, uint Handle)>();
            var subscription = await subscriptions.CreateAsync(
                new SubscriptionSettings { PublishingInterval = TimeSpan.FromMilliseconds(100), LifetimeCount = 600 },
                (n, _) =>
                {
                    foreach (var change in n.DataChanges)
                    {
                        values.Enqueue((n.Subscription.Id, change.ClientHandle));
                    }

                    return ValueTask.CompletedTask;
                },
                timeout.Token);
            var items = Enumerable.Range(0, 3).Select(i => new MonitoredItemCreateRequest
            {
                ItemToMonitor = new ReadValueId(new NodeId(first.TestNamespace, $"Counters.{i:D5}")),
                RequestedParameters = new MonitoringParameters { ClientHandle = (uint)(10 + i), SamplingInterval = 0, QueueSize = 10 },
            }).ToList();
            await subscription.AddItemsAsync(items, cancellationToken: timeout.Token);
            var run = subscriptions.RunAsync(timeout.Token);
            await WaitAsync(() => values.Count(v => v.Handle == 10) >= 5, "five changes of the first counter");

            await first.KillAsync();
            await Assert.ThrowsAnyAsync<UaTransportException>(() => run);
            second = await NodeOpcUaServer.StartAsync(doubles: 10, counters: 5, port: port);
            var recovery = await subscriptions.RecoverAsync(ct => OpcUaClient.ConnectAsync(second.EndpointUrl, options, ct), recreate: true, timeout.Token);

            Assert.Equal(RecoveryPath.Recreated, recovery.Path);
            Assert.Same(subscription, Assert.Single(recovery.Recreated));
            Assert.Empty(recovery.Kept);
            Assert.Empty(recovery.Lost);
            Assert.Equal([10u, 11u, 12u], subscription.Items.Select(i => i.ClientHandle).Order());
            Assert.Equal(0u, subscription.LastSequence); // a new subscription numbers from 1 again
            var newId = subscription.Id;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
            run = subscriptions.RunAsync(stop.Token);
            await WaitAsync(() => values.Count(v => v.Subscription == newId && v.Handle == 12) >= 5, "five changes of the third counter from the recreated subscription");
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            Assert.Equal(1, second.Sessions.Most);
        }
        finally
        {
            await subscriptions.Client.DisposeAsync();
            await first.DisposeAsync();
            if (second is not null)
            {
                await second.DisposeAsync();
            }
        }
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
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
}
