using Gateway.Core;

namespace Gateway.MachineState.Tests;

/// <summary>
/// Readings that arrive out of order across notifications (one subscription of a machine behind another): within the
/// reorder window the figures and the state timeline are exactly those of the in-order feed.
/// </summary>
public sealed class LateReadingTests
{
    private static readonly DateTime Day = new(2026, 12, 7, 0, 0, 0, DateTimeKind.Utc);

    private static DateTime At(int hour, int minute = 0, int second = 0) => Day.AddHours(hour).AddMinutes(minute).AddSeconds(second);

    private sealed record Sample(DateTime At, string Tag, ReadingValue Value, bool Slow);

    /// <summary>
    /// The day shift (06:00-14:00, break 10:00-10:30): execution and a 1 Hz spindle load on a fast subscription; the
    /// counter (a part at 06:00:59 and then every minute, the 480th at 13:59:59) and the alarm number on a slow one.
    /// </summary>
    private static List<Sample> Day1()
    {
        var samples = new List<Sample>
        {
            new(At(6), "execution", ReadingValue.FromString("RUNNING"), false),
            new(At(9), "execution", ReadingValue.FromString("IDLE"), false),
            new(At(9, 20), "execution", ReadingValue.FromString("RUNNING"), false),
            new(At(11), "alarm_number", ReadingValue.FromInt64(1003), true),
            new(At(11, 5), "alarm_number", ReadingValue.FromInt64(0), true),
            new(At(6), "part_count", ReadingValue.FromInt64(0), true),
        };
        for (var k = 1; k <= 480; k++)
        {
            samples.Add(new(At(6, 0, 59).AddMinutes(k - 1), "part_count", ReadingValue.FromInt64(k), true));
        }

        for (var t = At(6); t <= At(14, 0, 10); t = t.AddSeconds(1))
        {
            samples.Add(new(t, "spindle_load", ReadingValue.FromDouble(40), false));
        }

        return [.. samples.OrderBy(s => s.At)];
    }

    private static (Recorder Events, MachineTracker Tracker) Feed(IEnumerable<Sample> samples, TimeSpan slowDelay, TimeSpan window)
    {
        var events = new Recorder();
        var tracker = new MachineTracker("sim", "cnc-01", LabelSet.Empty, new StateClassifier(Models.Cnc()), Models.Calendar(), At(6), window);

        // Arrival order: the slow subscription's readings come slowDelay after their timestamps (stable for equal arrivals).
        var arrivals = samples.Select((s, i) => (Sample: s, Heard: s.Slow ? s.At + slowDelay : s.At, Index: i))
            .OrderBy(a => a.Heard).ThenBy(a => a.Index);
        foreach (var (sample, heard, _) in arrivals)
        {
            tracker.Observe(sample.Tag, sample.Value, Quality.Good, sample.At, heard, events);
        }

        return (events, tracker);
    }

    private static List<(MachineStateKind, string, DateTime, DateTime)> Timeline(Recorder events) =>
        [.. events.Segments.Select(s => (s.State, s.Reason, s.StartUtc, s.EndUtc))];

    [Fact]
    public void A_subscription_three_seconds_behind_gives_the_in_order_figures_and_timeline_within_a_five_second_window()
    {
        var samples = Day1();
        var (inOrderEvents, _) = Feed(samples, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        var (lateEvents, late) = Feed(samples, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5));

        // The in-order figures, worked out by hand: 7.5 h planned, 20 min idle, 5 min alarm, 480 parts of 50 s.
        var expected = Assert.Single(inOrderEvents.FinalShifts);
        Assert.Equal(25_500, expected.StateSeconds[(int)MachineStateKind.Running], 6);
        Assert.Equal(1200, expected.StateSeconds[(int)MachineStateKind.Idle], 6);
        Assert.Equal(300, expected.StateSeconds[(int)MachineStateKind.Alarm], 6);
        Assert.Equal(480, expected.TotalCount);
        Assert.Equal(480 * 50, expected.IdealSeconds, 6);

        var final = Assert.Single(lateEvents.FinalShifts);
        Assert.Equal(expected.StateSeconds, final.StateSeconds);
        Assert.Equal(expected.StateEvents, final.StateEvents);
        Assert.Equal(expected.TotalCount, final.TotalCount);
        Assert.Equal(expected.IdealSeconds, final.IdealSeconds);
        Assert.Equal(expected.Figures(false), final.Figures(false));
        Assert.Equal(25_500.0 / 27_000, final.Figures(false).Availability!.Value, 12);
        Assert.Equal(24_000.0 / 25_500, final.Figures(false).Performance!.Value, 12);
        Assert.Equal(Timeline(inOrderEvents), Timeline(lateEvents));
        Assert.Equal((MachineStateKind.Alarm, "1003", At(11), At(11, 5)), Timeline(lateEvents)[3]);
        Assert.Equal(0, late.LateReadings);
        Assert.Equal(0, late.TooLateParts);
    }

