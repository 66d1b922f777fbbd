using System.Globalization;
using System.Text.Json;
using Gateway.Core;
using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa.Events;

/// <summary>What an events group produced from one notification message.</summary>
/// <param name="Readings">The events, ended alarm episodes and active-alarm readings, in order.</param>
/// <param name="Overflows">EventQueueOverflow events among them (the server dropped events).</param>
public sealed record EventBatch(List<Reading> Readings, int Overflows);

/// <summary>
/// The events of one events group (one machine), turned into readings, across sessions:
/// <list type="bullet">
/// <item>every event is a reading `events` (measurement `events`) whose value is the event's JSON
/// (<see cref="EventRecord.ToJson"/>); an EventQueueOverflow event is flagged as a data gap;</item>
/// <item>a ConditionRefresh (Part 9, 5.5.7) is bracketed by RefreshStart/RefreshEnd: a condition's copy that repeats the
/// state already reported is dropped (a reconnect reports nothing twice); a condition known as active that the refresh
/// no longer reports ended while the gateway was away, and its episode is closed at the RefreshEnd;</item>
/// <item>an event of a condition's branch (BranchId not null, Part 9, 5.5.2: a previous state kept for acknowledgement)
/// is reported as an event with its `branchId` and never opens or closes the condition's episode;</item>
/// <item>an alarm's episode (active → inactive, or → inactive and acknowledged) becomes one `alarm_episode` record and one
/// `alarm_duration_s` number (measurement `alarm_episodes`, time = the episode's start);</item>
/// <item>`active_alarms` (how many alarms are active) and `active_alarm_text` (the newest one's message, "" when none)
/// follow every change, for the machine-state engine's `alarmTag` / `alarmTextTag`.</item>
/// </list>
/// </summary>
public sealed class EventStream
{
    public const string EventsMeasurement = "events";
    public const string EpisodesMeasurement = "alarm_episodes";
    public const string ActiveAlarmsTag = "active_alarms";
    public const string ActiveAlarmTextTag = "active_alarm_text";

    private readonly OpcUaTag _tag;
    private readonly bool _endWhenAcknowledged;
    private readonly Dictionary<string, ConditionState> _conditions = new(StringComparer.Ordinal);
    // Branches (Part 9, 5.5.2) by condition and branch id: only to drop a refresh copy that repeats a branch's state.
    private readonly Dictionary<string, string> _branches = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seenInRefresh = new(StringComparer.Ordinal);
    private bool _refreshing;
    private (int Count, string Text)? _lastActive;
    private DateTime _lastActiveAt;

