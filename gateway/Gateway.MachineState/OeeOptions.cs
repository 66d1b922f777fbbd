using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;

using Gateway.Core;

namespace Gateway.MachineState;

// The `oee:` section of gateway.yaml, as typed classes (the configuration binder reads their public settable properties
// as camelCase keys, with the attributes' limits and help; the JSON Schema and key reference are generated from them).

/// <summary>Machine state, downtime and OEE: the shift calendar and, per machine template, the state rules.</summary>
public sealed class OeeOptions
{
    [Description("Compute machine state and OEE (set false to keep the section but turn it off).")]
    public bool Enabled { get; set; } = true;

    [Description("The site's IANA time zone; shift times are local times there (daylight saving handled by the zone's rules).")]
    public string TimeZone { get; set; } = "Asia/Seoul";

    [Range(1, 3600)]
    [Description("Seconds between current-state readings and live OEE records of the running shift.")]
    public int IntervalSeconds { get; set; } = 60;

    [Range(1, 86_400)]
    [Description("A machine without any reading for this many seconds is offline from its last reading on.")]
    public int OfflineAfterSeconds { get; set; } = 30;

    [Description("Count offline and unknown time as downtime (in the planned production time). Default: left out of availability.")]
    public bool OfflineIsDowntime { get; set; }

    [Range(1, 3600)]
    [Description("Seconds between saves of the calculation's state file (what a restart or kill -9 resumes from).")]
    public int CheckpointSeconds { get; set; } = 5;

    [Range(0, 60_000)]
    [Description("Milliseconds the state and count readings of a machine are held behind its newest reading, so readings that arrive up to this late (another subscription behind) are applied in timestamp order; 0: at once. State changes are reported this much later.")]
    public int ReorderWindowMs { get; set; } = 2000;

    [Range(0, 86_400)]
    [Description("Seconds after a shift's end during which parts made in it that arrive late are added to it and its final record is issued again (shift_revision); later ones are only logged. 0: never.")]
    public int LateCountGraceSeconds { get; set; } = 3600;

    [Range(1, 100)]
    [Description("How many alarms the downtime record lists, longest first.")]
    public int TopAlarms { get; set; } = 5;

    [Description("Shifts, breaks, planned stops, holidays and overtime.")]
    public ShiftCalendarOptions Calendar { get; set; } = new();

    [Description("State and count rules per machine template (by template name); machines of other templates get no state.")]
    public Dictionary<string, StateModelOptions> Templates { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Every problem as (key relative to `oee`, message); empty when usable.</summary>
    public IReadOnlyList<OptionProblem> Problems(IEnumerable<string> templateNames)
    {
        var problems = new List<OptionProblem>();
        if (!TryFindZone(TimeZone, out _))
        {
            problems.Add(new("timeZone", $"'{TimeZone}' is not a known IANA time zone (e.g. Asia/Seoul, Europe/Berlin)"));
        }

        problems.AddRange(Calendar.Problems());
        var known = templateNames.ToHashSet(StringComparer.Ordinal);
        foreach (var (name, model) in Templates)
        {
            if (!known.Contains(name))
            {
                problems.Add(new($"templates.{name}", $"template '{name}' is not defined under `templates:`", model));
            }

            foreach (var problem in model.Problems())
            {
                problems.Add(problem with { Key = $"templates.{name}.{problem.Key}", Owner = problem.Owner ?? model });
            }
        }

        return problems;
    }

    public static bool TryFindZone(string id, out TimeZoneInfo zone)
    {
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            zone = TimeZoneInfo.Utc;
            return false;
        }
    }
}

/// <summary>How the tags of a machine template say its state, its part counts and its ideal cycle time.</summary>
public sealed class StateModelOptions
{
    [Description("Tag with the execution state or run mode (a string or a number).")]
    public string? ExecutionTag { get; set; }

    [Description("Execution tag value -> state (running, idle, alarm, setup, plannedStop, unknown). A value not listed falls to the spindle rule, else unknown.")]
    public Dictionary<string, MachineStateKind> ExecutionStates { get; set; } = new(StringComparer.Ordinal);

    [Description("Tag with the spindle speed or load; above spindleRunningAbove the machine runs, else it is idle (used when no execution state decides).")]
    public string? SpindleTag { get; set; }

    [Description("Threshold of spindleTag above which the machine runs.")]
    public double SpindleRunningAbove { get; set; }

