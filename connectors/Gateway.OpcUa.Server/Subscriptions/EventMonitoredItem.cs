using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Server.Events;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.Subscriptions;

/// <summary>
/// A monitored item on an object's EventNotifier attribute (Part 4, 5.12.1): it keeps the events its filter passes, as
/// EventFieldLists in select-clause order, until the subscription publishes them. The Server object hears every event;
/// another notifier hears the events whose SourceNode it is.
/// </summary>
public sealed class EventMonitoredItem
{
    private readonly Queue<EventFieldList> _queue = new();

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

    internal int QueuedCount => _queue.Count;

    internal bool Covers(ServerEvent serverEvent) => Notifier == StandardIds.Server || Notifier == serverEvent.SourceNode;

    /// <summary>Called under the subscription's lock: queues the event when it is reported and passes the where clause.</summary>
    internal bool Accept(ServerEvent serverEvent, UaAddressSpace space)
    {
        if (Mode != MonitoringMode.Reporting || !EventFilterEvaluator.Passes(Filter.WhereClause, serverEvent, space))
        {
            return false;
        }

        if (_queue.Count >= QueueSize)
        {
            // Part 4, 5.12.1.5: a full queue loses its oldest event.
            _queue.Dequeue();
        }

        _queue.Enqueue(new EventFieldList { ClientHandle = ClientHandle, EventFields = EventFilterEvaluator.Select(Filter.SelectClauses ?? [], serverEvent, space) });
        return true;
    }

    internal int Drain(List<EventFieldList> output, int max)
    {
        var taken = 0;
        while (_queue.Count > 0 && taken < max)
        {
            output.Add(_queue.Dequeue());
            taken++;
        }

        return taken;
    }

    internal void ClearQueue() => _queue.Clear();
}
