using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Transport;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Client.Subscriptions;

/// <summary>
/// One subscription (Part 4, 5.13) and its monitored items (5.12), created through <see cref="SessionSubscriptions"/>.
/// Items are added, modified and removed in calls no larger than the server's MaxMonitoredItemsPerCall (smaller still
/// when it answers BadTooManyOperations). The object outlives a lost connection: reactivation and transfer keep it,
/// with its id, its items and the last sequence number its handler completed.
/// </summary>
public sealed class Subscription
{
    /// <summary>Items per call when the server advertises no MaxMonitoredItemsPerCall.</summary>
    public const int DefaultItemsPerCall = 1000;

    private readonly SessionSubscriptions _owner;
    private readonly MonitoredItemTable _items = new();
    private readonly Lock _itemsLock = new();
    private readonly SharedTerms _sharedTerms = new();
    private int _itemsPerCall;

    internal Subscription(SessionSubscriptions owner, SubscriptionSettings settings, NotificationHandler handler)
    {
        _owner = owner;
        Settings = settings;
        Handler = handler;
    }

    public uint Id { get; private set; }

    public SubscriptionSettings Settings { get; private set; }

    /// <summary>The publishing interval the server granted.</summary>
    public TimeSpan PublishingInterval { get; private set; }

    public uint MaxKeepAliveCount { get; private set; }

    public uint LifetimeCount { get; private set; }

    /// <summary>The highest sequence number whose handler completed (0 = none): everything up to it may be acknowledged.</summary>
    public uint LastSequence { get; internal set; }

    /// <summary>Notification messages the server no longer had when a gap was republished.</summary>
    public long MessagesLost { get; internal set; }

    /// <summary>The monitored items the server accepted, by client handle.</summary>
    public IReadOnlyList<MonitoredItem> Items
    {
        get
        {
            lock (_itemsLock)
            {
                return [.. _items.Values];
            }
        }
    }

