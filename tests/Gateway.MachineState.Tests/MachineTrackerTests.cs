using System.Text.Json;

using Gateway.Core;

namespace Gateway.MachineState.Tests;

public sealed class MachineTrackerTests
{
    private static readonly DateTime Day = new(2026, 12, 7, 0, 0, 0, DateTimeKind.Utc);

    private static DateTime At(int hour, int minute = 0, int second = 0) => Day.AddHours(hour).AddMinutes(minute).AddSeconds(second);

    private static MachineTracker Tracker(int minStateMs = 0, DateTime? start = null) =>
        new("sim", "cnc-01", LabelSet.Empty, new StateClassifier(Models.Cnc(minStateMs)), Models.Calendar(), start ?? At(6));

    private static void Send(MachineTracker tracker, Recorder events, DateTime at, string tag, ReadingValue value) =>
        tracker.Observe(tag, value, Quality.Good, at, at, events);

    private static void Execution(MachineTracker t, Recorder e, DateTime at, string value) => Send(t, e, at, "execution", ReadingValue.FromString(value));

    private static void Parts(MachineTracker t, Recorder e, DateTime at, long value) => Send(t, e, at, "part_count", ReadingValue.FromInt64(value));

    [Fact]
    public void State_changes_become_segments_and_time_is_accounted_per_state_inside_the_planned_windows()
    {
        var events = new Recorder();
        var tracker = Tracker();
        Execution(tracker, events, At(6), "RUNNING");
        Execution(tracker, events, At(9), "IDLE");
        Execution(tracker, events, At(9, 30), "RUNNING"); // runs through the 10:00-10:30 break
        Send(tracker, events, At(11), "alarm_text", ReadingValue.FromString("SP1241 SPINDLE OVERHEAT"));
        Send(tracker, events, At(11), "alarm_number", ReadingValue.FromInt64(1003));
        Send(tracker, events, At(11, 20), "alarm_number", ReadingValue.FromInt64(0));
        Execution(tracker, events, At(12), "STOPPED");
        Execution(tracker, events, At(14, 5), "RUNNING"); // after the shift: closes it

        Assert.Equal(
            [
                (MachineStateKind.Running, At(6), At(9)),
                (MachineStateKind.Idle, At(9), At(9, 30)),
                (MachineStateKind.Running, At(9, 30), At(11)),
                (MachineStateKind.Alarm, At(11), At(11, 20)),
                (MachineStateKind.Running, At(11, 20), At(12)),
                (MachineStateKind.PlannedStop, At(12), At(14, 5)),
            ],
            events.Segments.Select(s => (s.State, s.StartUtc, s.EndUtc)).ToList());
        Assert.Equal("SP1241 SPINDLE OVERHEAT", events.Segments[3].Reason);

        var shift = Assert.Single(events.FinalShifts);
        Assert.Equal(3 * 3600 + 3600 + 40 * 60, shift.StateSeconds[(int)MachineStateKind.Running]); // 3 h + (1.5 h - 0.5 h break) + 40 min
        Assert.Equal(30 * 60, shift.StateSeconds[(int)MachineStateKind.Idle]);
        Assert.Equal(20 * 60, shift.StateSeconds[(int)MachineStateKind.Alarm]);
        Assert.Equal(2 * 3600, shift.StateSeconds[(int)MachineStateKind.PlannedStop]);
        Assert.Equal(20 * 60, shift.Alarms["SP1241 SPINDLE OVERHEAT"].Seconds);
        Assert.Equal(7.5 * 3600, shift.StateSeconds.Sum());
    }