    [Description("Tag that is non-zero, true or a non-empty text while an alarm is active (an alarm number, a flag): the state is alarm.")]
    public string? AlarmTag { get; set; }

    [Description("Tag with the active alarm's text, used as the reason of alarm states (else the alarm tag's value).")]
    public string? AlarmTextTag { get; set; }

    [Description("Tag that is true (non-zero) while the machine is being set up: the state is setup.")]
    public string? SetupTag { get; set; }

    [Range(0, 3_600_000)]
    [Description("A new state must last this many milliseconds to count (shorter flickers stay in the previous state).")]
    public int MinStateMs { get; set; }

    [Description("Tag with the total part (cycle) counter.")]
    public string? PartCountTag { get; set; }

    [Description("Tag with the good part counter (with rejectCountTag, total = good + reject when partCountTag is not set).")]
    public string? GoodCountTag { get; set; }

    [Description("Tag with the reject counter.")]
    public string? RejectCountTag { get; set; }

    [Range(0, double.MaxValue)]
    [Description("The counters' largest value before they roll over to 0 (65535 for a 16-bit counter); 0: they do not roll over, a drop is a reset.")]
    public long CounterMax { get; set; }

    [Range(1, double.MaxValue)]
    [Description("A counter jump larger than this is a preset or a glitch, not parts: it is not counted.")]
    public long MaxCountStep { get; set; } = 1000;

    [Description("Tag with the last cycle's duration in seconds (else the cycle time comes from the counter).")]
    public string? CycleTimeTag { get; set; }

    [Description("Tag with the running program or part number, which selects the ideal cycle time.")]
    public string? ProgramTag { get; set; }

    [Range(0, double.MaxValue)]
    [Description("Ideal cycle time in seconds per part (performance = ideal cycle time x count / run time).")]
    public double IdealCycleSeconds { get; set; }

    [Description("Ideal cycle time in seconds per program or part number (the programTag's value); others use idealCycleSeconds.")]
    public Dictionary<string, double> IdealCycleSecondsByProgram { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The tag names the model reads.</summary>
    public IEnumerable<string> Tags() =>
        new[] { ExecutionTag, SpindleTag, AlarmTag, AlarmTextTag, SetupTag, PartCountTag, GoodCountTag, RejectCountTag, CycleTimeTag, ProgramTag }
            .OfType<string>();

    public IReadOnlyList<OptionProblem> Problems()
    {
        var problems = new List<OptionProblem>();
        if (ExecutionTag is null && SpindleTag is null && AlarmTag is null)
        {
            problems.Add(new("executionTag", "a state model needs an executionTag, a spindleTag or an alarmTag to say the state"));
        }

        if (ExecutionStates.Count > 0 && ExecutionTag is null)
        {
            problems.Add(new("executionStates", "executionStates maps the values of executionTag, which is not set"));
        }

        if (ExecutionStates.ContainsValue(MachineStateKind.Offline))
        {
            problems.Add(new("executionStates", "offline means no data from the source; a value that arrives cannot map to it (use plannedStop or unknown)"));
        }

        if (CounterMax > 0 && MaxCountStep > CounterMax)
        {
            problems.Add(new("maxCountStep", $"maxCountStep ({MaxCountStep}) is larger than counterMax ({CounterMax})"));
        }

        foreach (var (program, seconds) in IdealCycleSecondsByProgram)
        {
            if (!(seconds > 0))
            {
                problems.Add(new($"idealCycleSecondsByProgram.{program}", $"the ideal cycle time of '{program}' must be more than 0 seconds"));
            }
        }

        return problems;
    }
}

/// <summary>The shift calendar, in the site's local time.</summary>
public sealed class ShiftCalendarOptions
{
    [Description("The shifts of a working day; a shift whose end is not after its start ends the next day.")]
    public List<ShiftOptions> Shifts { get; set; } = [];

    [Description("Daily planned stops (meetings, cleaning), local times; the time they overlap a shift is not planned production time.")]
    public List<TimeWindowOptions> PlannedStops { get; set; } = [];

    [Description("Dates (yyyy-MM-dd) on which no shift starts (overtime still does).")]
    public List<string> Holidays { get; set; } = [];

    [Description("Extra shifts on given dates (weekends, holidays).")]
    public List<OvertimeOptions> Overtime { get; set; } = [];

