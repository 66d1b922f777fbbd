using System.Collections.Concurrent;
using Gateway.Configuration;
using Gateway.Core;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Transport;
using Gateway.OpcUa.Types;
using Microsoft.Extensions.Logging;

namespace Gateway.Connectors.OpcUa;

/// <summary>
/// One subscription of one tag group (Part 4, 5.13): created with its monitored items in batches no larger than the
/// server's MaxMonitoredItemsPerCall, then kept fed with several outstanding Publish requests that acknowledge what
/// arrived. A gap in sequence numbers is filled with Republish; silence longer than the keep-alive promise (the
/// watchdog) or BadNoSubscription ends the session so the connector's single reconnect loop rebuilds it.
/// </summary>
public sealed class OpcUaSubscription : IAsyncDisposable
{
    private readonly OpcUaClient _client;
    private readonly ILogger _logger;
    private readonly string _source;
    private readonly ResolvedTag[] _tagsByHandle;
    private readonly ConcurrentQueue<SubscriptionAcknowledgement> _acknowledgements = new();
    private uint _lastSequence;

    private OpcUaSubscription(OpcUaClient client, uint id, TimeSpan publishingInterval, uint keepAliveCount, ResolvedTag[] tagsByHandle, ILogger logger, string source)
    {
        _client = client;
        Id = id;
        PublishingInterval = publishingInterval;
        KeepAliveCount = keepAliveCount;
        _tagsByHandle = tagsByHandle;
        _logger = logger;
        _source = source;
    }

    public uint Id { get; }

    public TimeSpan PublishingInterval { get; }

    public uint KeepAliveCount { get; }

    /// <summary>Items the server accepted.</summary>
    public int ActiveItems { get; private set; }

