using Gateway.OpcUa.Client.Subscriptions;
using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa;

/// <summary>
/// One stack <see cref="Subscription"/> and the tag groups whose items it holds. Groups whose subscription settings are
/// equal (publishing interval, keep-alive, lifetime, priority, publishing enabled: <see cref="Settings"/>) share one, up
/// to <see cref="Capacity"/> items, so 1,000 machines at one interval need a handful of subscriptions, not 1,000 (servers
/// allow from 5 to a few hundred per session). Client handles are given out in increasing order and never reused while
/// the subscription lives: a handle maps back to one group and tag, also after a group left.
/// </summary>
public sealed class SharedSubscription
{
    // The groups in it, in handle order (a group's handles follow the previous group's): a handle's group is found by a
    // binary search. Replaced whole, only between sessions' Publish loops. A table by handle cost 8 to 16 bytes an item
    // (it grew by doubling): 1.6 MB at 100,000 items, for what a search over a few groups finds.
    private GroupSubscription[] _byFirstHandle = [];
    private readonly List<GroupSubscription> _groups = [];
    private uint _nextHandle;

    /// <param name="settings">What CreateSubscription asks for (without a display name: it is the sharing key).</param>
    /// <param name="capacity">Most items in this subscription; a group larger than it alone still gets one subscription.</param>
    /// <param name="exclusive">One group only: an events group (its items are notifiers, its ConditionRefresh is per
    /// subscription), or every group when the source has `shareSubscriptions: false`.</param>
    public SharedSubscription(SubscriptionSettings settings, int capacity, bool exclusive = false)
    {
        Settings = settings;
        Capacity = capacity;
        IsExclusive = exclusive;
    }

    public SubscriptionSettings Settings { get; }

    public int Capacity { get; }

    public bool IsExclusive { get; }

    /// <summary>An events group's subscription (always exclusive).</summary>
    public bool IsEvents => _groups.Count > 0 && _groups[0].Group.IsEvents;

    /// <summary>The stack's subscription, once it was created on the server.</summary>
    public Subscription Subscription { get; set; } = null!;

    /// <summary>Items of the groups in it now.</summary>
    public int ItemCount { get; private set; }

    public IReadOnlyList<GroupSubscription> Groups => _groups;

    /// <summary>True when a group of this many items may join (an empty subscription takes any group).</summary>
    public bool Fits(int items) => _groups.Count == 0 || (!IsExclusive && ItemCount + items <= Capacity);

    /// <summary>Places a group's items in this subscription, on the next free client handles.</summary>
    public GroupSubscription Add(PlannedGroup group, IReadOnlyList<(OpcUaTag Tag, NodeId Node)> items)
    {
        var mapped = new GroupSubscription(group, this, _nextHandle, items);
        _nextHandle += (uint)items.Count;
        _groups.Add(mapped);
        _byFirstHandle = [.. _byFirstHandle, mapped];
        ItemCount += items.Count;
        return mapped;
    }

    /// <summary>Takes a group out; its handles stay unused (a late notification for them is dropped).</summary>
    public void Remove(GroupSubscription group)
    {
        if (!_groups.Remove(group))
        {
            return;
        }

        _byFirstHandle = [.. _byFirstHandle.Where(g => !ReferenceEquals(g, group))];
        ItemCount -= group.TagsByHandle.Length;
    }

    /// <summary>The group and tag index of a client handle; false for a handle no group holds.</summary>
    public bool TryFind(uint handle, out GroupSubscription group, out int index)
    {
        // The last group whose first handle is at or below the handle; it holds the handle when the handle is within it.
        var groups = _byFirstHandle;
        int low = 0, high = groups.Length - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            if (groups[middle].FirstHandle <= handle)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        if (high >= 0 && handle - groups[high].FirstHandle < (uint)groups[high].TagsByHandle.Length)
        {
            group = groups[high];
            index = (int)(handle - group.FirstHandle);
            return true;
        }

        group = null!;
        index = -1;
        return false;
    }

    /// <summary>Notifications of this subscription were lost: the next value of every tag of its groups (and no other) is a data gap.</summary>
    public void FlagGap()
    {
        foreach (var group in _groups)
        {
            group.FlagGap();
        }
    }

    /// <summary>For messages: the interval, item count and the first groups by name.</summary>
    public string Describe()
    {
        var names = string.Join(", ", _groups.Take(3).Select(g => g.Group.Machine + "/" + g.Group.Name));
        var more = _groups.Count > 3 ? $" and {_groups.Count - 3} more" : "";
        return $"{Settings.PublishingInterval.TotalMilliseconds:0} ms subscription of {_groups.Count} group(s) ({names}{more}), {ItemCount} item(s)";
    }
}
