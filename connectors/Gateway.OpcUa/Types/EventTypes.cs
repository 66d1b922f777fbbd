namespace Gateway.OpcUa.Types;

/// <summary>
/// The namespace-0 event and condition types and methods of Part 5 and Part 9 the stack's users filter on and call
/// (ids from NodeIds.csv).
/// </summary>
public static class EventTypes
{
    public static readonly NodeId BaseEventType = new(0, 2041u);
    public static readonly NodeId AuditEventType = new(0, 2052u);
    public static readonly NodeId SystemEventType = new(0, 2130u);
    public static readonly NodeId ProgressEventType = new(0, 11436u);
    public static readonly NodeId ConditionType = new(0, 2782u);
    public static readonly NodeId AcknowledgeableConditionType = new(0, 2881u);
    public static readonly NodeId AlarmConditionType = new(0, 2915u);
    public static readonly NodeId LimitAlarmType = new(0, 2955u);
    public static readonly NodeId ExclusiveLimitAlarmType = new(0, 9341u);
    public static readonly NodeId NonExclusiveLimitAlarmType = new(0, 9906u);
    public static readonly NodeId DiscreteAlarmType = new(0, 10523u);
    public static readonly NodeId OffNormalAlarmType = new(0, 10637u);
    public static readonly NodeId TripAlarmType = new(0, 10751u);

    /// <summary>Part 9, 5.11.2: sent before the condition copies of a ConditionRefresh.</summary>
    public static readonly NodeId RefreshStartEventType = new(0, 2787u);

    /// <summary>Part 9, 5.11.3: sent after the last condition copy of a ConditionRefresh.</summary>
    public static readonly NodeId RefreshEndEventType = new(0, 2788u);

    /// <summary>Part 5, 6.4.32 / Part 4, 5.12.1.5: the server dropped events of this monitored item (queue full).</summary>
    public static readonly NodeId EventQueueOverflowEventType = new(0, 3035u);

    /// <summary>Part 9, 5.5.7: ConditionRefresh(SubscriptionId), called on the ConditionType object.</summary>
    public static readonly NodeId ConditionRefresh = new(0, 3875u);

    /// <summary>Part 9, 5.7.3: Acknowledge(EventId, Comment), called on the condition instance.</summary>
    public static readonly NodeId Acknowledge = new(0, 9111u);

    /// <summary>Part 9, 5.7.4: Confirm(EventId, Comment), called on the condition instance.</summary>
    public static readonly NodeId Confirm = new(0, 9113u);

    /// <summary>The standard event types by browse name, for configuration that names them.</summary>
    public static readonly IReadOnlyDictionary<string, NodeId> ByName = new Dictionary<string, NodeId>(StringComparer.OrdinalIgnoreCase)
    {
        ["BaseEventType"] = BaseEventType,
        ["AuditEventType"] = AuditEventType,
        ["SystemEventType"] = SystemEventType,
        ["ProgressEventType"] = ProgressEventType,
        ["ConditionType"] = ConditionType,
        ["AcknowledgeableConditionType"] = AcknowledgeableConditionType,
        ["AlarmConditionType"] = AlarmConditionType,
        ["LimitAlarmType"] = LimitAlarmType,
        ["ExclusiveLimitAlarmType"] = ExclusiveLimitAlarmType,
        ["NonExclusiveLimitAlarmType"] = NonExclusiveLimitAlarmType,
        ["DiscreteAlarmType"] = DiscreteAlarmType,
        ["OffNormalAlarmType"] = OffNormalAlarmType,
        ["TripAlarmType"] = TripAlarmType,
        ["RefreshStartEventType"] = RefreshStartEventType,
        ["RefreshEndEventType"] = RefreshEndEventType,
        ["EventQueueOverflowEventType"] = EventQueueOverflowEventType,
    };
}
