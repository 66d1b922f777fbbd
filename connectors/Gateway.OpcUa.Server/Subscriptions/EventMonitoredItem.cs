using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Server.Events;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.Subscriptions;

/// <summary>
/// A monitored item on an object's EventNotifier attribute (Part 4, 5.12.1): it keeps the events its filter passes, as
/// EventFieldLists in select-clause order, until the subscription publishes them. The Server object hears every event;
/// another notifier hears the events whose SourceNode it is. A full queue loses its oldest event and says so with one
/// EventQueueOverflowEventType event at its head (Part 4, 5.12.1.5).
/// </summary>
public sealed class EventMonitoredItem
{
    private readonly Queue<EventFieldList> _queue = new();
    // Part 4, 5.12.1.5: the overflow event waiting at the head of the queue (one until it is published).
    private EventFieldList? _overflow;

    internal EventMonitoredItem(uint id, NodeId notifier, EventFilter filter)
    {
        Id = id;
        Notifier = notifier;
        Filter = filter;
    }

    public uint Id { get; }

    public NodeId Notifier { get; }

    public EventFilter Filter { get; }

    public uint ClientHandle { get; internal set; }

    public MonitoringMode Mode { get; internal set; }

    public uint QueueSize { get; internal set; } = 1000;

    internal bool IsQueued { get; set; }

    internal int QueuedCount => _queue.Count + (_overflow is null ? 0 : 1);

    internal bool Covers(ServerEvent serverEvent) => Notifier == StandardIds.Server || Notifier == serverEvent.SourceNode;

    /// <summary>Called under the subscription's lock: queues the event when it is reported and passes the where clause.</summary>
    internal bool Accept(ServerEvent serverEvent, UaAddressSpace space)
    {
        if (Mode != MonitoringMode.Reporting || !EventFilterEvaluator.Passes(Filter.WhereClause, serverEvent, space))
        {
            return false;
        }

        if (QueuedCount >= QueueSize)
        {
            // Part 4, 5.12.1.5 (DiscardOldest, the only policy of event items): the oldest event is lost, and the
            // overflow event takes the head of the queue, not subject to the where clause, its fields by the same
            // select clauses. One overflow event stands for every loss until it is published.
            _queue.Dequeue();
            if (_overflow is null)
            {
                var overflow = new ServerEvent(EventTypes.EventQueueOverflowEventType, StandardIds.Server, "Server", DateTime.UtcNow, "Event queue overflow: events of this monitored item were lost", 1000);
                _overflow = new EventFieldList { ClientHandle = ClientHandle, EventFields = EventFilterEvaluator.Select(Filter.SelectClauses ?? [], overflow, space) };
                if (_queue.Count > 0)
                {
                    _queue.Dequeue(); // the overflow event counts in the queue size
                }
            }

            Overflows++;
        }

        _queue.Enqueue(new EventFieldList { ClientHandle = ClientHandle, EventFields = EventFilterEvaluator.Select(Filter.SelectClauses ?? [], serverEvent, space) });
        return true;
    }

    /// <summary>Events this item lost to a full queue since it was created.</summary>
    public long Overflows { get; private set; }

    internal int Drain(List<EventFieldList> output, int max)
    {
        var taken = 0;
        if (_overflow is { } overflow && max > 0)
        {
            output.Add(overflow);
            _overflow = null;
            taken++;
        }

        while (_queue.Count > 0 && taken < max)
        {
            output.Add(_queue.Dequeue());
            taken++;
        }

        return taken;
    }

    internal void ClearQueue()
    {
        _queue.Clear();
        _overflow = null;
    }
}
