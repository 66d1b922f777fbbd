namespace Gateway.MachineState;

/// <summary>
/// One shift on one day: its instants in UTC and the windows inside it that are not planned production time (breaks,
/// planned stops). Local times are turned into instants with the zone's rules, so a shift across a daylight-saving
/// change is as long as the clock on the wall says it lasted (an 8-hour night shift may last 7 or 9 hours).
/// </summary>
public sealed record ShiftInstance(string Name, DateOnly Day, DateTime StartUtc, DateTime EndUtc, IReadOnlyList<(DateTime Start, DateTime End)> NotPlannedUtc)
{
    /// <summary>The planned production time of [from, to) inside this shift: the overlap minus breaks and planned stops.</summary>
    public TimeSpan PlannedTimeBetween(DateTime from, DateTime to)
    {
        var start = from > StartUtc ? from : StartUtc;
        var end = to < EndUtc ? to : EndUtc;
        if (end <= start)
        {
            return TimeSpan.Zero;
        }

        var planned = end - start;
        foreach (var (windowStart, windowEnd) in NotPlannedUtc)
        {
            var a = windowStart > start ? windowStart : start;
            var b = windowEnd < end ? windowEnd : end;
            if (b > a)
            {
                planned -= b - a;
            }
        }

        return planned;
    }

    /// <summary>The whole shift's planned production time.</summary>
    public TimeSpan PlannedTime => PlannedTimeBetween(StartUtc, EndUtc);
}

/// <summary>
/// The shift calendar of a site: which shift (if any) an instant belongs to. Shifts are local times in the site's zone;
/// a shift whose end is not after its start ends the next day; holidays drop the shifts starting on them; overtime adds
/// shifts on dates. Where two shifts overlap, the one that started first wins until it ends.
/// </summary>
public sealed class ShiftCalendar
{
    private readonly TimeZoneInfo _zone;
    private readonly ShiftCalendarOptions _options;
    private readonly HashSet<DateOnly> _holidays;
    private readonly List<(DateOnly Date, OvertimeOptions Shift)> _overtime;

    public ShiftCalendar(ShiftCalendarOptions options, TimeZoneInfo zone)
    {
        var problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException("shift calendar: " + string.Join("; ", problems.Select(p => $"{p.Key}: {p.Message}")), nameof(options));
        }

