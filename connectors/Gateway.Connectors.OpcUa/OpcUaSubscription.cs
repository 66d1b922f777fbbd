using Gateway.OpcUa.Client;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Transport;
using Gateway.OpcUa.Types;
using Microsoft.Extensions.Logging;

namespace Gateway.Connectors.OpcUa;

/// <summary>
/// One subscription of one tag group (Part 4, 5.13), created with its monitored items in batches no larger than the
/// server's MaxMonitoredItemsPerCall (smaller still when the server answers BadTooManyOperations). The object outlives
/// its session: after a lost connection the connector hands it to <see cref="TransferAsync"/> on the new session, so
/// the notifications the server queued meanwhile are not lost. Notifications arrive through <see cref="SessionPublisher"/>;
/// a gap in sequence numbers is filled with Republish.
/// </summary>
public sealed class OpcUaSubscription
{
    private readonly ILogger _logger;
    private readonly string _source;

    private OpcUaSubscription(PlannedGroup group, uint id, TimeSpan publishingInterval, uint keepAliveCount, OpcUaTag[] tagsByHandle, NodeId[] nodesByHandle, ILogger logger, string source)
    {
        Group = group;
        Id = id;
        PublishingInterval = publishingInterval;
        KeepAliveCount = keepAliveCount;
        TagsByHandle = tagsByHandle;
        NodesByHandle = nodesByHandle;
        _logger = logger;
        _source = source;
    }

    public PlannedGroup Group { get; }

    public uint Id { get; }

    public TimeSpan PublishingInterval { get; }

    public uint KeepAliveCount { get; }

    /// <summary>The tag of each client handle (the handle is the index).</summary>
    public OpcUaTag[] TagsByHandle { get; }

    /// <summary>The NodeId each handle was created for, to tell whether a transfer would still reach the same nodes.</summary>
    public NodeId[] NodesByHandle { get; }

    /// <summary>Items the server accepted.</summary>
    public int ActiveItems { get; private set; }

    /// <summary>The highest sequence number delivered so far (0 = none).</summary>
    public uint LastSequence { get; private set; }

    /// <summary>
    /// The silence after which the subscription counts as dead: the server promises a message (data or keep-alive)
    /// at least every publishing interval x max keep-alive count (Part 4, 5.13.1.1); three of those, at least 5 s.
    /// </summary>
    public TimeSpan Silence => TimeSpan.FromMilliseconds(Math.Max(5000, PublishingInterval.TotalMilliseconds * KeepAliveCount * 3));

