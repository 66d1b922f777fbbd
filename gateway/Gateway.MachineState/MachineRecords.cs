using System.Globalization;
using System.Text.Json;

using Gateway.Core;

namespace Gateway.MachineState;

/// <summary>
/// The records of docs/oee.md as readings, so they travel the data path like any tag (buffer, every sink): one reading
/// per field, all fields of a record with the same measurement, machine, labels and timestamp (InfluxDB stores them as
/// one point), plus one string field holding the whole record as JSON (the MQTT topic a consumer subscribes to;
/// its JSON Schema is in docs/schemas).
/// </summary>
public static class MachineRecords
{
    public const string StateMeasurement = "machine_state";
    public const string OeeMeasurement = "oee";
    public const string DowntimeMeasurement = "downtime";

    private static readonly JsonWriterOptions JsonOptions = new() { Indented = false };

    /// <summary>A state that ended: fields state, state_reason, state_duration_s, state_record; time = the state's start.</summary>
    public static void AddStateChange(List<Reading> output, MachineTracker machine, StateSegment segment, DateTime now)
    {
        var json = Json(w =>
        {
            w.WriteString("machine", machine.Machine);
            w.WriteString("state", MachineStateNames.Name(segment.State));
            w.WriteString("reason", segment.Reason);
            w.WriteString("start", Iso(segment.StartUtc));
            w.WriteString("end", Iso(segment.EndUtc));
            w.WriteNumber("durationSeconds", Math.Round(segment.Duration.TotalSeconds, 3));
        });
        var labels = machine.Labels;
        Add(output, machine, StateMeasurement, "state", ReadingValue.FromString(MachineStateNames.Name(segment.State)), segment.StartUtc, now, labels);
        Add(output, machine, StateMeasurement, "state_reason", ReadingValue.FromString(segment.Reason), segment.StartUtc, now, labels);
        Add(output, machine, StateMeasurement, "state_duration_s", ReadingValue.FromDouble(Math.Round(segment.Duration.TotalSeconds, 3)), segment.StartUtc, now, labels);
        Add(output, machine, StateMeasurement, "state_record", ReadingValue.FromString(json), segment.StartUtc, now, labels);
    }

    /// <summary>The current state, every interval: fields current_state, current_reason, current_state_s; time = now.</summary>
    public static void AddCurrentState(List<Reading> output, MachineTracker machine, DateTime now)
    {
        var labels = machine.Labels;
        Add(output, machine, StateMeasurement, "current_state", ReadingValue.FromString(MachineStateNames.Name(machine.State)), now, now, labels);
        Add(output, machine, StateMeasurement, "current_reason", ReadingValue.FromString(machine.Reason), now, now, labels);
        Add(output, machine, StateMeasurement, "current_state_s", ReadingValue.FromDouble(Math.Round(Math.Max(0, (now - machine.Since).TotalSeconds), 3)), now, now, labels);
        if (machine.LastCycleSeconds is { } cycle)
        {
            Add(output, machine, StateMeasurement, "cycle_time_s", ReadingValue.FromDouble(cycle), now, now, labels);
        }
    }