        _options = options;
        _zone = zone;
        _holidays = [.. options.Holidays.Select(h => { ShiftCalendarOptions.TryParseDate(h, out var d); return d; })];
        _overtime = [.. options.Overtime.Select(o => { ShiftCalendarOptions.TryParseDate(o.Date, out var d); return (d, o); })];
    }

    public TimeZoneInfo Zone => _zone;

    /// <summary>Whether the calendar has any shift at all (without one, no OEE is computed).</summary>
    public bool HasShifts => _options.Shifts.Count > 0 || _options.Overtime.Count > 0;

    /// <summary>The shifts that start on a local date, in start order.</summary>
    public IReadOnlyList<ShiftInstance> ShiftsStartingOn(DateOnly day)
    {
        var list = new List<ShiftInstance>();
        if (!_holidays.Contains(day))
        {
            foreach (var shift in _options.Shifts)
            {
                if (shift.Days.Count == 0 || shift.Days.Contains(day.DayOfWeek))
                {
                    list.Add(Build(shift.Name, day, shift.Start, shift.End, shift.Breaks));
                }
            }
        }

        foreach (var (date, overtime) in _overtime)
        {
            if (date == day)
            {
                list.Add(Build(overtime.Name, day, overtime.Start, overtime.End, overtime.Breaks));
            }
        }

        list.Sort((a, b) => a.StartUtc.CompareTo(b.StartUtc));
        return list;
    }

    /// <summary>
    /// The shift that <paramref name="utc"/> falls in (null between shifts) and the instant until which that answer holds
    /// (the shift's end, or the next shift's start; <see cref="DateTime.MaxValue"/> when no shift follows within a year).
    /// </summary>
    public (ShiftInstance? Shift, DateTime Until) At(DateTime utc)
    {
        var localDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(utc, _zone));

        // A shift may start the day before (crossing midnight); look one day back first.
        ShiftInstance? current = null;
        foreach (var day in new[] { localDay.AddDays(-2), localDay.AddDays(-1), localDay })
        {
            foreach (var shift in ShiftsStartingOn(day))
            {
                if (shift.StartUtc <= utc && utc < shift.EndUtc && (current is null || shift.StartUtc < current.StartUtc))
                {
                    current = shift;
                }
            }
        }

        if (current is not null)
        {
            return (current, current.EndUtc);
        }

        for (var i = 0; i <= 366; i++)
        {
            foreach (var shift in ShiftsStartingOn(localDay.AddDays(i)))
            {
                if (shift.StartUtc > utc)
                {
                    return (null, shift.StartUtc);
                }
            }
        }

        return (null, DateTime.MaxValue);
    }

    private ShiftInstance Build(string name, DateOnly day, string startText, string endText, IReadOnlyList<TimeWindowOptions> breaks)
    {
        ShiftCalendarOptions.TryParseTimeOfDay(startText, out var startTime);
        ShiftCalendarOptions.TryParseTimeOfDay(endText, out var endTime);
        var localStart = day.ToDateTime(TimeOnly.MinValue) + startTime;
        var localEnd = day.ToDateTime(TimeOnly.MinValue) + endTime;
        if (localEnd <= localStart)
        {
            localEnd = localEnd.AddDays(1);
        }

        var startUtc = ToUtc(localStart);
        var endUtc = ToUtc(localEnd);
        var notPlanned = new List<(DateTime, DateTime)>();
        foreach (var window in breaks.Concat(_options.PlannedStops))
        {
            ShiftCalendarOptions.TryParseTimeOfDay(window.Start, out var windowStart);
            ShiftCalendarOptions.TryParseTimeOfDay(window.End, out var windowEnd);

            // A window is a local time of day: place it on each day the shift touches, keep what overlaps the shift.
            for (var offset = 0; offset <= 1; offset++)
            {
                var from = day.AddDays(offset).ToDateTime(TimeOnly.MinValue) + windowStart;
                var to = day.AddDays(offset).ToDateTime(TimeOnly.MinValue) + windowEnd;
                if (to <= from)
                {
                    to = to.AddDays(1);
                }

                var fromUtc = ToUtc(from);
                var toUtc = ToUtc(to);
                var a = fromUtc > startUtc ? fromUtc : startUtc;
                var b = toUtc < endUtc ? toUtc : endUtc;
                if (b > a)
                {
                    notPlanned.Add((a, b));
                }
            }
        }

        return new ShiftInstance(name, day, startUtc, endUtc, Merge(notPlanned));
    }

    /// <summary>Overlapping windows (a planned stop inside a break) merged, so their time is subtracted once.</summary>
    private static List<(DateTime Start, DateTime End)> Merge(List<(DateTime Start, DateTime End)> windows)
    {
        windows.Sort((x, y) => x.Start.CompareTo(y.Start));
        var merged = new List<(DateTime Start, DateTime End)>();
        foreach (var window in windows)
        {
            if (merged.Count > 0 && window.Start <= merged[^1].End)
            {
                var last = merged[^1];
                merged[^1] = (last.Start, window.End > last.End ? window.End : last.End);
            }
            else
            {
                merged.Add(window);
            }
        }

        return merged;
    }

    /// <summary>
    /// A local wall-clock time as an instant. A time the clock skips (spring forward) is the instant the clock jumps; a
    /// time it shows twice (fall back) is its second, standard-time occurrence.
    /// </summary>
    public DateTime ToUtc(DateTime local)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        var guard = 0;
        while (_zone.IsInvalidTime(local) && guard++ < 24 * 60)
        {
            local = local.AddMinutes(1);
            local = new DateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, 0, DateTimeKind.Unspecified);
        }

        return TimeZoneInfo.ConvertTimeToUtc(local, _zone);
    }
}