    /// <summary>True when these items are still the same nodes in the same order (a transfer keeps handles and nodes).</summary>
    public bool Monitors(IReadOnlyList<(OpcUaTag Tag, NodeId Node)> items)
    {
        if (items.Count != NodesByHandle.Length)
        {
            return false;
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (!ReferenceEquals(items[i].Tag, TagsByHandle[i]) || !items[i].Node.Equals(NodesByHandle[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// CreateSubscription for these items; the monitored items come after (<see cref="CreateItemsAsync"/>), once the
    /// session's Publish requests are flowing, so the first items' queues do not overflow while the last are created.
    /// </summary>
    public static async Task<OpcUaSubscription> CreateAsync(
        OpcUaClient client,
        PlannedGroup group,
        IReadOnlyList<(OpcUaTag Tag, NodeId Node)> items,
        TimeSpan sessionTimeout,
        ILogger logger,
        string source,
        CancellationToken cancellationToken)
    {
        var requested = TimeSpan.FromMilliseconds(group.IntervalMs);
        const uint keepAliveCount = 10;
        // Part 4, 5.13.2: the lifetime count is at least three keep-alive counts. Let the subscription live about as
        // long as the session, so that after a lost connection there is still something to transfer.
        var lifetimeCount = (uint)Math.Clamp(Math.Ceiling(sessionTimeout.TotalMilliseconds / requested.TotalMilliseconds), 3 * keepAliveCount, 100_000);
        var created = await client.SendAsync<CreateSubscriptionResponse>(
            new CreateSubscriptionRequest
            {
                RequestedPublishingInterval = requested.TotalMilliseconds,
                RequestedMaxKeepAliveCount = keepAliveCount,
                RequestedLifetimeCount = lifetimeCount,
                PublishingEnabled = true,
            },
            cancellationToken);
        if (Math.Abs(created.RevisedPublishingInterval - requested.TotalMilliseconds) > 0.5)
        {
            logger.LogInformation(
                "Source {Source}: group {Machine}/{Group}: the server revised the publishing interval from {Requested} ms to {Revised} ms",
                source,
                group.Machine,
                group.Name,
                requested.TotalMilliseconds,
                created.RevisedPublishingInterval);
        }

        return new OpcUaSubscription(
            group,
            created.SubscriptionId,
            TimeSpan.FromMilliseconds(created.RevisedPublishingInterval),
            Math.Max(1, created.RevisedMaxKeepAliveCount),
            items.Select(i => i.Tag).ToArray(),
            items.Select(i => i.Node).ToArray(),
            logger,
            source);
    }

    /// <summary>CreateMonitoredItems for every item, in batches; the ones the server refuses are reported by name.</summary>
    public async Task CreateItemsAsync(OpcUaClient client, IReadOnlyList<(OpcUaTag Tag, NodeId Node)> items, Action<OpcUaTag, StatusCode, string> reject, CancellationToken cancellationToken)
    {
        var filter = BuildFilter(Group);
        var batch = client.MaxMonitoredItemsPerCall == 0 ? 1000 : (int)client.MaxMonitoredItemsPerCall;
        var active = 0;
        var revisedSampling = 0;
        var revisedQueue = 0;
        var offset = 0;
        while (offset < items.Count)
        {
            var count = Math.Min(batch, items.Count - offset);
            var slice = new MonitoredItemCreateRequest[count];
            for (var i = 0; i < count; i++)
            {
                var item = items[offset + i];
                slice[i] = new MonitoredItemCreateRequest
                {
                    ItemToMonitor = new ReadValueId(item.Node, Attributes.Value, item.Tag.IndexRange),
                    MonitoringMode = MonitoringMode.Reporting,
                    RequestedParameters = new MonitoringParameters
                    {
                        ClientHandle = (uint)(offset + i),
                        SamplingInterval = Group.Config.SamplingIntervalMs,
                        QueueSize = (uint)Math.Max(1, Group.Config.QueueSize),
                        DiscardOldest = true,
                        Filter = filter,
                    },
                };
            }

            CreateMonitoredItemsResponse response;
            try
            {
                response = await client.SendAsync<CreateMonitoredItemsResponse>(
                    new CreateMonitoredItemsRequest { SubscriptionId = Id, ItemsToCreate = slice, TimestampsToReturn = TimestampsToReturn.Both },
                    cancellationToken);
            }
            catch (UaServiceException e) when (e.StatusCode == StatusCodes.BadTooManyOperations && count > 1)
            {
                // The server has a limit it did not advertise (or advertised too high): halve the call and go on.
                batch = Math.Max(1, count / 2);
                _logger.LogInformation("Source {Source}: the server refused {Count} monitored items in one call (BadTooManyOperations); trying {Batch} per call", _source, count, batch);
                continue;
            }

            var results = response.Results ?? [];
            for (var i = 0; i < count; i++)
            {
                var result = i < results.Length ? results[i] : null;
                var status = result?.StatusCode ?? new StatusCode(StatusCodes.BadUnknownResponse);
                if (status.IsBad)
                {
                    // One rejected item never stops the others; it is reported once, by name.
                    reject(items[offset + i].Tag, status, $"the server refused the monitored item: {status}");
                    continue;
                }

                active++;
                revisedSampling += Group.Config.SamplingIntervalMs >= 0 && Math.Abs(result!.RevisedSamplingInterval - Group.Config.SamplingIntervalMs) > 0.5 ? 1 : 0;
                revisedQueue += result!.RevisedQueueSize != slice[i].RequestedParameters.QueueSize ? 1 : 0;
            }

            offset += count;
        }

        if (revisedSampling + revisedQueue > 0)
        {
            // Part 4, 5.12.1: the server may revise what was asked; the revised values are what it will do.
            _logger.LogInformation(
                "Source {Source}: group {Machine}/{Group}: the server revised the sampling interval of {Sampling} and the queue size of {Queue} of {Items} item(s)",
                _source,
                Group.Machine,
                Group.Name,
                revisedSampling,
                revisedQueue,
                active);
        }

        ActiveItems = active;
    }

    private static ExtensionObject BuildFilter(PlannedGroup group)
    {
        var type = group.Config.DeadbandType.ToLowerInvariant() switch
        {
            "absolute" => DeadbandType.Absolute,
            "percent" => DeadbandType.Percent,
            _ => DeadbandType.None,
        };
        return type == DeadbandType.None
            ? new ExtensionObject(NodeId.Null, null)
            : ExtensionObject.From(new DataChangeFilter { Trigger = DataChangeTrigger.StatusValue, DeadbandType = type, DeadbandValue = group.Config.DeadbandValue });
    }

    /// <summary>
    /// Part 4, 5.13.7: moves these subscriptions to the new session of <paramref name="client"/>, asking for the
    /// current values (sendInitialValues). Returns, for each one the server transferred, the sequence numbers it still
    /// holds for retransmission; the ones it refused (BadSubscriptionIdInvalid after a server restart, ...) are missing.
    /// </summary>
    public static async Task<Dictionary<OpcUaSubscription, uint[]>> TransferAsync(OpcUaClient client, IReadOnlyList<OpcUaSubscription> subscriptions, CancellationToken cancellationToken)
    {
        var transferred = new Dictionary<OpcUaSubscription, uint[]>();
        if (subscriptions.Count == 0)
        {
            return transferred;
        }

        var response = await client.SendAsync<TransferSubscriptionsResponse>(
            new TransferSubscriptionsRequest { SubscriptionIds = subscriptions.Select(s => s.Id).ToArray(), SendInitialValues = true },
            cancellationToken);
        var results = response.Results ?? [];
        for (var i = 0; i < subscriptions.Count && i < results.Length; i++)
        {
            if (results[i].StatusCode.IsGood)
            {
                transferred[subscriptions[i]] = results[i].AvailableSequenceNumbers ?? [];
            }
        }

        return transferred;
    }

    /// <summary>
    /// Takes one notification message of this subscription: a jump in sequence numbers is filled with Republish first
    /// (Part 4, 5.13.1.1), a message already delivered is skipped. Every message handled is acknowledged.
    /// </summary>
    public async Task HandleAsync(OpcUaClient client, NotificationMessage message, INotificationTarget target, CancellationToken cancellationToken)
    {
        if (message.NotificationData is null or { Length: 0 })
        {
            return; // a keep-alive carries the next sequence number but uses none
        }

        if (message.SequenceNumber <= LastSequence)
        {
            target.Acknowledge(Id, message.SequenceNumber);
            return;
        }

        // Part 4, 5.14.1.3: a new subscription numbers its messages from 1. Answers to the outstanding Publish requests may be
        // taken in another order than sent, so also at the start a higher number means: fetch the ones before first.
        if (message.SequenceNumber > LastSequence + 1)
        {
            await RepublishAsync(client, Enumerable.Range(0, (int)Math.Min(int.MaxValue, message.SequenceNumber - LastSequence - 1)).Select(i => LastSequence + 1 + (uint)i).ToList(), target, cancellationToken);
        }

        LastSequence = message.SequenceNumber;
        target.Acknowledge(Id, message.SequenceNumber);
        await DeliverAsync(message, target, cancellationToken);
    }

    /// <summary>Fetches and delivers these sequence numbers, in order; the ones the server no longer has are logged as lost.</summary>
    public async Task RepublishAsync(OpcUaClient client, IReadOnlyList<uint> sequences, INotificationTarget target, CancellationToken cancellationToken)
    {
        foreach (var sequence in sequences)
        {
            try
            {
                var again = await client.SendAsync<RepublishResponse>(new RepublishRequest { SubscriptionId = Id, RetransmitSequenceNumber = sequence }, cancellationToken);
                target.Acknowledge(Id, sequence);
                await DeliverAsync(again.NotificationMessage, target, cancellationToken);
            }
            catch (UaServiceException e) when (e.StatusCode == StatusCodes.BadMessageNotAvailable)
            {
                _logger.LogWarning("Source {Source}: notification {Sequence} of subscription {Id} is lost (the server no longer has it)", _source, sequence, Id);
            }

            LastSequence = Math.Max(LastSequence, sequence);
        }
    }

    /// <summary>After a transfer: deliver what the old session missed, acknowledge what it already delivered.</summary>
    public async Task CatchUpAfterTransferAsync(OpcUaClient client, uint[] available, INotificationTarget target, CancellationToken cancellationToken)
    {
        Array.Sort(available);
        foreach (var delivered in available.Where(s => s <= LastSequence))
        {
            target.Acknowledge(Id, delivered);
        }

        await RepublishAsync(client, available.Where(s => s > LastSequence).ToList(), target, cancellationToken);
    }

    private async Task DeliverAsync(NotificationMessage message, INotificationTarget target, CancellationToken cancellationToken)
    {
        foreach (var data in message.NotificationData ?? [])
        {
            if (data.Body is DataChangeNotification change)
            {
                await target.DeliverAsync(this, change.MonitoredItems ?? [], cancellationToken);
            }
            else if (data.Body is StatusChangeNotification status && status.Status.IsBad)
            {
                // Part 4, 7.25.4: e.g. BadTimeout when the subscription expired on the server.
                throw new UaServiceException(status.Status.Code, $"subscription {Id} of group {Group.Machine}/{Group.Name} changed state: {status.Status}");
            }
        }
    }
}

/// <summary>Where a subscription's notifications go: the readings out, and the acknowledgements for the next Publish.</summary>
public interface INotificationTarget
{
    ValueTask DeliverAsync(OpcUaSubscription subscription, IReadOnlyList<MonitoredItemNotification> items, CancellationToken cancellationToken);

    void Acknowledge(uint subscriptionId, uint sequenceNumber);
}
