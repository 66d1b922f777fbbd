using Gateway.OpcUa.Client.Subscriptions;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa;

/// <summary>
/// A subscribed tag group's place in a stack <see cref="Subscription"/>: the group's interval decides which
/// <see cref="SharedSubscription"/> it joins (groups with equal subscription settings share one), its sampling, queue
/// and deadband are the monitored items' parameters, and its tags hold the client handles
/// <see cref="FirstHandle"/> onward in tag order. All protocol work (Publish, acknowledgements, Republish, transfer) is
/// the stack's.
/// </summary>
public sealed class GroupSubscription
{
    // Part 4, 5.13.1.1: a keep-alive after at most 10 silent publishing intervals.
    private const uint KeepAliveCount = 10;

    // Per tag: its next value follows lost notifications (set for the whole subscription, cleared per tag).
    private readonly bool[] _gapDue;
    private volatile bool _anyGapDue;

    public GroupSubscription(PlannedGroup group, SharedSubscription shared, uint firstHandle, IReadOnlyList<(OpcUaTag Tag, NodeId Node)> items)
    {
        Group = group;
        Shared = shared;
        FirstHandle = firstHandle;
        TagsByHandle = items.Select(i => i.Tag).ToArray();
        NodesByHandle = items.Select(i => i.Node).ToArray();
        _gapDue = new bool[TagsByHandle.Length];
    }

    public PlannedGroup Group { get; }

    /// <summary>The subscription this group's items live in, with the other groups of equal settings.</summary>
    public SharedSubscription Shared { get; }

    public Subscription Subscription => Shared.Subscription;

    /// <summary>The client handle of the group's first tag; tag i has <c>FirstHandle + i</c>.</summary>
    public uint FirstHandle { get; }

    /// <summary>The group's tags in handle order (index = handle - <see cref="FirstHandle"/>).</summary>
    public OpcUaTag[] TagsByHandle { get; }

    /// <summary>The NodeId each handle was created for, to tell whether a kept subscription still reaches the same nodes.</summary>
    public NodeId[] NodesByHandle { get; }

    /// <summary>The queue size the server granted the group's items (Part 4, 7.21 revisedQueueSize); 0 until they exist.</summary>
    public uint GrantedQueueSize { get; set; }

    /// <summary>The client handles of the group's items.</summary>
    public IEnumerable<uint> Handles => Enumerable.Range(0, TagsByHandle.Length).Select(i => FirstHandle + (uint)i);

    /// <summary>Notifications of this group's subscription were lost: every tag's next value is flagged as a data gap.</summary>
    public void FlagGap()
    {
        Array.Fill(_gapDue, true);
        _anyGapDue = true;
    }

    /// <summary>True once after <see cref="FlagGap"/> for the tag at this index: its value is the first after the gap.</summary>
    public bool TakeGap(int index)
    {
        if (!_anyGapDue || !_gapDue[index])
        {
            return false;
        }

        _gapDue[index] = false;
        return true;
    }

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
    /// The subscription a group asks for: its interval, and a lifetime that outlasts the session (to be transferred).
    /// No display name: groups with equal settings may share the subscription (the record's equality is the test).
    /// </summary>
    public static SubscriptionSettings SettingsFor(PlannedGroup group, TimeSpan sessionTimeout) => new()
    {
        PublishingInterval = group.Interval,
        MaxKeepAliveCount = KeepAliveCount,
        LifetimeCount = SubscriptionSettings.LifetimeFor(group.Interval, KeepAliveCount, sessionTimeout),
    };

    /// <summary>One monitored item per tag, the client handle being <see cref="FirstHandle"/> plus the tag's index.</summary>
    public MonitoredItemCreateRequest[] ItemRequests() => ItemsFor(Group, TagsByHandle, NodesByHandle, FirstHandle);

    private static MonitoredItemCreateRequest[] ItemsFor(PlannedGroup group, OpcUaTag[] tags, NodeId[] nodes, uint firstHandle)
    {
        var filter = FilterFor(group);
        var requests = new MonitoredItemCreateRequest[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            requests[i] = new MonitoredItemCreateRequest
            {
                ItemToMonitor = new ReadValueId(nodes[i], Attributes.Value, tags[i].IndexRange),
                MonitoringMode = MonitoringMode.Reporting,
                RequestedParameters = new MonitoringParameters
                {
                    ClientHandle = firstHandle + (uint)i,
                    SamplingInterval = group.Config.SamplingIntervalMs,
                    QueueSize = (uint)Math.Max(1, group.Config.QueueSize),
                    DiscardOldest = true,
                    Filter = filter,
                },
            };
        }

        return requests;
    }

    /// <summary>
    /// An events group's items: one per notifier, on its EventNotifier attribute with the group's EventFilter (Part 4,
    /// 5.12.1.2), the client handle being the notifier's index.
    /// </summary>
    public static MonitoredItemCreateRequest[] EventItemsFor(PlannedGroup group, IReadOnlyList<NodeId> notifiers, EventFilter filter)
    {
        var requests = new MonitoredItemCreateRequest[notifiers.Count];
        for (var i = 0; i < notifiers.Count; i++)
        {
            requests[i] = new MonitoredItemCreateRequest
            {
                ItemToMonitor = new ReadValueId(notifiers[i], Attributes.EventNotifier, null),
                MonitoringMode = MonitoringMode.Reporting,
                RequestedParameters = new MonitoringParameters
                {
                    ClientHandle = (uint)i,
                    // Part 4, 5.12.1.2: event items are not sampled.
                    SamplingInterval = 0,
                    QueueSize = (uint)group.Config.EventQueueSize,
                    DiscardOldest = true,
                    Filter = ExtensionObject.From(filter),
                },
            };
        }

        return requests;
    }

    private static ExtensionObject FilterFor(PlannedGroup group)
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
}

