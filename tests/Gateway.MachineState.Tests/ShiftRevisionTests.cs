using System.Text.Json;

using Gateway.Core;

using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.MachineState.Tests;

/// <summary>
/// Parts that arrive after their shift's final record (the counter's subscription minutes behind, a backlog replayed):
/// within the grace period the final record is issued again with them, once, across a restart too.
/// </summary>
public sealed class ShiftRevisionTests : IDisposable
{
    private static readonly DateTime Day = new(2026, 12, 7, 0, 0, 0, DateTimeKind.Utc);

    private readonly string _stateFile = Path.Combine(Path.GetTempPath(), $"oee-revision-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_stateFile);

    private static DateTime At(int hour, int minute = 0, int second = 0) => Day.AddHours(hour).AddMinutes(minute).AddSeconds(second);

    private static OeeOptions Options() => new()
    {
        TimeZone = "Etc/UTC",
        Calendar = new ShiftCalendarOptions { Shifts = [new ShiftOptions { Name = "day", Start = "06:00", End = "14:00" }] },
        Templates = { ["cnc"] = Models.Cnc() },
    };

    private MachineStateEngine Engine(ManualClock clock, CapturingWriter writer) =>
        new(Options(), [new TrackedMachine("sim", "cnc-01", "cnc", LabelSet.From([new("site", "changwon")]))], writer, _stateFile, clock, NullLogger.Instance);

    private static Task Send(MachineStateEngine engine, ManualClock clock, DateTime at, string tag, ReadingValue value)
    {
        var heard = clock.Now > at ? clock.Now : at;
        return engine.WriteAsync(
            [new Reading { Source = "sim", Machine = "cnc-01", Tag = tag, Value = value, Quality = Quality.Good, SourceTimestamp = at, ServerTimestamp = at, GatewayTimestamp = heard, Timestamp = at }],
            CancellationToken.None).AsTask();
    }

    /// <summary>
    /// The machine runs the whole day shift, its counter at 0 from 06:00 (at <paramref name="partsBy13"/> by 13:00 when
    /// given), and a reading at 14:00:10 moves its time past the shift's end: the shift is final.
    /// </summary>
    private static async Task RunDayShiftAsync(MachineStateEngine engine, ManualClock clock, long? partsBy13)
    {
        engine.Resume();
        await Send(engine, clock, At(6), "execution", ReadingValue.FromString("RUNNING"));
        await Send(engine, clock, At(6), "part_count", ReadingValue.FromInt64(0));
        if (partsBy13 is { } parts)
        {
            await Send(engine, clock, At(13), "part_count", ReadingValue.FromInt64(parts));
        }

        clock.Now = At(14, 0, 10);
        await Send(engine, clock, At(14, 0, 10), "spindle_load", ReadingValue.FromDouble(1));
    }

    private static List<JsonElement> FinalRecords(CapturingWriter writer) =>
        [.. writer.Of(MachineRecords.OeeMeasurement, "oee_record").Select(r => JsonDocument.Parse(r.Value.AsString()).RootElement).Where(r => r.GetProperty("final").GetBoolean())];

    [Fact]
    public async Task Late_parts_revise_the_final_record_once_per_interval_at_the_same_time_and_tags_and_a_restart_issues_no_revision_twice()
    {
        var clock = new ManualClock(At(6));
        var writer = new CapturingWriter();
        var engine = Engine(clock, writer);
        await RunDayShiftAsync(engine, clock, partsBy13: 100); // the shift is final: 100 parts

        var first = Assert.Single(FinalRecords(writer));
        Assert.Equal(100, first.GetProperty("totalCount").GetInt64());
        Assert.Equal(0, first.GetProperty("revision").GetInt32());

        // The counter's subscription was ten minutes behind: two readings made in the shift arrive after its end.
        clock.Now = At(14, 5);
        await Send(engine, clock, At(13, 50), "part_count", ReadingValue.FromInt64(104));
        await Send(engine, clock, At(13, 55), "part_count", ReadingValue.FromInt64(110));
        Assert.Single(FinalRecords(writer)); // issued with the next interval, once for both
        await engine.TickAsync(CancellationToken.None);

        var revision = FinalRecords(writer)[^1];
        Assert.Equal(2, FinalRecords(writer).Count);
        Assert.Equal(1, revision.GetProperty("revision").GetInt32());
        Assert.Equal(110, revision.GetProperty("totalCount").GetInt64());
        Assert.Equal(110 * 50, revision.GetProperty("idealSeconds").GetDouble());
        Assert.Equal(28_800, revision.GetProperty("stateSeconds").GetProperty("running").GetDouble()); // time is unchanged
        Assert.Equal(110.0 * 50 / 28_800, revision.GetProperty("performance").GetDouble(), 6);

        // InfluxDB keeps one point: the revision has the final record's time and tags, and says which revision it is.
        var finals = writer.Of(MachineRecords.OeeMeasurement, "shift_revision");
        Assert.Equal([0L, 1L], finals.Select(r => r.Value.AsInt64()));
        Assert.All(finals, r => Assert.Equal(At(14), r.Timestamp));
        Assert.Equal(finals[0].Labels, finals[1].Labels);
        Assert.Equal(110, writer.Of(MachineRecords.OeeMeasurement, "total_count").Last().Value.AsInt64());
        Assert.Single(writer.Of(MachineRecords.DowntimeMeasurement, "downtime_record"), r => r.Timestamp == At(14)); // downtime is not revised

        // A kill after the revision: the new process resumes from the state file and issues nothing twice.
        clock.Now = At(14, 6);
        var writer2 = new CapturingWriter();
        var engine2 = Engine(clock, writer2);
        engine2.Resume();
        await engine2.TickAsync(CancellationToken.None);
        Assert.Empty(writer2.Of(MachineRecords.OeeMeasurement, "shift_revision"));

        // A later late part continues the count from the saved baseline (110) as revision 2.
        await Send(engine2, clock, At(13, 58), "part_count", ReadingValue.FromInt64(115));
        await engine2.TickAsync(CancellationToken.None);
        await engine2.TickAsync(CancellationToken.None);
        var second = Assert.Single(FinalRecords(writer2));
        Assert.Equal(2, second.GetProperty("revision").GetInt32());
        Assert.Equal(115, second.GetProperty("totalCount").GetInt64());

        // After the grace period (an hour past the shift's end) late parts are in no figures and the shift is forgotten.
        clock.Now = At(15, 1);
        await Send(engine2, clock, At(15, 1), "spindle_load", ReadingValue.FromDouble(1));
        await Send(engine2, clock, At(13, 59), "part_count", ReadingValue.FromInt64(118));
        await engine2.TickAsync(CancellationToken.None);
        Assert.Single(FinalRecords(writer2));
        var machine = Assert.Single(engine2.Machines);
        Assert.Equal(3, machine.TooLateParts);
        Assert.Empty(machine.ClosedShifts);
        Assert.DoesNotContain(machine.OpenShifts, s => s.TotalCount > 0); // not in the shift of the accounted time either
        await engine2.StopAsync();
    }

    [Fact]
    public async Task Late_parts_saved_before_a_kill_are_issued_as_a_revision_after_the_restart()
    {
        var clock = new ManualClock(At(6));
        var writer = new CapturingWriter();
        var engine = Engine(clock, writer);
        await RunDayShiftAsync(engine, clock, partsBy13: null);
        clock.Now = At(14, 1);
        await Send(engine, clock, At(13, 59), "part_count", ReadingValue.FromInt64(7));
        Assert.Single(FinalRecords(writer));

        // The regular save comes before the interval's revision; then a kill.
        clock.Now = At(14, 1, 10);
        var saved = engine.Machines.Single();
        StateFile.Save(_stateFile, new StateFile.Content(1, clock.Now, new() { ["cnc-01"] = saved.Checkpoint() }));

        var writer2 = new CapturingWriter();
        var engine2 = Engine(clock, writer2);
        engine2.Resume();
        await engine2.TickAsync(CancellationToken.None);
        var revision = Assert.Single(FinalRecords(writer2));
        Assert.Equal(1, revision.GetProperty("revision").GetInt32());
        Assert.Equal(7, revision.GetProperty("totalCount").GetInt64());
        await engine2.TickAsync(CancellationToken.None);
        Assert.Single(FinalRecords(writer2));
        await engine2.StopAsync();
    }

    [Fact]
    public async Task Status_reports_each_machines_revised_and_too_late_parts_and_late_readings()
    {
        var clock = new ManualClock(At(6));
        var writer = new CapturingWriter();
        var engine = Engine(clock, writer);
        await RunDayShiftAsync(engine, clock, partsBy13: 100); // the shift is final

        var before = Assert.Single(engine.Status());
        Assert.Equal((0L, 0L, 0L), (before.RevisedParts, before.TooLateParts, before.LateReadings));

        // Within the grace period: 4 parts revise the final shift.
        clock.Now = At(14, 5);
        await Send(engine, clock, At(13, 50), "part_count", ReadingValue.FromInt64(104));
        await engine.TickAsync(CancellationToken.None);
        var revised = Assert.Single(engine.Status());
        Assert.Equal("cnc-01", revised.Machine);
        Assert.Equal(4, revised.RevisedParts);
        Assert.Equal(0, revised.TooLateParts);
        Assert.Equal(1, revised.LateReadings); // ten minutes behind the machine's newest reading: past the reorder window

        // After the grace period: 6 more parts of that shift are in no figures; the revised count stays.
        clock.Now = At(15, 1);
        await Send(engine, clock, At(15, 1), "spindle_load", ReadingValue.FromDouble(1));
        await Send(engine, clock, At(13, 59), "part_count", ReadingValue.FromInt64(110));
        await engine.TickAsync(CancellationToken.None);
        var tooLate = Assert.Single(engine.Status());
        Assert.Equal(4, tooLate.RevisedParts);
        Assert.Equal(6, tooLate.TooLateParts);
        Assert.Equal(2, tooLate.LateReadings);
        await engine.StopAsync();
    }
}
