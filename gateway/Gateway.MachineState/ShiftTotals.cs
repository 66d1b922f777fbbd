namespace Gateway.MachineState;

/// <summary>
/// What one machine did in one shift so far: planned production time spent in each state, part counts, the ideal time
/// of those parts, and the alarms' downtime. Only time inside the shift's planned windows is added (breaks and
/// planned stops of the calendar are left out).
/// </summary>
public sealed class ShiftTotals
{
    public ShiftTotals(string shift, DateTime startUtc, DateTime endUtc)
    {
        Shift = shift;
        StartUtc = startUtc;
        EndUtc = endUtc;
    }

    public string Shift { get; }

    public DateTime StartUtc { get; }

    public DateTime EndUtc { get; }

    /// <summary>Seconds of planned time per state (indexed by <see cref="MachineStateKind"/>).</summary>
    public double[] StateSeconds { get; init; } = new double[MachineStateNames.Count];

    /// <summary>How many times each state was entered during the shift.</summary>
    public int[] StateEvents { get; init; } = new int[MachineStateNames.Count];

    public long TotalCount { get; set; }

    public long GoodCount { get; set; }

    public long RejectCount { get; set; }

    /// <summary>Sum over the parts made of their ideal cycle time, in seconds.</summary>
    public double IdealSeconds { get; set; }

    /// <summary>How many revisions of the final record were issued (late parts added after the shift was final).</summary>
    public int Revision { get; set; }

    /// <summary>Late parts were added to the final figures and the revision saying them is not issued yet.</summary>
    public bool RevisionDue { get; set; }

    /// <summary>Downtime in the alarm state per alarm (its text or number): seconds and occurrences.</summary>
    public Dictionary<string, AlarmDowntime> Alarms { get; init; } = new(StringComparer.Ordinal);

    public void AddTime(MachineStateKind state, string? reason, double seconds)
    {
        if (seconds <= 0)
        {
            return;
        }

        StateSeconds[(int)state] += seconds;
        if (state == MachineStateKind.Alarm)
        {
            var key = string.IsNullOrEmpty(reason) ? "alarm" : reason;
            Alarms[key] = Alarms.TryGetValue(key, out var alarm) ? alarm with { Seconds = alarm.Seconds + seconds } : new AlarmDowntime(seconds, 0);
        }
    }

    public void AddEvent(MachineStateKind state, string? reason)
    {
        StateEvents[(int)state]++;
        if (state == MachineStateKind.Alarm)
        {
            var key = string.IsNullOrEmpty(reason) ? "alarm" : reason;
            Alarms[key] = Alarms.TryGetValue(key, out var alarm) ? alarm with { Events = alarm.Events + 1 } : new AlarmDowntime(0, 1);
        }
    }

    public OeeFigures Figures(bool offlineIsDowntime) => OeeFigures.From(this, offlineIsDowntime);

    /// <summary>The alarms with the most downtime first (ties by name, so the order is stable).</summary>
    public IReadOnlyList<KeyValuePair<string, AlarmDowntime>> TopAlarms(int count) =>
        [.. Alarms.OrderByDescending(a => a.Value.Seconds).ThenBy(a => a.Key, StringComparer.Ordinal).Take(count)];
}

public sealed record AlarmDowntime(double Seconds, int Events);

/// <summary>
/// The OEE of a shift after ISO 22400-2: availability = actual production time (running) / planned busy time;
/// performance (effectiveness) = ideal cycle time x produced quantity / actual production time; quality = good
/// quantity / produced quantity; OEE = A x P x Q. Planned busy time is the planned production time in the calendar minus
/// planned stops of the machine, and minus offline and unknown time unless those count as downtime. A factor whose
/// denominator is 0 is null (not 0, not 100 %): there was nothing to measure; OEE is 0 when availability is.
/// </summary>
public sealed record OeeFigures(double PlannedBusySeconds, double RunSeconds, double? Availability, double? Performance, double? Quality, double? Oee)
{
    public static OeeFigures From(ShiftTotals totals, bool offlineIsDowntime)
    {
        var s = totals.StateSeconds;
        var busy = s.Sum() - s[(int)MachineStateKind.PlannedStop];
        if (!offlineIsDowntime)
        {
            busy -= s[(int)MachineStateKind.Offline] + s[(int)MachineStateKind.Unknown];
        }

        busy = Math.Max(0, busy);
        var run = s[(int)MachineStateKind.Running];
        double? availability = busy > 0 ? run / busy : null;
        double? performance = run > 0 && totals.IdealSeconds > 0 ? totals.IdealSeconds / run : null;
        double? quality = totals.TotalCount > 0 ? (double)totals.GoodCount / totals.TotalCount : null;
        double? oee = availability == 0 ? 0 : availability is { } a && performance is { } p && quality is { } q ? a * p * q : null;
        return new OeeFigures(busy, run, availability, performance, quality, oee);
    }
}
