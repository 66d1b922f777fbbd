using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Server.Events;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.Simulator.Machines;

/// <summary>
/// The CNC's alarm as an OPC UA condition (Part 9, 5.8 AlarmConditionType): object <c>{machine}/AlarmCondition</c> (beside the Alarm folder of tags), active while
/// the CNC is in its ALARM state, with the alarm's number and text in the Message. Each transition raises an event
/// from the machine (the event's SourceNode): active, inactive, acknowledged. Retain stays true while the alarm is
/// active or not yet acknowledged, so ConditionRefresh repeats it.
/// </summary>
internal sealed class CncAlarmCondition : IServerCondition
{
    private readonly Lock _gate = new();
    private readonly UaAddressSpace _space;
    private readonly NodeId _machine;
    private readonly string _machineName;
    private bool _active;
    private bool _acked = true;
    private int _number;
    private string _text = "";
    private DateTime _activeSince;
    private DateTime _time;
    private string _comment = "";
    private byte[] _lastEventId = [];

    public CncAlarmCondition(UaAddressSpace space, ushort ns, string machineName)
    {
        _space = space;
        _machine = new NodeId(ns, machineName);
        _machineName = machineName;
        ConditionId = new NodeId(ns, machineName + "/AlarmCondition");
        var machineNode = (ObjectNode)space.Find(_machine)!;
        machineNode.EventNotifier = 1; // SubscribeToEvents
        space.AddReference(StandardIds.Server, StandardIds.HasNotifier, _machine);
        space.AddObject(_machine, ConditionId, new QualifiedName(ns, "AlarmCondition"), "AlarmCondition", StandardIds.HasComponent, EventTypes.AlarmConditionType);
        space.Events.AddCondition(this);
    }

    public NodeId ConditionId { get; }

    /// <summary>Follows the machine: <paramref name="number"/> 0 = no alarm. Raises an event when the alarm starts, changes or ends.</summary>
    public void Update(int number, string text, DateTime now)
    {
        ServerEvent? raised = null;
        lock (_gate)
        {
            if (number != 0 && (!_active || number != _number))
            {
                (_active, _acked, _number, _text, _activeSince, _time, _comment) = (true, false, number, text, now, now, "");
                raised = Build();
            }
            else if (number == 0 && _active)
            {
                (_active, _time) = (false, now);
                raised = Build();
            }
        }

        if (raised is not null)
        {
            _space.Events.Raise(raised);
        }
    }

    public ServerEvent? Retained()
    {
        lock (_gate)
        {
            return Retain ? Build() : null;
        }
    }

    public uint Acknowledge(byte[] eventId, LocalizedText comment)
    {
        ServerEvent raised;
        lock (_gate)
        {
            if (!eventId.AsSpan().SequenceEqual(_lastEventId))
            {
                return StatusCodes.BadEventIdUnknown;
            }

            if (_acked)
            {
                return StatusCodes.BadConditionBranchAlreadyAcked;
            }

            (_acked, _time, _comment) = (true, DateTime.UtcNow, comment.Text ?? "");
            raised = Build();
        }

        _space.Events.Raise(raised);
        return StatusCode.Good.Code;
    }

    private bool Retain => _active || !_acked;

    /// <summary>Part 9, 5.8: severity by what the alarm stops: servo and overtravel stop the machine, the rest less so.</summary>
    private static ushort SeverityOf(int number) => number switch
    {
        1001 or 1002 => 800,
        1003 => 700,
        1004 => 500,
        _ => 300,
    };

    private ServerEvent Build()
    {
        var message = _active ? $"{_number} {_text}" : $"{_number} {_text} (cleared)";
        var serverEvent = new ServerEvent(EventTypes.AlarmConditionType, _machine, _machineName, _time, message, SeverityOf(_number)) { ConditionId = ConditionId }
            .Set("ConditionName", Variant.From("Alarm"))
            .Set("ConditionClassName", Variant.FromObject(BuiltInType.LocalizedText, new LocalizedText("Process")))
            .Set("Retain", Variant.From(Retain))
            .Set("Quality", Variant.From(StatusCode.Good))
            .Set("Comment", Variant.FromObject(BuiltInType.LocalizedText, new LocalizedText(_comment)))
            .Set("EnabledState", Variant.FromObject(BuiltInType.LocalizedText, new LocalizedText("Enabled")))
            .Set("EnabledState/Id", Variant.From(true))
            .Set("ActiveState", Variant.FromObject(BuiltInType.LocalizedText, new LocalizedText(_active ? "Active" : "Inactive")))
            .Set("ActiveState/Id", Variant.From(_active))
            .Set("ActiveState/TransitionTime", Variant.From(_active ? _activeSince : _time))
            .Set("AckedState", Variant.FromObject(BuiltInType.LocalizedText, new LocalizedText(_acked ? "Acknowledged" : "Unacknowledged")))
            .Set("AckedState/Id", Variant.From(_acked))
            .Set("AlarmNumber", Variant.From(_number));
        _lastEventId = serverEvent.EventId;
        return serverEvent;
    }
}