    /// <summary>
    /// A shift's OEE (live every interval, and final at the shift's end) and its downtime by cause; the tag `shift` names
    /// it, the JSON record says its start and end. A revision (<paramref name="revision"/> above 0: late parts added to a
    /// final shift) is the final oee record again, same time and tags so InfluxDB overwrites the point; its downtime is
    /// unchanged (late parts change no state time) and is not written again.
    /// </summary>
    public static void AddShift(List<Reading> output, MachineTracker machine, ShiftTotals totals, bool final, bool offlineIsDowntime, int topAlarms, DateTime now, int revision = 0)
    {
        var figures = totals.Figures(offlineIsDowntime);
        var labels = machine.Labels.With([new("shift", totals.Shift)]);

        // Live figures at the time they were taken (inside the shift), the final ones at the shift's end: the last point
        // of a shift is always its final figures.
        var at = final ? totals.EndUtc : now < totals.EndUtc ? now : totals.EndUtc.AddMilliseconds(-1);
        void Field(string name, ReadingValue value) => Add(output, machine, OeeMeasurement, name, value, at, now, labels);
        void Ratio(string name, double? value)
        {
            if (value is { } v)
            {
                Field(name, ReadingValue.FromDouble(Math.Round(v, 6)));
            }
        }

        Ratio("availability", figures.Availability);
        Ratio("performance", figures.Performance);
        Ratio("quality", figures.Quality);
        Ratio("oee", figures.Oee);
        Field("planned_busy_s", ReadingValue.FromDouble(Math.Round(figures.PlannedBusySeconds, 3)));
        for (var i = 0; i < MachineStateNames.Count; i++)
        {
            Field(MachineStateNames.SecondsField((MachineStateKind)i), ReadingValue.FromDouble(Math.Round(totals.StateSeconds[i], 3)));
        }

        Field("total_count", ReadingValue.FromInt64(totals.TotalCount));
        Field("good_count", ReadingValue.FromInt64(totals.GoodCount));
        Field("reject_count", ReadingValue.FromInt64(totals.RejectCount));
        Field("ideal_s", ReadingValue.FromDouble(Math.Round(totals.IdealSeconds, 3)));
        Field("shift_final", ReadingValue.FromBoolean(final));
        if (final)
        {
            Field("shift_revision", ReadingValue.FromInt64(revision));
        }

        var alarms = totals.TopAlarms(topAlarms);
        Field("oee_record", ReadingValue.FromString(Json(w =>
        {
            w.WriteString("machine", machine.Machine);
            w.WriteString("shift", totals.Shift);
            w.WriteString("shiftStart", Iso(totals.StartUtc));
            w.WriteString("shiftEnd", Iso(totals.EndUtc));
            w.WriteBoolean("final", final);
            w.WriteNumber("revision", revision);
            Number(w, "availability", figures.Availability);
            Number(w, "performance", figures.Performance);
            Number(w, "quality", figures.Quality);
            Number(w, "oee", figures.Oee);
            w.WriteNumber("plannedBusySeconds", Math.Round(figures.PlannedBusySeconds, 3));
            w.WriteStartObject("stateSeconds");
            for (var i = 0; i < MachineStateNames.Count; i++)
            {
                w.WriteNumber(MachineStateNames.Name((MachineStateKind)i), Math.Round(totals.StateSeconds[i], 3));
            }

            w.WriteEndObject();
            w.WriteNumber("totalCount", totals.TotalCount);
            w.WriteNumber("goodCount", totals.GoodCount);
            w.WriteNumber("rejectCount", totals.RejectCount);
            w.WriteNumber("idealSeconds", Math.Round(totals.IdealSeconds, 3));
        })));
        if (revision > 0)
        {
            return;
        }

        // Downtime: the loss states, then the top alarms.
        var downtimeJson = Json(w =>
        {
            w.WriteString("machine", machine.Machine);
            w.WriteString("shift", totals.Shift);
            w.WriteString("shiftStart", Iso(totals.StartUtc));
            w.WriteBoolean("final", final);
            w.WriteStartArray("byState");
            foreach (var state in LossStates)
            {
                w.WriteStartObject();
                w.WriteString("state", MachineStateNames.Name(state));
                w.WriteNumber("seconds", Math.Round(totals.StateSeconds[(int)state], 3));
                w.WriteNumber("events", totals.StateEvents[(int)state]);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("topAlarms");
            foreach (var (alarm, downtime) in alarms)
            {
                w.WriteStartObject();
                w.WriteString("alarm", alarm);
                w.WriteNumber("seconds", Math.Round(downtime.Seconds, 3));
                w.WriteNumber("events", downtime.Events);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
        Add(output, machine, DowntimeMeasurement, "downtime_record", ReadingValue.FromString(downtimeJson), at, now, labels);
        foreach (var state in LossStates)
        {
            if (totals.StateSeconds[(int)state] > 0)
            {
                var causeLabels = labels.With([new("cause_kind", "state"), new("cause", MachineStateNames.Name(state))]);
                Add(output, machine, DowntimeMeasurement, "downtime_s", ReadingValue.FromDouble(Math.Round(totals.StateSeconds[(int)state], 3)), at, now, causeLabels);
                Add(output, machine, DowntimeMeasurement, "downtime_events", ReadingValue.FromInt64(totals.StateEvents[(int)state]), at, now, causeLabels);
            }
        }

        foreach (var (alarm, downtime) in alarms)
        {
            var causeLabels = labels.With([new("cause_kind", "alarm"), new("cause", alarm)]);
            Add(output, machine, DowntimeMeasurement, "downtime_s", ReadingValue.FromDouble(Math.Round(downtime.Seconds, 3)), at, now, causeLabels);
            Add(output, machine, DowntimeMeasurement, "downtime_events", ReadingValue.FromInt64(downtime.Events), at, now, causeLabels);
        }
    }

    /// <summary>The states that are losses (everything but running), in record order.</summary>
    public static readonly MachineStateKind[] LossStates =
        [MachineStateKind.Idle, MachineStateKind.Alarm, MachineStateKind.Setup, MachineStateKind.PlannedStop, MachineStateKind.Offline, MachineStateKind.Unknown];

    private static void Add(List<Reading> output, MachineTracker machine, string measurement, string field, ReadingValue value, DateTime at, DateTime now, LabelSet labels) =>
        output.Add(new Reading
        {
            Source = machine.Source,
            Machine = machine.Machine,
            Tag = field,
            Measurement = measurement,
            Value = value,
            Quality = Quality.Good,
            SourceTimestamp = at,
            ServerTimestamp = at,
            GatewayTimestamp = now,
            Timestamp = at,
            Labels = labels,
        });

    private static void Number(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, Math.Round(v, 6));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    public static string Iso(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, JsonOptions))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