    public int ItemCount
    {
        get
        {
            lock (_itemsLock)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>
    /// The silence after which the subscription counts as dead: the server promises a message (data or keep-alive)
    /// at least every publishing interval x max keep-alive count (Part 4, 5.13.1.1); three of those, at least 5 s.
    /// </summary>
    public TimeSpan Silence => TimeSpan.FromMilliseconds(Math.Max(5000, PublishingInterval.TotalMilliseconds * MaxKeepAliveCount * 3));

    /// <summary>The name used in messages: the settings' display name, else the id.</summary>
    public string Name => Settings.DisplayName is { Length: > 0 } name ? $"{name} (subscription {Id})" : $"subscription {Id}";

    internal NotificationHandler Handler { get; }

    // When the server last answered a Publish for this subscription (TimeProvider timestamp), for the watchdog.
    internal long LastHeard { get; set; }

    private OpcUaClient Client => _owner.Client;

    internal async Task CreateOnServerAsync(CancellationToken cancellationToken)
    {
        var created = await Client.SendAsync<CreateSubscriptionResponse>(
            new CreateSubscriptionRequest
            {
                RequestedPublishingInterval = Settings.PublishingInterval.TotalMilliseconds,
                RequestedMaxKeepAliveCount = Settings.MaxKeepAliveCount,
                RequestedLifetimeCount = Settings.LifetimeCount,
                MaxNotificationsPerPublish = Settings.MaxNotificationsPerPublish,
                Priority = Settings.Priority,
                PublishingEnabled = Settings.PublishingEnabled,
            },
            cancellationToken);
        Id = created.SubscriptionId;
        LastSequence = 0;
        Revised(created.RevisedPublishingInterval, created.RevisedMaxKeepAliveCount, created.RevisedLifetimeCount);
    }

    private void Revised(double publishingIntervalMs, uint maxKeepAliveCount, uint lifetimeCount)
    {
        PublishingInterval = TimeSpan.FromMilliseconds(publishingIntervalMs);
        MaxKeepAliveCount = Math.Max(1, maxKeepAliveCount);
        LifetimeCount = lifetimeCount;
        _owner.WakeWatchdog(); // a shorter silence moves the deadline earlier
    }

    /// <summary>
    /// CreateMonitoredItems, in calls of at most the server's MaxMonitoredItemsPerCall. One result per request, in order;
    /// a refused item (unknown node, ...) never stops the others.
    /// </summary>
    public async Task<MonitoredItemsAdded> AddItemsAsync(IReadOnlyList<MonitoredItemCreateRequest> items, TimestampsToReturn timestamps = TimestampsToReturn.Both, CancellationToken cancellationToken = default)
    {
        var reducedTo = 0;
        var results = await InBatchesAsync(
            items,
            async (slice, ct) => (await Client.SendAsync<CreateMonitoredItemsResponse>(new CreateMonitoredItemsRequest { SubscriptionId = Id, ItemsToCreate = slice, TimestampsToReturn = timestamps }, ct)).Results,
            size => reducedTo = size,
            cancellationToken);
        var outcome = new MonitoredItemCreateResult[items.Count];
        lock (_itemsLock)
        {
            // Sized once for the whole call: a table grown one doubling at a time ends up to twice as large as needed.
            if (items.Count > 0)
            {
                _items.Reserve(items.Max(i => i.RequestedParameters.ClientHandle), items.Count);
            }

            for (var i = 0; i < items.Count; i++)
            {
                outcome[i] = results[i] ?? new MonitoredItemCreateResult { StatusCode = new StatusCode(StatusCodes.BadUnknownResponse) };
                if (outcome[i].StatusCode.IsGood)
                {
                    var asked = items[i];
                    var terms = _sharedTerms.Share(MonitoredItemTerms.Of(asked, outcome[i]));
                    _items.Set(new MonitoredItem(asked.RequestedParameters.ClientHandle, outcome[i].MonitoredItemId, asked.ItemToMonitor.NodeId, terms));
                }
            }
        }

        return new MonitoredItemsAdded(outcome, reducedTo);
    }

    /// <summary>
    /// ModifyMonitoredItems, in batches: each item is named by the client handle in its parameters (the server's
    /// MonitoredItemId is looked up). One result per item, in order; an item the server modified keeps its new
    /// parameters (a subscription created again after a server restart asks for those).
    /// </summary>
    public async Task<MonitoredItemModifyResult[]> ModifyItemsAsync(IReadOnlyList<MonitoringParameters> items, TimestampsToReturn timestamps = TimestampsToReturn.Both, CancellationToken cancellationToken = default)
    {
        var requests = items.Select(p => new MonitoredItemModifyRequest { MonitoredItemId = ItemId(p.ClientHandle), RequestedParameters = p }).ToList();
        var results = await InBatchesAsync(
            requests,
            async (slice, ct) => (await Client.SendAsync<ModifyMonitoredItemsResponse>(new ModifyMonitoredItemsRequest { SubscriptionId = Id, ItemsToModify = slice, TimestampsToReturn = timestamps }, ct)).Results,
            _ => { },
            cancellationToken);
        var outcome = results.Select(r => r ?? new MonitoredItemModifyResult { StatusCode = new StatusCode(StatusCodes.BadUnknownResponse) }).ToArray();
        lock (_itemsLock)
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (outcome[i].StatusCode.IsGood && _items.TryGet(items[i].ClientHandle, out var item))
                {
                    var terms = _sharedTerms.Share(item.Terms.Modified(items[i], outcome[i]));
                    _items.Set(new MonitoredItem(item.ClientHandle, item.MonitoredItemId, item.NodeId, terms));
                }
            }
        }

        return outcome;
    }

    /// <summary>DeleteMonitoredItems by client handle, in batches; one status per handle.</summary>
    public async Task<StatusCode[]> RemoveItemsAsync(IReadOnlyList<uint> clientHandles, CancellationToken cancellationToken = default)
    {
        var ids = clientHandles.Select(ItemId).ToList();
        var results = await InBatchesAsync(
            ids,
            async (slice, ct) => (await Client.SendAsync<DeleteMonitoredItemsResponse>(new DeleteMonitoredItemsRequest { SubscriptionId = Id, MonitoredItemIds = slice }, ct)).Results,
            _ => { },
            cancellationToken);
        lock (_itemsLock)
        {
            for (var i = 0; i < clientHandles.Count; i++)
            {
                if (results[i].IsGood || results[i].Code == StatusCodes.BadMonitoredItemIdInvalid)
                {
                    _items.Remove(clientHandles[i]);
                }
            }
        }

        return results;
    }

