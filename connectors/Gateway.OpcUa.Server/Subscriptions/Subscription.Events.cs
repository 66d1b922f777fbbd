using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Server.Events;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.Subscriptions;

/// <summary>The subscription's event monitored items and the events they queued for the next NotificationMessage.</summary>
public sealed partial class Subscription
{
    private readonly Dictionary<uint, EventMonitoredItem> _eventItems = [];
    private readonly Queue<EventMonitoredItem> _readyEvents = new();
    private readonly List<EventFieldList> _eventScratch = [];

    internal EventMonitoredItem CreateEventItem(NodeId notifier, EventFilter filter)
    {
        lock (_gate)
        {
            var item = new EventMonitoredItem(_nextItemId++, notifier, filter);
            _eventItems[item.Id] = item;
            return item;
        }
    }

    /// <summary>An event raised in the address space: each item that covers its source filters it.</summary>
    internal void OfferEvent(ServerEvent serverEvent, UaAddressSpace space)
    {
        lock (_gate)
        {
            foreach (var item in _eventItems.Values)
            {
                if (item.Covers(serverEvent))
                {
                    Queue(item, serverEvent, space);
                }
            }
        }
    }

    /// <summary>Part 9, 5.5.7: RefreshStart, the retained conditions each item covers, RefreshEnd, to every event item.</summary>
    internal void OfferRefresh(IReadOnlyList<ServerEvent> retained, UaAddressSpace space)
    {
        var now = DateTime.UtcNow;
        lock (_gate)
        {
            foreach (var item in _eventItems.Values)
            {
                Queue(item, new ServerEvent(EventTypes.RefreshStartEventType, StandardIds.Server, "Server", now, "ConditionRefresh started", 100), space);
                foreach (var condition in retained)
                {
                    if (item.Covers(condition))
                    {
                        Queue(item, condition, space);
                    }
                }

                Queue(item, new ServerEvent(EventTypes.RefreshEndEventType, StandardIds.Server, "Server", DateTime.UtcNow, "ConditionRefresh ended", 100), space);
            }
        }
    }

    private void Queue(EventMonitoredItem item, ServerEvent serverEvent, UaAddressSpace space)
    {
        if (item.Accept(serverEvent, space) && !item.IsQueued)
        {
            item.IsQueued = true;
            _readyEvents.Enqueue(item);
        }
    }

    private bool HasEvents => _readyEvents.Count > 0;

    private bool RemoveEventItem(uint id)
    {
        if (!_eventItems.Remove(id, out var item))
        {
            return false;
        }

        item.ClearQueue();
        return true;
    }

    private void ClearEventItems()
    {
        _eventItems.Clear();
        _readyEvents.Clear();
    }

    /// <summary>Under the lock: up to <paramref name="max"/> queued events as one EventNotificationList, or null.</summary>
    private ExtensionObject? DrainEvents(int max)
    {
        if (!PublishingEnabled || _readyEvents.Count == 0)
        {
            return null;
        }

        _eventScratch.Clear();
        while (_readyEvents.Count > 0 && _eventScratch.Count < max)
        {
            var item = _readyEvents.Peek();
            item.Drain(_eventScratch, max - _eventScratch.Count);
            if (item.QueuedCount == 0)
            {
                item.IsQueued = false;
                _readyEvents.Dequeue();
            }
        }

        var list = new EventNotificationList { Events = [.. _eventScratch] };
        _eventScratch.Clear();
        return ExtensionObject.From(list);
    }
}