    public static async Task<OpcUaSubscription> CreateAsync(
        OpcUaClient client,
        PlannedGroup group,
        List<(ResolvedTag Tag, NodeId Node)> items,
        ILogger logger,
        string source,
        Action<ResolvedTag, string> reject,
        CancellationToken cancellationToken)
    {
        var requested = TimeSpan.FromMilliseconds(group.Config.IntervalMs);
        var created = await client.SendAsync<CreateSubscriptionResponse>(
            new CreateSubscriptionRequest
            {
                RequestedPublishingInterval = requested.TotalMilliseconds,
                RequestedMaxKeepAliveCount = 10,
                RequestedLifetimeCount = 60,
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

        var subscription = new OpcUaSubscription(
            client,
            created.SubscriptionId,
            TimeSpan.FromMilliseconds(created.RevisedPublishingInterval),
            Math.Max(1, created.RevisedMaxKeepAliveCount),
            items.Select(i => i.Tag).ToArray(),
            logger,
            source);

        var filter = BuildFilter(group);
        var batch = client.MaxMonitoredItemsPerCall == 0 ? 1000 : (int)client.MaxMonitoredItemsPerCall;
        var active = 0;
        for (var offset = 0; offset < items.Count; offset += batch)
        {
            var slice = items.Skip(offset).Take(batch).Select((item, i) => new MonitoredItemCreateRequest
            {
                ItemToMonitor = new ReadValueId(item.Node, Attributes.Value, item.Tag.IndexRange),
                MonitoringMode = MonitoringMode.Reporting,
                RequestedParameters = new MonitoringParameters
                {
                    ClientHandle = (uint)(offset + i),
                    SamplingInterval = group.Config.SamplingIntervalMs,
                    QueueSize = (uint)Math.Max(1, group.Config.QueueSize),
                    DiscardOldest = true,
                    Filter = filter,
                },
            }).ToList();
            var response = await client.SendAsync<CreateMonitoredItemsResponse>(
                new CreateMonitoredItemsRequest { SubscriptionId = created.SubscriptionId, ItemsToCreate = slice, TimestampsToReturn = TimestampsToReturn.Both },
                cancellationToken);
            var results = response.Results ?? [];
            for (var i = 0; i < slice.Count; i++)
            {
                var status = i < results.Length ? results[i].StatusCode : new StatusCode(StatusCodes.BadUnknownResponse);
                if (status.IsBad)
                {
                    // One rejected item never stops the others; it is reported once, by name.
                    reject(items[offset + i].Tag, $"the server refused the monitored item: {status}");
                }
                else
                {
                    active++;
                }
            }
        }

        subscription.ActiveItems = active;
        return subscription;
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

    /// <summary>Publishes until cancelled or until the subscription is found dead (then throws for a reconnect).</summary>
    public async Task RunAsync(Func<ResolvedTag, DataValue, DateTime, Reading> toReading, IReadingWriter output, TimeProvider time, CancellationToken cancellationToken)
    {
        // Part 4, 5.13.1: keep enough Publish requests queued that notifications never wait for a round trip.
        var outstanding = Math.Clamp(2 + (_tagsByHandle.Length / 20000), 2, 5);
        // Watchdog: the server promises a keep-alive at least every publishing interval x keep-alive count.
        var silence = TimeSpan.FromMilliseconds(Math.Max(5000, PublishingInterval.TotalMilliseconds * KeepAliveCount * 3));
        var publishTimeout = silence + _client.RequestTimeout;
        var pending = new List<Task<PublishResponse>>();
        for (var i = 0; i < outstanding; i++)
        {
            pending.Add(PublishAsync(publishTimeout, cancellationToken));
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            var done = await Task.WhenAny(pending);
            pending.Remove(done);
            PublishResponse response;
            try
            {
                response = await done;
            }
            catch (UaServiceException e) when (e.StatusCode == StatusCodes.BadTimeout)
            {
                throw new UaServiceException(StatusCodes.BadNoCommunication, $"{_client.EndpointUrl}: subscription {Id} sent nothing for {silence.TotalSeconds:0} s (no data, no keep-alive): recovering");
            }
            catch (UaServiceException e) when (e.StatusCode is StatusCodes.BadNoSubscription or StatusCodes.BadSubscriptionIdInvalid or StatusCodes.BadSessionIdInvalid or StatusCodes.BadSessionClosed)
            {
                throw new UaServiceException(e.StatusCode, $"{_client.EndpointUrl}: the server dropped subscription {Id} ({e.StatusName}): recovering");
            }
            catch (UaServiceException e) when (e.StatusCode == StatusCodes.BadTooManyPublishRequests)
            {
                // The server holds fewer requests than we sent: keep one less outstanding.
                if (pending.Count == 0)
                {
                    pending.Add(PublishAsync(publishTimeout, cancellationToken));
                }

                continue;
            }

            pending.Add(PublishAsync(publishTimeout, cancellationToken));
            if (response.SubscriptionId != Id)
            {
                continue;
            }

            var message = response.NotificationMessage;
            var isKeepAlive = message.NotificationData is null or { Length: 0 };
            if (!isKeepAlive)
            {
                // Part 4, 5.13.1.1: a jump in sequence numbers means lost notifications: ask for them again.
                if (_lastSequence != 0 && message.SequenceNumber > _lastSequence + 1)
                {
                    await RepublishMissingAsync(_lastSequence + 1, message.SequenceNumber, toReading, output, time, cancellationToken);
                }

                _lastSequence = Math.Max(_lastSequence, message.SequenceNumber);
                _acknowledgements.Enqueue(new SubscriptionAcknowledgement { SubscriptionId = Id, SequenceNumber = message.SequenceNumber });
                await DeliverAsync(message, toReading, output, time, cancellationToken);
            }
        }
    }

    private async Task RepublishMissingAsync(uint from, uint to, Func<ResolvedTag, DataValue, DateTime, Reading> toReading, IReadingWriter output, TimeProvider time, CancellationToken cancellationToken)
    {
        for (var sequence = from; sequence < to; sequence++)
        {
            try
            {
                var again = await _client.SendAsync<RepublishResponse>(new RepublishRequest { SubscriptionId = Id, RetransmitSequenceNumber = sequence }, cancellationToken);
                _acknowledgements.Enqueue(new SubscriptionAcknowledgement { SubscriptionId = Id, SequenceNumber = sequence });
                await DeliverAsync(again.NotificationMessage, toReading, output, time, cancellationToken);
            }
            catch (UaServiceException e) when (e.StatusCode == StatusCodes.BadMessageNotAvailable)
            {
                _logger.LogWarning("Source {Source}: notification {Sequence} of subscription {Id} is lost (the server no longer has it)", _source, sequence, Id);
            }
        }
    }

    private async Task DeliverAsync(NotificationMessage message, Func<ResolvedTag, DataValue, DateTime, Reading> toReading, IReadingWriter output, TimeProvider time, CancellationToken cancellationToken)
    {
        var received = time.GetUtcNow().UtcDateTime;
        var readings = new List<Reading>();
        foreach (var data in message.NotificationData ?? [])
        {
            if (data.Body is DataChangeNotification change)
            {
                foreach (var item in change.MonitoredItems ?? [])
                {
                    if (item.ClientHandle < _tagsByHandle.Length)
                    {
                        readings.Add(toReading(_tagsByHandle[item.ClientHandle], item.Value, received));
                    }
                }
            }
            else if (data.Body is StatusChangeNotification status && status.Status.IsBad)
            {
                throw new UaServiceException(status.Status.Code, $"{_client.EndpointUrl}: subscription {Id} changed state: {status.Status}");
            }
        }

        if (readings.Count > 0)
        {
            await output.WriteAsync(readings, cancellationToken);
        }
    }

    private Task<PublishResponse> PublishAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var acknowledgements = new List<SubscriptionAcknowledgement>();
        while (_acknowledgements.TryDequeue(out var ack))
        {
            acknowledgements.Add(ack);
        }

        return _client.SendAsync<PublishResponse>(new PublishRequest { SubscriptionAcknowledgements = acknowledgements }, cancellationToken, timeout);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _client.SendAsync<DeleteSubscriptionsResponse>(new DeleteSubscriptionsRequest { SubscriptionIds = [Id] }, timeout.Token, TimeSpan.FromSeconds(2));
        }
        catch (Exception e) when (e is UaException or OperationCanceledException)
        {
            // the session may be gone already; the server deletes its subscriptions with it
        }
    }
}