    public IReadOnlyList<OptionProblem> Problems()
    {
        var problems = new List<OptionProblem>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Shifts.Count; i++)
        {
            var shift = Shifts[i];
            if (!names.Add(shift.Name))
            {
                problems.Add(new($"calendar.shifts[{i}].name", $"shift name '{shift.Name}' is used twice", shift, "name"));
            }

            Check(problems, $"calendar.shifts[{i}]", shift, shift.Start, shift.End);
            for (var b = 0; b < shift.Breaks.Count; b++)
            {
                Check(problems, $"calendar.shifts[{i}].breaks[{b}]", shift.Breaks[b], shift.Breaks[b].Start, shift.Breaks[b].End);
            }
        }

        for (var i = 0; i < PlannedStops.Count; i++)
        {
            Check(problems, $"calendar.plannedStops[{i}]", PlannedStops[i], PlannedStops[i].Start, PlannedStops[i].End);
        }

        for (var i = 0; i < Holidays.Count; i++)
        {
            if (!TryParseDate(Holidays[i], out _))
            {
                problems.Add(new($"calendar.holidays[{i}]", $"'{Holidays[i]}' is not a date (yyyy-MM-dd)"));
            }
        }

        for (var i = 0; i < Overtime.Count; i++)
        {
            var overtime = Overtime[i];
            if (!TryParseDate(overtime.Date, out _))
            {
                problems.Add(new($"calendar.overtime[{i}].date", $"'{overtime.Date}' is not a date (yyyy-MM-dd)", overtime, "date"));
            }

            Check(problems, $"calendar.overtime[{i}]", overtime, overtime.Start, overtime.End);
        }

        return problems;
    }

    private static void Check(List<OptionProblem> problems, string key, object owner, string start, string end)
    {
        if (!TryParseTimeOfDay(start, out var from))
        {
            problems.Add(new(key + ".start", $"'{start}' is not a time of day (HH:mm or HH:mm:ss)", owner, "start"));
        }

        if (!TryParseTimeOfDay(end, out var to))
        {
            problems.Add(new(key + ".end", $"'{end}' is not a time of day (HH:mm or HH:mm:ss)", owner, "end"));
        }
        else if (from == to)
        {
            problems.Add(new(key + ".end", $"start and end are both {start}: the window would be empty (or 24 hours; write 00:00 to 24:00)", owner, "end"));
        }
    }

    private static readonly string[] TimeFormats = [@"hh\:mm", @"hh\:mm\:ss", @"h\:mm", @"h\:mm\:ss"];

    /// <summary>Parses HH:mm or HH:mm:ss; 24:00 is the end of the day.</summary>
    public static bool TryParseTimeOfDay(string? text, out TimeSpan time)
    {
        if (text is "24:00" or "24:00:00")
        {
            time = TimeSpan.FromDays(1);
            return true;
        }

        return TimeSpan.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture, out time) && time < TimeSpan.FromDays(1) && time >= TimeSpan.Zero;
    }

    public static bool TryParseDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
}

public sealed class ShiftOptions
{
    [Required]
    [Description("The shift's name (a tag of the oee and downtime records).")]
    public string Name { get; set; } = "";

    [Required]
    [Description("Local start time, HH:mm or HH:mm:ss.")]
    public string Start { get; set; } = "";

    [Required]
    [Description("Local end time; not after start means the next day (22:00 to 06:00 crosses midnight).")]
    public string End { get; set; } = "";

    [Description("Days of the week the shift starts on (Monday, ...); empty: every day.")]
    public List<DayOfWeek> Days { get; set; } = [];

    [Description("Breaks inside the shift (local times); not planned production time.")]
    public List<TimeWindowOptions> Breaks { get; set; } = [];
}

public sealed class TimeWindowOptions
{
    [Description("What the window is (free text).")]
    public string? Name { get; set; }

    [Required]
    [Description("Local start time, HH:mm or HH:mm:ss.")]
    public string Start { get; set; } = "";

    [Required]
    [Description("Local end time; not after start means the next day.")]
    public string End { get; set; } = "";
}

public sealed class OvertimeOptions
{
    [Required]
    [Description("The overtime shift's name.")]
    public string Name { get; set; } = "overtime";

    [Required]
    [Description("The local date it starts on, yyyy-MM-dd.")]
    public string Date { get; set; } = "";

    [Required]
    [Description("Local start time, HH:mm or HH:mm:ss.")]
    public string Start { get; set; } = "";

    [Required]
    [Description("Local end time; not after start means the next day.")]
    public string End { get; set; } = "";

    [Description("Breaks inside the overtime shift (local times).")]
    public List<TimeWindowOptions> Breaks { get; set; } = [];
}
