using System.Collections.Concurrent;
using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.Events;

/// <summary>A condition the server keeps (Part 9, 5.5): what ConditionRefresh repeats and what Acknowledge reaches.</summary>
public interface IServerCondition
{
    NodeId ConditionId { get; }

    /// <summary>The condition's current state as a new event when Retain is true, else null.</summary>
    ServerEvent? Retained();

    /// <summary>Part 9, 5.7.3: acknowledges the state the event <paramref name="eventId"/> reported; returns a status code.</summary>
    uint Acknowledge(byte[] eventId, LocalizedText comment);
}

/// <summary>
/// Where the address space's owners raise events and register conditions; the service dispatcher listens and hands
/// each event to the event monitored items that cover its source.
/// </summary>
public sealed class ServerEvents
{
    private readonly ConcurrentDictionary<NodeId, IServerCondition> _conditions = new();

    public event Action<ServerEvent>? Raised;

    public void Raise(ServerEvent serverEvent) => Raised?.Invoke(serverEvent);

    public void AddCondition(IServerCondition condition) => _conditions[condition.ConditionId] = condition;

    public IServerCondition? FindCondition(NodeId conditionId) => _conditions.GetValueOrDefault(conditionId);

    /// <summary>The conditions with Retain set, as ConditionRefresh sends them (Part 9, 5.5.7).</summary>
    public IReadOnlyList<ServerEvent> RetainedConditions() => [.. _conditions.Values.Select(c => c.Retained()).OfType<ServerEvent>()];

    /// <summary>The event types of Part 5 and Part 9 that this server raises or a where clause names, for OfType.</summary>
    internal static void AddEventTypes(UaAddressSpace space)
    {
        (NodeId Id, string Name, bool Abstract, NodeId Parent)[] types =
        [
            (EventTypes.BaseEventType, "BaseEventType", true, StandardIds.BaseObjectType),
            (EventTypes.SystemEventType, "SystemEventType", false, EventTypes.BaseEventType),
            (EventTypes.RefreshStartEventType, "RefreshStartEventType", false, EventTypes.SystemEventType),
            (EventTypes.RefreshEndEventType, "RefreshEndEventType", false, EventTypes.SystemEventType),
            (EventTypes.EventQueueOverflowEventType, "EventQueueOverflowEventType", false, EventTypes.BaseEventType),
            (EventTypes.ConditionType, "ConditionType", true, EventTypes.BaseEventType),
            (EventTypes.AcknowledgeableConditionType, "AcknowledgeableConditionType", false, EventTypes.ConditionType),
            (EventTypes.AlarmConditionType, "AlarmConditionType", false, EventTypes.AcknowledgeableConditionType),
        ];
        foreach (var t in types)
        {
            space.Add(new TypeNode(NodeClass.ObjectType, t.Id, new QualifiedName(0, t.Name), new LocalizedText(t.Name)) { IsAbstract = t.Abstract });
            space.AddReference(t.Parent, StandardIds.HasSubtype, t.Id);
        }
    }
}
