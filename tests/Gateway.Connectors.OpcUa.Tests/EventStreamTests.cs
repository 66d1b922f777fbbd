using Gateway.Connectors.OpcUa.Events;
using Gateway.Core;
using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>
/// <see cref="EventStream"/> without a server: the readings it makes of an events group's notifications, and the times
/// they carry.
/// </summary>
public sealed class EventStreamTests
{
    private static readonly EventSelection Selection = EventSelection.For(new OpcUaGroupOptions { Mode = AcquisitionMode.Events }, _ => NodeId.Null);

    private static readonly DateTime RaisedAt = new(2026, 12, 7, 6, 0, 0, 100, DateTimeKind.Utc);

    [Fact]
    public void The_active_alarm_count_carries_the_events_time_not_the_arrival_time()
    {
        // The machine's values are stamped on the server's clock; a count stamped on arrival would be ahead of them by the
        // delivery delay (here 2 s), and the machine-state engine would date the machine's next state change that late.
        var stream = new EventStream(Tag());
        var received = RaisedAt.AddSeconds(2);

        var raised = stream.Take(Selection, [Condition(active: true, RaisedAt)], received);
        var count = raised.Readings.Single(r => r.Tag == EventStream.ActiveAlarmsTag);
        Assert.Equal(1, count.Value.AsInt64());
        Assert.Equal(RaisedAt, count.Timestamp);
        Assert.Equal(RaisedAt, count.SourceTimestamp);
        Assert.Equal(received, count.GatewayTimestamp);
        Assert.Equal(RaisedAt, raised.Readings.Single(r => r.Tag == EventStream.ActiveAlarmTextTag).Timestamp);

        var clearedAt = RaisedAt.AddSeconds(30);
        var cleared = stream.Take(Selection, [Condition(active: false, clearedAt)], clearedAt.AddSeconds(2));
        var zero = cleared.Readings.Single(r => r.Tag == EventStream.ActiveAlarmsTag);
        Assert.Equal(0, zero.Value.AsInt64());
        Assert.Equal(clearedAt, zero.Timestamp);
    }

    [Fact]
    public void An_event_without_a_time_leaves_the_count_stamped_on_arrival()
    {
        var stream = new EventStream(Tag());
        var received = RaisedAt.AddSeconds(2);

        var batch = stream.Take(Selection, [Condition(active: true, time: null)], received);

        Assert.Equal(received, batch.Readings.Single(r => r.Tag == EventStream.ActiveAlarmsTag).Timestamp);
    }

    [Fact]
    public void A_count_from_an_older_event_is_stamped_no_earlier_than_the_count_before_it()
    {
        // A refresh copy keeps the Time the condition last changed: its count must not become an older point than the
        // current one, or the newest point (what a dashboard shows) would be the stale count.
        var stream = new EventStream(Tag());
        stream.Take(Selection, [Condition(active: true, RaisedAt)], RaisedAt.AddSeconds(1));

        var older = stream.Take(Selection, [Condition(active: false, RaisedAt.AddSeconds(-10))], RaisedAt.AddSeconds(2));

        var count = older.Readings.Single(r => r.Tag == EventStream.ActiveAlarmsTag);
        Assert.Equal(0, count.Value.AsInt64());
        Assert.Equal(RaisedAt, count.Timestamp);
    }

    private static OpcUaTag Tag() => new(
        "cnc", "cnc-01", "alarms", "events", "ns=2;s=cnc-01", null, null, new OpcUaGroupOptions { Mode = AcquisitionMode.Events },
        TimeSpan.FromSeconds(1), EventStream.EventsMeasurement, LabelSet.From([new("site", "test")]), UnitFromServer: false);

    /// <summary>An AlarmConditionType event of one condition, in <see cref="EventSelection.Fields"/> order.</summary>
    private static Variant[] Condition(bool active, DateTime? time)
    {
        var fields = Enumerable.Repeat(Variant.Null, Selection.Fields.Count).ToArray();
        fields[EventSelection.EventType] = Variant.FromObject(BuiltInType.NodeId, EventTypes.AlarmConditionType);
        fields[EventSelection.SourceName] = Variant.From("cnc-01");
        if (time is { } t)
        {
            fields[EventSelection.Time] = Variant.From(t);
            fields[EventSelection.ActiveSince] = Variant.From(t);
        }

        fields[EventSelection.Message] = Variant.From("spindle overload");
        fields[EventSelection.ConditionId] = Variant.FromObject(BuiltInType.NodeId, new NodeId(2, "cnc-01/Alarm"));
        fields[EventSelection.ConditionName] = Variant.From("Alarm");
        fields[EventSelection.Retain] = Variant.From(active);
        fields[EventSelection.ActiveState] = Variant.From(active);
        fields[EventSelection.AckedState] = Variant.From(!active);
        return fields;
    }
}
