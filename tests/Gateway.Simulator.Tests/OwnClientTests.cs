using Gateway.OpcUa.Client;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.Simulator.Tests;

/// <summary>The team's own client stack (connectors/Gateway.OpcUa) against the real simulator over loopback TCP.</summary>
public sealed class OwnClientTests
{
    [Fact]
    public async Task ReadsOneHundredThousandTagsInOneCallWithTheAdvertisedTypes()
    {
        var options = new SimulatorOptions { Port = 0, Machines = 10, TagsPerMachine = 10_000, RateMs = 1000 };
        await using var simulator = await SimulatorServer.StartAsync(options);
        await using var client = await OpcUaClient.ConnectAsync(simulator.EndpointUrl, new OpcUaClientOptions { KeepAliveInterval = TimeSpan.Zero });

        Assert.Equal(100_000, simulator.Tags.Count);
        Assert.Equal(200_000u, client.MaxNodesPerRead);
        var values = await client.ReadValuesAsync([.. simulator.Tags.Select(t => NodeId.Parse(t.NodeId))]);

        Assert.Equal(1, client.ReadCalls - 2); // namespace array and limits, then the 100,000 in one call
        for (var i = 0; i < values.Length; i++)
        {
            Assert.True(values[i].Status.IsGood, $"{simulator.Tags[i].NodeId}: {values[i].Status}");
            Assert.Equal(simulator.Tags[i].DataType, values[i].Value.Type.ToString());
        }
    }

    [Fact]
    public async Task BrowsesAndTranslatesTheDocumentedLayout()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, Machines = 4 });
        await using var client = await OpcUaClient.ConnectAsync(simulator.EndpointUrl, new OpcUaClientOptions { KeepAliveInterval = TimeSpan.Zero });

        Assert.Equal(2, client.NamespaceArray.ToList().IndexOf(SimulatorServer.NamespaceUri));
        var machines = await client.BrowseAllAsync(WellKnownNodes.ObjectsFolder);
        Assert.Equal(["cnc-01", "cnc-02", "mould-01", "press-01"], machines.Where(r => r.NodeId.NodeId.NamespaceIndex == 2).Select(r => r.BrowseName.Name!).Order(StringComparer.Ordinal));

        var path = OpcUaClient.ParseBrowsePath("cnc-01/Spindle/Speed", 2);
        var result = Assert.Single(await client.TranslateBrowsePathsAsync([path]));
        Assert.Equal(new NodeId(2, "cnc-01/Spindle/Speed"), Assert.Single(result.Targets!).TargetId.NodeId);
        Assert.Equal(client.ResolveNodeId("nsu=urn:changwon-gateway:simulator;s=press-01/Ram/Force"), NodeId.Parse(simulator.Tags.Single(t => t.Path == "press-01/Ram/Force").NodeId));
    }

    [Fact]
    public async Task SubscriptionOverTheWireDeliversEveryItemAndRepublishesUnacknowledgedMessages()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, Machines = 2, TagsPerMachine = 600, RateMs = 100 });
        await using var client = await OpcUaClient.ConnectAsync(simulator.EndpointUrl, new OpcUaClientOptions { KeepAliveInterval = TimeSpan.Zero });
        var ct = CancellationToken.None;

        var subscription = await client.SendAsync<CreateSubscriptionResponse>(new CreateSubscriptionRequest { RequestedPublishingInterval = 100, RequestedMaxKeepAliveCount = 5, RequestedLifetimeCount = 100 }, ct);
        var tags = simulator.Tags.Take(1000).ToList();
        var created = await client.SendAsync<CreateMonitoredItemsResponse>(new CreateMonitoredItemsRequest
        {
            SubscriptionId = subscription.SubscriptionId,
            ItemsToCreate = [.. tags.Select((t, i) => new MonitoredItemCreateRequest
            {
                ItemToMonitor = new ReadValueId(NodeId.Parse(t.NodeId)),
                RequestedParameters = new MonitoringParameters { ClientHandle = (uint)i, SamplingInterval = 100, QueueSize = 1 },
            })],
        }, ct);
        Assert.All(created.Results!, r => Assert.True(r.StatusCode.IsGood));

        var seen = new HashSet<uint>();
        var changes = 0;
        var sequences = new List<uint>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((seen.Count < tags.Count || changes < 2000) && DateTime.UtcNow < deadline)
        {
            var publish = await client.SendAsync<PublishResponse>(new PublishRequest(), ct);
            foreach (var n in publish.NotificationMessage.NotificationData!.Select(d => d.Body).OfType<DataChangeNotification>().SelectMany(d => d.MonitoredItems!))
            {
                if (!seen.Add(n.ClientHandle))
                {
                    changes++;
                }
            }

            if (publish.NotificationMessage.NotificationData!.Length > 0)
            {
                sequences.Add(publish.NotificationMessage.SequenceNumber);
            }
        }

        Assert.Equal(tags.Count, seen.Count);
        Assert.True(changes >= 2000, $"only {changes} changes after the initial values");
        Assert.Equal(sequences, Enumerable.Range((int)sequences[0], sequences.Count).Select(i => (uint)i));

        // Nothing was acknowledged, so the latest messages are still there for Republish.
        var again = await client.SendAsync<RepublishResponse>(new RepublishRequest { SubscriptionId = subscription.SubscriptionId, RetransmitSequenceNumber = sequences[^1] }, ct);
        Assert.Equal(sequences[^1], again.NotificationMessage.SequenceNumber);

        var deleted = await client.SendAsync<DeleteSubscriptionsResponse>(new DeleteSubscriptionsRequest { SubscriptionIds = [subscription.SubscriptionId] }, ct);
        Assert.Equal([StatusCode.Good], deleted.Results!);
    }
}
