using Gateway.OpcUa.Client;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Tests.Client;

/// <summary>The raw subscription services against node-opcua: create, monitor, Publish with acknowledgements, delete.</summary>
[Collection(NodeOpcUaCollection.Name)]
public sealed class SubscriptionAgainstNodeOpcUaTests(NodeOpcUaFixture fixture)
{
    private OpcUaClient Client => fixture.Client;

    [Fact]
    public async Task Data_changes_arrive_through_Publish_and_acknowledged_sequence_numbers_advance()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var ct = timeout.Token;
        var subscription = await Client.SendAsync<CreateSubscriptionResponse>(
            new CreateSubscriptionRequest { RequestedPublishingInterval = 100, RequestedMaxKeepAliveCount = 10, RequestedLifetimeCount = 100 }, ct);
        Assert.NotEqual(0u, subscription.SubscriptionId);
        Assert.True(subscription.RevisedPublishingInterval > 0);

        // A static test variable (initial value only) and Server_ServerStatus_CurrentTime (i=2258, changes every second).
        var filter = ExtensionObject.From(new DataChangeFilter { Trigger = DataChangeTrigger.StatusValueTimestamp });
        var created = await Client.SendAsync<CreateMonitoredItemsResponse>(new CreateMonitoredItemsRequest
        {
            SubscriptionId = subscription.SubscriptionId,
            ItemsToCreate =
            [
                new MonitoredItemCreateRequest { ItemToMonitor = new ReadValueId(new NodeId(fixture.Server.TestNamespace, "Double")), RequestedParameters = new MonitoringParameters { ClientHandle = 1, SamplingInterval = 100 } },
                new MonitoredItemCreateRequest { ItemToMonitor = new ReadValueId(new NodeId(0, 2258u)), RequestedParameters = new MonitoringParameters { ClientHandle = 2, SamplingInterval = 100, Filter = filter } },
                new MonitoredItemCreateRequest { ItemToMonitor = new ReadValueId(new NodeId(fixture.Server.TestNamespace, "NoSuchNode")), RequestedParameters = new MonitoringParameters { ClientHandle = 3 } },
            ],
        }, ct);
        Assert.Equal(3, created.Results!.Length);
        Assert.True(created.Results[0].StatusCode.IsGood, created.Results[0].StatusCode.ToString());
        Assert.True(created.Results[1].StatusCode.IsGood, created.Results[1].StatusCode.ToString());
        Assert.Equal(StatusCodes.BadNodeIdUnknown, created.Results[2].StatusCode.Code);

        var values = new Dictionary<uint, List<DataValue>>();
        var acknowledgements = new List<SubscriptionAcknowledgement>();
        uint lastSequence = 0;
        while (!(values.ContainsKey(1) && values.TryGetValue(2, out var times) && times.Count >= 2))
        {
            var publish = await Client.SendAsync<PublishResponse>(new PublishRequest { SubscriptionAcknowledgements = acknowledgements }, ct);
            // Part 4, 5.13.5: one result per acknowledgement sent, Good for a sequence number the server still held.
            Assert.Equal(acknowledgements.Count, publish.Results?.Length ?? 0);
            Assert.All(publish.Results ?? [], r => Assert.True(r.IsGood, r.ToString()));
            Assert.Equal(subscription.SubscriptionId, publish.SubscriptionId);
            acknowledgements = [];
            var message = publish.NotificationMessage;
            if (message.NotificationData is not { Length: > 0 })
                continue; // keep-alive: carries the next sequence number but no data
            Assert.True(message.SequenceNumber > lastSequence);
            lastSequence = message.SequenceNumber;
            acknowledgements.Add(new SubscriptionAcknowledgement { SubscriptionId = publish.SubscriptionId, SequenceNumber = message.SequenceNumber });
            foreach (var data in message.NotificationData)
            {
                var change = Assert.IsType<DataChangeNotification>(data.Body);
                foreach (var item in change.MonitoredItems!)
                {
                    if (!values.TryGetValue(item.ClientHandle, out var list))
                        values[item.ClientHandle] = list = [];
                    list.Add(item.Value);
                }
            }
        }

        Assert.Equal(-1234.5678, values[1][0].Value.Value);
        Assert.False(values.ContainsKey(3));
        var currentTimes = values[2].Select(v => Assert.IsType<DateTime>(v.Value.Value)).ToList();
        Assert.True(currentTimes[^1] > currentTimes[0]);

        var deletedItems = await Client.SendAsync<DeleteMonitoredItemsResponse>(
            new DeleteMonitoredItemsRequest { SubscriptionId = subscription.SubscriptionId, MonitoredItemIds = [created.Results[0].MonitoredItemId, created.Results[1].MonitoredItemId] }, ct);
        Assert.All(deletedItems.Results!, r => Assert.True(r.IsGood, r.ToString()));
        var deleted = await Client.SendAsync<DeleteSubscriptionsResponse>(new DeleteSubscriptionsRequest { SubscriptionIds = [subscription.SubscriptionId, 999_999] }, ct);
        Assert.True(deleted.Results![0].IsGood, deleted.Results[0].ToString());
        Assert.Equal(StatusCodes.BadSubscriptionIdInvalid, deleted.Results[1].Code);
    }
}
