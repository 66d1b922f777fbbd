using Gateway.Simulator;

namespace Gateway.Testing;

/// <summary>
/// What a simulated machine did in one shift, computed from the simulator's recorded schedule
/// (<see cref="SimulatorOptions.RecordSchedule"/>): the test oracle the gateway's machine state and OEE records, and the
/// OEE dashboard's queries, must agree with.
/// </summary>
public static class ShiftOracle
{
    /// <summary>The simulator's execution values and the states the gateway's configurations map them to.</summary>
    public static readonly IReadOnlyDictionary<string, string> States = new Dictionary<string, string>
    {
        ["RUNNING"] = "running",
        ["IDLE"] = "idle",
        ["ALARM"] = "alarm",
        ["STOPPED"] = "plannedStop",
    };

    /// <summary>
    /// What the machine did in [start, end) by the schedule: each tick's state holds until the next tick; the parts are the
    /// counter increments stamped inside the shift (a CNC's part counter, otherwise the good and reject counters).
    /// </summary>
    public static ShiftFigures Compute(IReadOnlyList<ScheduleStep> schedule, string machine, DateTime start, DateTime end, double idealCycleSeconds)
    {
        if (schedule.Count == 0 || schedule[^1].Timestamp < end)
        {
            throw new InvalidOperationException("the schedule ends before the shift does");
        }

        var seconds = new Dictionary<string, double>();
        long total = 0, good = 0, reject = 0;
        var segments = new List<(string State, DateTime Start, DateTime End)>();
        for (var i = 0; i < schedule.Count - 1; i++)
        {
            var step = schedule[i].Machines[machine];
            var state = States[step.Execution];
            var from = schedule[i].Timestamp;
            var to = schedule[i + 1].Timestamp;
            var a = from > start ? from : start;
            var b = to < end ? to : end;
            if (b > a)
            {
                seconds[state] = seconds.GetValueOrDefault(state) + (b - a).TotalSeconds;
            }

            if (segments.Count > 0 && segments[^1].State == state)
            {
                segments[^1] = (state, segments[^1].Start, to);
            }
            else
            {
                segments.Add((state, from, to));
            }

            if (i > 0 && from >= start && from < end)
            {
                var before = schedule[i - 1].Machines[machine];
                if (machine.StartsWith("cnc", StringComparison.Ordinal))
                {
                    total += step.Total - before.Total;
                    good += step.Total - before.Total;
                }
                else
                {
                    good += step.Good - before.Good;
                    reject += step.Reject - before.Reject;
                    total += step.Good - before.Good + step.Reject - before.Reject;
                }
            }
        }

        return new ShiftFigures(seconds, total, good, reject, total * idealCycleSeconds, segments);
    }
}

/// <summary>A machine's shift by the oracle: seconds per state, parts, the ideal time of those parts, the state segments.</summary>
public sealed record ShiftFigures(
    Dictionary<string, double> Seconds, long Total, long Good, long Reject, double IdealSeconds, List<(string State, DateTime Start, DateTime End)> Segments)
{
    /// <summary>Planned busy time (ISO 22400): the shift less planned stops (the schedule has no offline or unknown time).</summary>
    public double PlannedBusySeconds => Seconds.Values.Sum() - Seconds.GetValueOrDefault("plannedStop");

    public double RunSeconds => Seconds.GetValueOrDefault("running");

    public double Availability => RunSeconds / PlannedBusySeconds;

    /// <summary>Null when nothing was made (the gateway leaves the factor out then).</summary>
    public double? Performance => Total > 0 ? IdealSeconds / RunSeconds : null;

    public double? Quality => Total > 0 ? (double)Good / Total : null;

    public double? Oee => Total > 0 ? Availability * Performance * Quality : null;
}