    [Fact]
    public void Readings_that_arrive_seconds_after_their_timestamps_keep_their_state_changes_dated_by_the_timestamps()
    {
        // A loaded box (or a device clock behind the gateway's): every reading is heard 5 s after its timestamp, more than
        // the offline delay. The timer must not account the running state past the data, or the IDLE read at 6:00:05
        // would be dated when the timer had got to.
        var events = new Recorder();
        var tracker = Tracker();
        var lag = TimeSpan.FromSeconds(5);
        var offlineAfter = TimeSpan.FromSeconds(3);
        void Late(DateTime at, string tag, ReadingValue value) => tracker.Observe(tag, value, Quality.Good, at, at + lag, events);
        Late(At(6), "execution", ReadingValue.FromString("RUNNING"));
        for (var s = 1; s <= 4; s++)
        {
            Late(At(6, 0, s), "spindle_load", ReadingValue.FromDouble(40 + s));
            tracker.Tick(At(6, 0, s) + lag + TimeSpan.FromMilliseconds(500), offlineAfter, events);
        }

        Assert.Equal(MachineStateKind.Running, tracker.State);
        Assert.Equal(At(6, 0, 4), tracker.AccountedUntil);
        Late(At(6, 0, 5), "execution", ReadingValue.FromString("IDLE"));
        Late(At(6, 0, 7), "execution", ReadingValue.FromString("RUNNING"));

        Assert.Equal(
            [(MachineStateKind.Running, At(6), At(6, 0, 5)), (MachineStateKind.Idle, At(6, 0, 5), At(6, 0, 7))],
            events.Segments.Select(s => (s.State, s.StartUtc, s.EndUtc)).ToList());
    }

    [Fact]
    public void A_late_count_of_parts_made_before_the_shift_is_not_in_the_shift()
    {
        // The counters come by one subscription, the execution value by another that ran ahead into the shift.
        var events = new Recorder();
        var tracker = Tracker(start: At(5, 58));
        Parts(tracker, events, At(5, 58), 100);
        Execution(tracker, events, At(6, 0, 40), "RUNNING");
        Parts(tracker, events, At(5, 59, 50), 103);
        Parts(tracker, events, At(6, 0, 20), 104); // late but inside the open shift: counted there
        Parts(tracker, events, At(6, 0, 30), 105);
        Execution(tracker, events, At(14, 5), "IDLE");

        var shift = Assert.Single(events.FinalShifts);
        Assert.Equal(2, shift.TotalCount);
    }

    [Fact]
    public void Parts_are_counted_with_the_ideal_cycle_of_the_running_program_and_the_counter_wrap()
    {
        var events = new Recorder();
        var tracker = Tracker();
        Send(tracker, events, At(6), "program", ReadingValue.FromInt64(1001));
        Execution(tracker, events, At(6), "RUNNING");
        Parts(tracker, events, At(6), 65530);
        Parts(tracker, events, At(7), 65535);
        Parts(tracker, events, At(8), 4); // wrapped: 65535 -> 0..4 is 5 parts
        Send(tracker, events, At(8), "program", ReadingValue.FromInt64(2050));
        Parts(tracker, events, At(9), 14);
        var totals = Assert.Single(tracker.OpenShifts);
        Assert.Equal(20, totals.TotalCount);
        Assert.Equal(20, totals.GoodCount);
        Assert.Equal((10 * 40) + (10 * 50), totals.IdealSeconds);
    }

    [Fact]
    public void A_flicker_shorter_than_the_minimum_stays_in_the_previous_state_and_a_real_change_dates_from_its_start()
    {
        var events = new Recorder();
        var tracker = Tracker(minStateMs: 5000);
        Execution(tracker, events, At(6), "RUNNING");
        Execution(tracker, events, At(7), "IDLE");
        Execution(tracker, events, At(7, 0, 2), "RUNNING"); // 2 s of idle: a flicker
        Execution(tracker, events, At(8), "IDLE");
        Execution(tracker, events, At(8, 0, 6), "IDLE");    // lasted 6 s: a state from 08:00:00
        Execution(tracker, events, At(9), "RUNNING");
        Execution(tracker, events, At(9, 0, 10), "RUNNING");

        Assert.Equal(
            [(MachineStateKind.Running, At(6), At(8)), (MachineStateKind.Idle, At(8), At(9))],
            events.Segments.Select(s => (s.State, s.StartUtc, s.EndUtc)).ToList());
        var totals = Assert.Single(tracker.OpenShifts);
        Assert.Equal(3600, totals.StateSeconds[(int)MachineStateKind.Idle]);
        Assert.Equal((2 * 3600) + 10, totals.StateSeconds[(int)MachineStateKind.Running]);
    }