    public EventStream(OpcUaTag tag)
    {
        _tag = tag;
        _endWhenAcknowledged = string.Equals(tag.GroupConfig.EpisodeEnd, "acknowledged", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The alarms active now, by condition (for `gateway status` and tests).</summary>
    public int ActiveAlarms => _conditions.Values.Count(c => c.Episode is not null);

    /// <summary>Refresh copies dropped because they repeated a state already reported.</summary>
    public long RefreshDuplicatesDropped { get; private set; }

    public EventBatch Take(EventSelection selection, IEnumerable<Variant[]?> events, DateTime received)
    {
        var readings = new List<Reading>();
        var overflows = 0;
        DateTime? newest = null;
        foreach (var fields in events)
        {
            var record = new EventRecord(selection, fields);
            var time = record.Time ?? received;
            if (record.IsOfType(EventTypes.RefreshStartEventType))
            {
                _refreshing = true;
                _seenInRefresh.Clear();
                continue;
            }

            if (record.IsOfType(EventTypes.RefreshEndEventType))
            {
                _refreshing = false;
                EndUnseen(time, readings);
                newest = newest > time ? newest : time;
                continue;
            }

            var overflow = record.IsOfType(EventTypes.EventQueueOverflowEventType);
            overflows += overflow ? 1 : 0;
            var episodes = new List<Reading>();
            if (record.IsCondition && !Track(record, received, episodes))
            {
                continue;
            }

            readings.Add(EventReading(record, overflow, received));
            readings.AddRange(episodes);
            newest = newest > time ? newest : time;
        }

        // The count is as of the newest event that could change it, on the server's clock like the machine's other
        // values: stamped on arrival it would be ahead of them by the delivery delay, and the machine-state engine,
        // which accounts time in data time, would date a state change that arrives after it late by that delay.
        AddActiveAlarms(newest ?? received, received, readings);
        return new EventBatch(readings, overflows);
    }

    /// <summary>Updates the condition's state; false when the event is a refresh copy of what was already reported.</summary>
    private bool Track(EventRecord record, DateTime received, List<Reading> episodes)
    {
        if (record.BranchId is { } branchId)
        {
            return TrackBranch(record, branchId);
        }

        var key = record.ConditionKey;
        var signature = record.StateSignature;
        _conditions.TryGetValue(key, out var known);
        if (_refreshing)
        {
            _seenInRefresh.Add(key);
            if (known is not null && known.Signature == signature)
            {
                RefreshDuplicatesDropped++;
                return false;
            }
        }

        known ??= _conditions[key] = new ConditionState();
        known.Signature = signature;
        if (record.Active == true && known.Episode is null)
        {
            known.Episode = new Episode(record.ActiveSince ?? record.Time ?? received, record.ConditionName ?? key, record.SourceName, record.Message, record.Severity, NumberOf(record));
        }
        else if (record.Active == true && known.Episode is { } open)
        {
            // The newest message and severity of an active alarm are the ones its record keeps.
            known.Episode = open with { Text = record.Message ?? open.Text, Severity = record.Severity ?? open.Severity };
        }
        else if (record.Active == false && known.Episode is { } ended && (!_endWhenAcknowledged || record.Acked != false))
        {
            var end = _endWhenAcknowledged ? record.Time ?? received : record.ActiveSince ?? record.Time ?? received;
            episodes.AddRange(EpisodeReadings(ended, end, endedUnseen: false, received));
            known.Episode = null;
        }

        if (record.Active != true && record.Retain == false && known.Episode is null)
        {
            _conditions.Remove(key);
        }

        return true;
    }

    /// <summary>
    /// A branch's event: reported, never part of the condition's episode (its ActiveState is a past state's). A refresh
    /// copy repeating the branch's last reported state is dropped; a branch no longer retained is forgotten.
    /// </summary>
    private bool TrackBranch(EventRecord record, NodeId branchId)
    {
        var key = record.ConditionKey + "#" + branchId;
        var signature = record.StateSignature;
        if (_refreshing && _branches.TryGetValue(key, out var known) && known == signature)
        {
            RefreshDuplicatesDropped++;
            return false;
        }

        if (record.Retain == false)
        {
            _branches.Remove(key);
        }
        else
        {
            _branches[key] = signature;
        }

        return true;
    }

    /// <summary>After a refresh: an active alarm the server no longer reports ended while the gateway could not see it.</summary>
    private void EndUnseen(DateTime refreshEnd, List<Reading> readings)
    {
        foreach (var (key, condition) in _conditions.Where(c => !_seenInRefresh.Contains(c.Key)).ToList())
        {
            if (condition.Episode is { } episode)
            {
                readings.AddRange(EpisodeReadings(episode, refreshEnd, endedUnseen: true, refreshEnd));
            }

            _conditions.Remove(key);
        }
    }

    /// <summary>A vendor's alarm number, when a configured field's name says it is one (`AlarmNumber`, `2:AlarmNo`, ...).</summary>
    private static string? NumberOf(EventRecord record) =>
        record.ConfiguredFieldNamed("AlarmNumber", "AlarmNo", "AlarmCode", "AlarmId", "Number") is { IsNull: false } number
            ? Convert.ToString(number.Value, CultureInfo.InvariantCulture)
            : null;

    private Reading EventReading(EventRecord record, bool overflow, DateTime received)
    {
        var time = record.Time ?? received;
        var labels = new List<KeyValuePair<string, string>>(_tag.Labels.Pairs)
        {
            new("event_type", record.EventType?.ToString() ?? ""),
            new("event_source", record.SourceName ?? ""),
            new("severity", record.Severity?.ToString(CultureInfo.InvariantCulture) ?? ""),
        };
        return new Reading
        {
            Source = _tag.Source,
            Machine = _tag.Machine,
            Tag = _tag.Tag,
            Measurement = EventsMeasurement,
            Value = ReadingValue.FromJson(record.ToJson(_refreshing)),
            Quality = overflow ? Quality.Uncertain : Quality.Good,
            DataGap = overflow,
            SourceTimestamp = time,
            ServerTimestamp = time,
            GatewayTimestamp = received,
            Timestamp = time,
            Labels = LabelSet.From(labels),
        };
    }

    private IEnumerable<Reading> EpisodeReadings(Episode episode, DateTime end, bool endedUnseen, DateTime received)
    {
        var seconds = Math.Max(0, (end - episode.Start).TotalSeconds);
        var json = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["alarm"] = episode.Alarm,
            ["sourceName"] = episode.SourceName,
            ["number"] = episode.Number,
            ["text"] = episode.Text,
            ["severity"] = episode.Severity,
            ["start"] = episode.Start.ToString("O", CultureInfo.InvariantCulture),
            ["end"] = end.ToString("O", CultureInfo.InvariantCulture),
            ["durationSeconds"] = seconds,
            ["endedUnseen"] = endedUnseen,
        });
        var labels = LabelSet.From(new List<KeyValuePair<string, string>>(_tag.Labels.Pairs)
        {
            new("alarm", episode.Alarm),
            new("event_source", episode.SourceName ?? ""),
        });
        Reading Make(string tag, ReadingValue value) => new()
        {
            Source = _tag.Source,
            Machine = _tag.Machine,
            Tag = tag,
            Measurement = EpisodesMeasurement,
            Value = value,
            SourceTimestamp = episode.Start,
            ServerTimestamp = episode.Start,
            GatewayTimestamp = received,
            Timestamp = episode.Start,
            Labels = labels,
        };

        // Same measurement, tags and time: InfluxDB stores the two as one point with two fields.
        yield return Make("alarm_episode", ReadingValue.FromJson(json));
        yield return Make("alarm_duration_s", ReadingValue.FromDouble(seconds));
    }

