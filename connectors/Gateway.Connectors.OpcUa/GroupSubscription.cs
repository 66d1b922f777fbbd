using Gateway.OpcUa.Client.Subscriptions;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa;

/// <summary>
/// A subscribed tag group and the stack's <see cref="Subscription"/> that reads it: the group's interval becomes the
/// publishing interval, its sampling, queue and deadband the monitored items' parameters, and each tag's index in the
/// group the item's client handle. All protocol work (Publish, acknowledgements, Republish, transfer) is the stack's.
/// </summary>
public sealed class GroupSubscription
{
    // Part 4, 5.13.1.1: a keep-alive after at most 10 silent publishing intervals.
    private const uint KeepAliveCount = 10;

    public GroupSubscription(PlannedGroup group, Subscription subscription, IReadOnlyList<(OpcUaTag Tag, NodeId Node)> items)
    {
        Group = group;
        Subscription = subscription;
        TagsByHandle = items.Select(i => i.Tag).ToArray();
        NodesByHandle = items.Select(i => i.Node).ToArray();
    }

    public PlannedGroup Group { get; }

    public Subscription Subscription { get; }

    /// <summary>The tag of each client handle (the handle is the index).</summary>
    public OpcUaTag[] TagsByHandle { get; }

    /// <summary>The NodeId each handle was created for, to tell whether a kept subscription still reaches the same nodes.</summary>
    public NodeId[] NodesByHandle { get; }

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

    /// <summary>The subscription a group asks for: its interval, and a lifetime that outlasts the session (to be transferred).</summary>
    public static SubscriptionSettings SettingsFor(PlannedGroup group, TimeSpan sessionTimeout) => new()
    {
        PublishingInterval = group.Interval,
        MaxKeepAliveCount = KeepAliveCount,
        LifetimeCount = SubscriptionSettings.LifetimeFor(group.Interval, KeepAliveCount, sessionTimeout),
        DisplayName = $"group {group.Machine}/{group.Name}",
    };

    /// <summary>One monitored item per tag, the client handle being the tag's index.</summary>
    public static MonitoredItemCreateRequest[] ItemsFor(PlannedGroup group, IReadOnlyList<(OpcUaTag Tag, NodeId Node)> items)
    {
        var filter = FilterFor(group);
        var requests = new MonitoredItemCreateRequest[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            requests[i] = new MonitoredItemCreateRequest
            {
                ItemToMonitor = new ReadValueId(items[i].Node, Attributes.Value, items[i].Tag.IndexRange),
                MonitoringMode = MonitoringMode.Reporting,
                RequestedParameters = new MonitoringParameters
                {
                    ClientHandle = (uint)i,
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
