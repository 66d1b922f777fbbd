using Gateway.Core;

namespace Gateway.MachineState.Tests;

/// <summary>Collects what a tracker reports.</summary>
internal sealed class Recorder : IMachineEvents
{
    public List<StateSegment> Segments { get; } = [];

    public List<ShiftTotals> FinalShifts { get; } = [];

    public List<MachineStateKind> Started { get; } = [];

    public void StateEnded(MachineTracker machine, StateSegment segment) => Segments.Add(segment);

    public void StateStarted(MachineTracker machine) => Started.Add(machine.State);

    public void ShiftEnded(MachineTracker machine, ShiftTotals totals) => FinalShifts.Add(totals);
}

/// <summary>A clock the test moves.</summary>
internal sealed class ManualClock(DateTime start) : TimeProvider
{
    public DateTime Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => new(Now, TimeSpan.Zero);
}

/// <summary>Keeps what the engine writes on.</summary>
internal sealed class CapturingWriter : IReadingWriter
{
    private readonly Lock _gate = new();

    public List<Reading> Readings { get; } = [];

    public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Readings.AddRange(readings);
        }

        return ValueTask.CompletedTask;
    }

    public List<Reading> Of(string measurement, string tag)
    {
        lock (_gate)
        {
            return [.. Readings.Where(r => r.Measurement == measurement && r.Tag == tag)];
        }
    }
}

internal static class Models
{
    public static StateModelOptions Cnc(int minStateMs = 0) => new()
    {
        ExecutionTag = "execution",
        ExecutionStates = new()
        {
            ["RUNNING"] = MachineStateKind.Running,
            ["IDLE"] = MachineStateKind.Idle,
            ["ALARM"] = MachineStateKind.Alarm,
            ["STOPPED"] = MachineStateKind.PlannedStop,
        },
        AlarmTag = "alarm_number",
        AlarmTextTag = "alarm_text",
        PartCountTag = "part_count",
        CounterMax = 65535,
        ProgramTag = "program",
        IdealCycleSeconds = 50,
        IdealCycleSecondsByProgram = new() { ["1001"] = 40 },
        MinStateMs = minStateMs,
    };

    /// <summary>One shift, 06:00 to 14:00 UTC (the zone is UTC so the arithmetic is plain), a break 10:00-10:30.</summary>
    public static ShiftCalendar Calendar() => new(
        new ShiftCalendarOptions
        {
            Shifts = [new ShiftOptions { Name = "day", Start = "06:00", End = "14:00", Breaks = [new TimeWindowOptions { Start = "10:00", End = "10:30" }] }],
        },
        TimeZoneInfo.Utc);
}