    /// <summary>ModifySubscription (Part 4, 5.13.3): new publishing interval, keep-alive and lifetime counts.</summary>
    public async Task ModifyAsync(SubscriptionSettings settings, CancellationToken cancellationToken = default)
    {
        var modified = await Client.SendAsync<ModifySubscriptionResponse>(
            new ModifySubscriptionRequest
            {
                SubscriptionId = Id,
                RequestedPublishingInterval = settings.PublishingInterval.TotalMilliseconds,
                RequestedMaxKeepAliveCount = settings.MaxKeepAliveCount,
                RequestedLifetimeCount = settings.LifetimeCount,
                MaxNotificationsPerPublish = settings.MaxNotificationsPerPublish,
                Priority = settings.Priority,
            },
            cancellationToken);
        Settings = settings;
        Revised(modified.RevisedPublishingInterval, modified.RevisedMaxKeepAliveCount, modified.RevisedLifetimeCount);
    }

    /// <summary>DeleteSubscriptions for this one; its notifications stop and it leaves its <see cref="SessionSubscriptions"/>.</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        _owner.Forget(this);
        var deleted = await Client.SendAsync<DeleteSubscriptionsResponse>(new DeleteSubscriptionsRequest { SubscriptionIds = [Id] }, cancellationToken);
        var status = deleted.Results is { Length: 1 } results ? results[0] : new StatusCode(StatusCodes.BadUnknownResponse);
        if (status.IsBad && status.Code != StatusCodes.BadSubscriptionIdInvalid)
        {
            throw new UaServiceException(status.Code, $"{Client.EndpointUrl}: DeleteSubscriptions of {Name} failed: {status}");
        }
    }

    /// <summary>Creates this subscription again on the current session, with the same settings and items (after the server lost it).</summary>
    internal async Task RecreateAsync(CancellationToken cancellationToken)
    {
        List<MonitoredItemCreateRequest> requests;
        lock (_itemsLock)
        {
            requests = _items.Values.Select(i => i.ToRequest()).ToList();
            _items.Clear();
        }

        await CreateOnServerAsync(cancellationToken);
        await AddItemsAsync(requests, TimestampsToReturn.Both, cancellationToken);
    }

    private uint ItemId(uint clientHandle)
    {
        lock (_itemsLock)
        {
            return _items.TryGet(clientHandle, out var item) ? item.MonitoredItemId : 0;
        }
    }

    /// <summary>
    /// Sends these requests in calls of the server's MaxMonitoredItemsPerCall (or <see cref="DefaultItemsPerCall"/>);
    /// a BadTooManyOperations answer halves the call and tries again (a limit the server did not advertise).
    /// </summary>
    private async Task<TResult[]> InBatchesAsync<TRequest, TResult>(
        IReadOnlyList<TRequest> requests,
        Func<TRequest[], CancellationToken, Task<TResult[]?>> call,
        Action<int> reduced,
        CancellationToken cancellationToken)
    {
        if (_itemsPerCall == 0)
        {
            _itemsPerCall = Client.MaxMonitoredItemsPerCall == 0 ? DefaultItemsPerCall : (int)Client.MaxMonitoredItemsPerCall;
        }

        var results = new TResult[requests.Count];
        var offset = 0;
        while (offset < requests.Count)
        {
            var count = Math.Min(_itemsPerCall, requests.Count - offset);
            var slice = new TRequest[count];
            for (var i = 0; i < count; i++)
            {
                slice[i] = requests[offset + i];
            }

            TResult[] answered;
            try
            {
                answered = await call(slice, cancellationToken) ?? [];
            }
            catch (UaServiceException e) when (e.StatusCode == StatusCodes.BadTooManyOperations && count > 1)
            {
                _itemsPerCall = Math.Max(1, count / 2);
                reduced(_itemsPerCall);
                continue;
            }

            Array.Copy(answered, 0, results, offset, Math.Min(count, answered.Length));
            offset += count;
        }

        return results;
    }
}