    private void AddActiveAlarms(DateTime time, DateTime received, List<Reading> readings)
    {
        var active = _conditions.Values.Where(c => c.Episode is not null).Select(c => c.Episode!).OrderBy(e => e.Start).ToList();
        var now = (active.Count, active.Count == 0 ? "" : active[^1].Text ?? active[^1].Alarm);
        if (_lastActive == now)
        {
            return;
        }

        _lastActive = now;

        // Never before the previous count (a refresh copy keeps its old Time): the newest point is the current count.
        time = time > _lastActiveAt ? time : _lastActiveAt;
        _lastActiveAt = time;
        Reading Make(string tag, ReadingValue value) => new()
        {
            Source = _tag.Source,
            Machine = _tag.Machine,
            Tag = tag,
            Measurement = EventsMeasurement,
            Value = value,
            SourceTimestamp = time,
            ServerTimestamp = time,
            GatewayTimestamp = received,
            Timestamp = time,
            Labels = _tag.Labels,
        };
        readings.Add(Make(ActiveAlarmsTag, ReadingValue.FromInt64(now.Count)));
        readings.Add(Make(ActiveAlarmTextTag, ReadingValue.FromString(now.Item2)));
    }

    private sealed class ConditionState
    {
        public string Signature { get; set; } = "";

        public Episode? Episode { get; set; }
    }

    private sealed record Episode(DateTime Start, string Alarm, string? SourceName, string? Text, int? Severity, string? Number);
}