    [Fact]
    public void Without_a_window_the_same_feed_dates_the_alarm_late_and_loses_the_shifts_last_part()
    {
        // What the window fixes (and that the comparison above can fail): applied at once, the slow readings are late.
        var (inOrderEvents, _) = Feed(Day1(), TimeSpan.Zero, TimeSpan.Zero);
        var (lateEvents, late) = Feed(Day1(), TimeSpan.FromSeconds(3), TimeSpan.Zero);

        Assert.Equal(480, Assert.Single(inOrderEvents.FinalShifts).TotalCount);
        Assert.Equal(479, Assert.Single(lateEvents.FinalShifts).TotalCount); // 13:59:59 came after the shift closed
        Assert.Equal(1, late.TooLateParts); // no grace period: in no figures
        Assert.Equal((MachineStateKind.Alarm, "1003", At(11, 0, 2), At(11, 5, 2)), Timeline(lateEvents)[3]); // from the accounted time
        Assert.True(late.LateReadings > 400);
    }

    [Fact]
    public void Flicker_suppression_sees_the_in_order_sequence_when_the_alarm_comes_late()
    {
        // minStateMs 5 s: a 2 s IDLE is a flicker, a 6 s alarm is a state. The alarm number's subscription is 2 s behind.
        var samples = new List<Sample>
        {
            new(At(6), "execution", ReadingValue.FromString("RUNNING"), false),
            new(At(7), "execution", ReadingValue.FromString("IDLE"), false),
            new(At(7, 0, 2), "execution", ReadingValue.FromString("RUNNING"), false),
            new(At(8), "alarm_number", ReadingValue.FromInt64(17), true),
            new(At(8, 0, 6), "alarm_number", ReadingValue.FromInt64(0), true),
        };
        for (var t = At(6); t <= At(9); t = t.AddSeconds(1))
        {
            samples.Add(new(t, "spindle_load", ReadingValue.FromDouble(40), false));
        }

        List<(MachineStateKind, string, DateTime, DateTime)> Run(TimeSpan delay)
        {
            var events = new Recorder();
            var tracker = new MachineTracker("sim", "cnc-01", LabelSet.Empty, new StateClassifier(Models.Cnc(minStateMs: 5000)), Models.Calendar(), At(6), TimeSpan.FromSeconds(3));
            foreach (var (sample, heard, _) in samples.OrderBy(s => s.At).Select((s, i) => (s, s.Slow ? s.At + delay : s.At, i)).OrderBy(a => a.Item2).ThenBy(a => a.i))
            {
                tracker.Observe(sample.Tag, sample.Value, Quality.Good, sample.At, heard, events);
            }

            return Timeline(events);
        }

        var inOrder = Run(TimeSpan.Zero);
        Assert.Equal(
            [(MachineStateKind.Running, "RUNNING", At(6), At(8)), (MachineStateKind.Alarm, "17", At(8), At(8, 0, 6))],
            inOrder);
        Assert.Equal(inOrder, Run(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void A_reading_older_than_one_already_applied_of_the_same_counter_counts_nothing_and_is_no_reset()
    {
        var events = new Recorder();
        var tracker = new MachineTracker("sim", "cnc-01", LabelSet.Empty, new StateClassifier(Models.Cnc()), Models.Calendar(), At(6), TimeSpan.FromSeconds(2));
        void Send(DateTime at, string tag, ReadingValue value) => tracker.Observe(tag, value, Quality.Good, at, at, events);
        Send(At(6), "execution", ReadingValue.FromString("RUNNING"));
        Send(At(6), "part_count", ReadingValue.FromInt64(100));
        Send(At(6, 1), "part_count", ReadingValue.FromInt64(110));
        Send(At(6, 2), "spindle_load", ReadingValue.FromDouble(1));
        tracker.Observe("part_count", ReadingValue.FromInt64(105), Quality.Good, At(6, 0, 30), At(6, 2), events); // 90 s late

        Send(At(6, 3), "part_count", ReadingValue.FromInt64(112));
        Send(At(6, 4), "spindle_load", ReadingValue.FromDouble(1));
        var shift = Assert.Single(tracker.OpenShifts);
        Assert.Equal(12, shift.TotalCount); // 100 -> 110 -> 112; the stale 105 was neither parts nor a reset to 105
        Assert.Equal(1, tracker.LateReadings);
    }

    [Fact]
    public void The_window_holds_a_bounded_number_of_readings()
    {
        var events = new Recorder();
        var tracker = new MachineTracker("sim", "cnc-01", LabelSet.Empty, new StateClassifier(Models.Cnc()), Models.Calendar(), At(6), TimeSpan.FromSeconds(60));
        for (var i = 0; i < MachineTracker.MaxHeldReadings + 500; i++)
        {
            tracker.Observe("part_count", ReadingValue.FromInt64(i), Quality.Good, At(6).AddMilliseconds(i), At(6).AddMilliseconds(i), events);
        }

        Assert.Equal(MachineTracker.MaxHeldReadings, tracker.HeldReadings);
        Assert.Equal(499, Assert.Single(tracker.OpenShifts).TotalCount); // the 500 oldest applied early: the baseline 0, then 1..499
        tracker.Flush(events);
        Assert.Equal(0, tracker.HeldReadings);
        Assert.Equal(MachineTracker.MaxHeldReadings + 499, Assert.Single(tracker.OpenShifts).TotalCount);
    }

    [Fact]
    public void A_silent_machine_applies_what_it_held_before_it_goes_offline()
    {
        var events = new Recorder();
        var tracker = new MachineTracker("sim", "cnc-01", LabelSet.Empty, new StateClassifier(Models.Cnc()), Models.Calendar(), At(6), TimeSpan.FromSeconds(5));
        void Send(DateTime at, string tag, string value) => tracker.Observe(tag, ReadingValue.FromString(value), Quality.Good, at, at, events);
        Send(At(6), "execution", "RUNNING");
        Send(At(6, 10), "execution", "IDLE"); // held: nothing newer came
        Assert.Equal(MachineStateKind.Running, tracker.State);

        tracker.Tick(At(6, 10, 2), TimeSpan.FromSeconds(30), events); // the machine's time is 06:10:02: still held
        Assert.Equal(MachineStateKind.Running, tracker.State);
        tracker.Tick(At(6, 10, 6), TimeSpan.FromSeconds(30), events);
        Assert.Equal(MachineStateKind.Idle, tracker.State);
        Assert.Equal(At(6, 10), tracker.Since);

        Send(At(6, 20), "execution", "RUNNING");
        tracker.Tick(At(6, 21), TimeSpan.FromSeconds(30), events); // silent since 06:20: offline from 06:20, RUNNING applied first
        Assert.Equal(
            [(MachineStateKind.Running, At(6), At(6, 10)), (MachineStateKind.Idle, At(6, 10), At(6, 20))],
            events.Segments.Select(s => (s.State, s.StartUtc, s.EndUtc)).ToList());
        Assert.Equal([MachineStateKind.Running, MachineStateKind.Idle, MachineStateKind.Running, MachineStateKind.Offline], events.Started);
        Assert.Equal(MachineStateKind.Offline, tracker.State);
        Assert.Equal(At(6, 20), tracker.Since);
    }
}