    [Fact]
    public void A_silent_machine_is_offline_from_its_last_reading_and_offline_time_is_not_downtime()
    {
        var events = new Recorder();
        var tracker = Tracker();
        Execution(tracker, events, At(6), "RUNNING");
        Parts(tracker, events, At(7), 10);
        tracker.Tick(At(7, 1), TimeSpan.FromSeconds(30), events);
        Assert.Equal(MachineStateKind.Offline, tracker.State);
        Assert.Equal(At(7), tracker.Since);
        tracker.Tick(At(8), TimeSpan.FromSeconds(30), events);
        Execution(tracker, events, At(8), "RUNNING"); // the source is back

        Assert.Equal(MachineStateKind.Running, tracker.State);
        var totals = Assert.Single(tracker.OpenShifts);
        Assert.Equal(3600, totals.StateSeconds[(int)MachineStateKind.Offline]);
        Assert.Equal(1.0, totals.Figures(offlineIsDowntime: false).Availability);
        Assert.Equal(0.5, totals.Figures(offlineIsDowntime: true).Availability);
    }

    [Fact]
    public void A_restart_from_the_checkpoint_counts_no_part_twice_and_the_gap_is_offline()
    {
        var events = new Recorder();
        var before = Tracker();
        Execution(before, events, At(6), "RUNNING");
        Parts(before, events, At(6), 100);
        Parts(before, events, At(7), 160);

        // The state file round trip (what the engine writes and reads).
        var path = Path.Combine(Path.GetTempPath(), $"oee-{Guid.NewGuid():N}.json");
        try
        {
            StateFile.Save(path, new StateFile.Content(1, At(7), new() { ["cnc-01"] = before.Checkpoint() }));
            Parts(before, events, At(7, 30), 170); // read, but lost in the kill: the checkpoint is older

            var saved = StateFile.Load(path)!.Machines["cnc-01"];
            var afterEvents = new Recorder();
            var after = Tracker(start: At(8));
            after.Restore(saved, afterEvents);
            Assert.Equal(MachineStateKind.Offline, after.State);
            Assert.Equal((MachineStateKind.Running, At(6), At(7)), afterEvents.Segments.Select(s => (s.State, s.StartUtc, s.EndUtc)).Single());

            Execution(after, afterEvents, At(8), "RUNNING");
            Parts(after, afterEvents, At(8), 180);
            var totals = Assert.Single(after.OpenShifts);
            Assert.Equal(80, totals.TotalCount); // 100 -> 180, each part once
            Assert.Equal(3600, totals.StateSeconds[(int)MachineStateKind.Running]);
            Assert.Equal(3600, totals.StateSeconds[(int)MachineStateKind.Offline]);
            Assert.DoesNotContain(".tmp", string.Join(",", Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + "*")));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void An_alarm_known_first_from_the_execution_value_keeps_its_segment_when_its_text_arrives_and_another_alarm_is_a_new_one()
    {
        var events = new Recorder();
        var tracker = Tracker();
        Execution(tracker, events, At(6), "RUNNING");
        Execution(tracker, events, At(7), "ALARM");
        Send(tracker, events, At(7, 0, 1), "alarm_number", ReadingValue.FromInt64(1003));
        Send(tracker, events, At(7, 10), "alarm_number", ReadingValue.FromInt64(1004));
        Execution(tracker, events, At(7, 20), "RUNNING");
        Send(tracker, events, At(7, 20), "alarm_number", ReadingValue.FromInt64(0));

        Assert.Equal(
            [(MachineStateKind.Running, "RUNNING", At(6)), (MachineStateKind.Alarm, "1003", At(7)), (MachineStateKind.Alarm, "1004", At(7, 10))],
            events.Segments.Select(s => (s.State, s.Reason, s.StartUtc)).ToList());
        var totals = Assert.Single(tracker.OpenShifts);
        Assert.Equal(1200, totals.StateSeconds[(int)MachineStateKind.Alarm]);
        Assert.Equal(600, totals.Alarms["1004"].Seconds);
    }

    [Fact]
    public void A_night_shift_in_Seoul_collects_the_time_across_midnight_and_closes_at_six_local()
    {
        Assert.True(OeeOptions.TryFindZone("Asia/Seoul", out var seoul));
        var calendar = new ShiftCalendar(new ShiftCalendarOptions { Shifts = [new ShiftOptions { Name = "night", Start = "22:00", End = "06:00" }] }, seoul);
        var events = new Recorder();
        var evening = new DateTime(2026, 12, 7, 12, 0, 0, DateTimeKind.Utc); // 21:00 in Seoul
        var tracker = new MachineTracker("sim", "cnc-01", LabelSet.Empty, new StateClassifier(Models.Cnc()), calendar, evening);
        Execution(tracker, events, evening, "RUNNING");
        Parts(tracker, events, evening, 10);
        Parts(tracker, events, evening.AddHours(2), 30);     // 23:00
        Execution(tracker, events, evening.AddHours(4), "IDLE"); // 01:00 on the 8th
        Execution(tracker, events, evening.AddHours(5), "RUNNING");
        Parts(tracker, events, evening.AddHours(8.5), 50);   // 05:30
        Assert.Empty(events.FinalShifts);
        Execution(tracker, events, evening.AddHours(10), "IDLE"); // 07:00: the shift is over

        var night = Assert.Single(events.FinalShifts);
        Assert.Equal("night", night.Shift);
        Assert.Equal(new DateTime(2026, 12, 7, 13, 0, 0, DateTimeKind.Utc), night.StartUtc);
        Assert.Equal(7 * 3600, night.StateSeconds[(int)MachineStateKind.Running]);
        Assert.Equal(3600, night.StateSeconds[(int)MachineStateKind.Idle]);
        Assert.Equal(40, night.TotalCount);
    }

    [Fact]
    public void Bad_readings_of_a_disconnected_source_do_not_keep_a_machine_alive()
    {
        var events = new Recorder();
        var tracker = Tracker();
        Execution(tracker, events, At(6), "RUNNING");
        tracker.Observe("execution", ReadingValue.Null, Quality.Bad, At(6, 0, 20), At(6, 0, 20), events);
        tracker.Tick(At(6, 0, 40), TimeSpan.FromSeconds(30), events);
        Assert.Equal(MachineStateKind.Offline, tracker.State);
        Assert.Equal(At(6), tracker.Since);
    }

    [Fact]
    public void Rules_order_alarm_before_setup_before_execution_before_spindle()
    {
        var classifier = new StateClassifier(new StateModelOptions
        {
            ExecutionTag = "mode",
            ExecutionStates = new() { ["MEM"] = MachineStateKind.Running },
            SpindleTag = "speed",
            SpindleRunningAbove = 100,
            AlarmTag = "alarm",
            SetupTag = "setup",
        });
        var values = new ReadingValue[StateClassifier.SlotCount];
        values[StateClassifier.Spindle] = ReadingValue.FromDouble(50);
        Assert.Equal(MachineStateKind.Idle, classifier.Classify(values).State);
        values[StateClassifier.Execution] = ReadingValue.FromString("JOG"); // not mapped: the spindle decides
        values[StateClassifier.Spindle] = ReadingValue.FromDouble(500);
        Assert.Equal(MachineStateKind.Running, classifier.Classify(values).State);
        values[StateClassifier.Setup] = ReadingValue.FromBoolean(true);
        Assert.Equal(MachineStateKind.Setup, classifier.Classify(values).State);
        values[StateClassifier.Alarm] = ReadingValue.FromString("EX1020");
        Assert.Equal((MachineStateKind.Alarm, "EX1020"), classifier.Classify(values));
    }

    [Fact]
    public void Checkpoint_json_keeps_every_figure()
    {
        var events = new Recorder();
        var tracker = Tracker();
        Execution(tracker, events, At(6), "RUNNING");
        Send(tracker, events, At(7), "alarm_number", ReadingValue.FromInt64(7));
        Execution(tracker, events, At(7, 10), "RUNNING");
        Send(tracker, events, At(7, 10), "alarm_number", ReadingValue.FromInt64(0));
        var json = JsonSerializer.Serialize(tracker.Checkpoint());
        var back = JsonSerializer.Deserialize<MachineCheckpoint>(json)!;
        var shift = Assert.Single(back.OpenShifts);
        Assert.Equal(600, shift.Alarms["7"].Seconds);
        Assert.Equal(1, shift.Alarms["7"].Events);
        Assert.Equal(3600, shift.StateSeconds[(int)MachineStateKind.Running]);
    }
}