/// <summary>
/// A monitored item the server accepted: what was asked (enough to create it again) and what the server granted. A
/// value type held inline in the subscription's table: its handles and node, and a reference to the parameters it
/// shares with the items created next to it (<see cref="MonitoredItemTerms"/>; a group's items all ask the same), so
/// 100,000 items cost 24 bytes each plus the table, not a copy of every request and result.
/// </summary>
public readonly struct MonitoredItem
{
    private readonly MonitoredItemTerms _terms;

    internal MonitoredItem(uint clientHandle, uint monitoredItemId, NodeId nodeId, MonitoredItemTerms terms)
    {
        ClientHandle = clientHandle;
        MonitoredItemId = monitoredItemId;
        NodeId = nodeId;
        _terms = terms;
    }

    public uint ClientHandle { get; }

    public uint MonitoredItemId { get; }

    public NodeId NodeId { get; }

    public uint AttributeId => _terms.AttributeId;

    public string? IndexRange => _terms.IndexRange;

    public MonitoringMode MonitoringMode => _terms.MonitoringMode;

    public double SamplingInterval => _terms.SamplingInterval;

    public uint QueueSize => _terms.QueueSize;

    public bool DiscardOldest => _terms.DiscardOldest;

    public ExtensionObject Filter => _terms.Filter;

    /// <summary>The sampling interval the server granted.</summary>
    public double RevisedSamplingInterval => _terms.RevisedSamplingInterval;

    /// <summary>The queue size the server granted.</summary>
    public uint RevisedQueueSize => _terms.RevisedQueueSize;

    internal MonitoredItemTerms Terms => _terms;

    /// <summary>The request that creates this item again (on a subscription created anew).</summary>
    public MonitoredItemCreateRequest ToRequest() => new()
    {
        ItemToMonitor = new ReadValueId(NodeId, AttributeId, IndexRange),
        MonitoringMode = MonitoringMode,
        RequestedParameters = new MonitoringParameters
        {
            ClientHandle = ClientHandle,
            SamplingInterval = SamplingInterval,
            QueueSize = QueueSize,
            DiscardOldest = DiscardOldest,
            Filter = Filter,
        },
    };
}

/// <summary>
/// What a monitored item asked for and was granted, apart from its handles and node: one instance shared by the items
/// that agree on all of it (the filter by reference: a caller that means the same filter passes the same object).
/// </summary>
internal sealed record MonitoredItemTerms(
    uint AttributeId,
    string? IndexRange,
    MonitoringMode MonitoringMode,
    double SamplingInterval,
    uint QueueSize,
    bool DiscardOldest,
    ExtensionObject Filter,
    double RevisedSamplingInterval,
    uint RevisedQueueSize)
{
    public static MonitoredItemTerms Of(MonitoredItemCreateRequest request, MonitoredItemCreateResult result)
    {
        var asked = request.RequestedParameters;
        return new(
            request.ItemToMonitor.AttributeId,
            request.ItemToMonitor.IndexRange,
            request.MonitoringMode,
            asked.SamplingInterval,
            asked.QueueSize,
            asked.DiscardOldest,
            asked.Filter,
            result.RevisedSamplingInterval,
            result.RevisedQueueSize);
    }

    /// <summary>These terms after ModifyMonitoredItems: the new parameters and what the server granted for them.</summary>
    public MonitoredItemTerms Modified(MonitoringParameters asked, MonitoredItemModifyResult result) => this with
    {
        SamplingInterval = asked.SamplingInterval,
        QueueSize = asked.QueueSize,
        DiscardOldest = asked.DiscardOldest,
        Filter = asked.Filter,
        RevisedSamplingInterval = result.RevisedSamplingInterval,
        RevisedQueueSize = result.RevisedQueueSize,
    };
}

/// <summary>
/// Hands out one <see cref="MonitoredItemTerms"/> for a run of equal ones: items are added in batches whose terms are
/// mostly the same, so the last one given out is kept and given again; nothing else is remembered (no table that grows
/// with items that were deleted since).
/// </summary>
internal sealed class SharedTerms
{
    private MonitoredItemTerms? _last;

    public MonitoredItemTerms Share(MonitoredItemTerms terms)
    {
        if (_last is not null && _last.Equals(terms))
        {
            return _last;
        }

        _last = terms;
        return terms;
    }
}

/// <summary>
/// The answer of <see cref="Subscription.AddItemsAsync"/>: one result per request, in order, and the call size the
/// server forced when it refused a larger call with BadTooManyOperations (0 = it did not).
/// </summary>
public sealed record MonitoredItemsAdded(MonitoredItemCreateResult[] Results, int CallSizeReducedTo);
