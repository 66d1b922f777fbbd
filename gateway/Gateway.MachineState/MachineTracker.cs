using Gateway.Core;

namespace Gateway.MachineState;

/// <summary>A state that ended: one row of the state timeline.</summary>
public sealed record StateSegment(MachineStateKind State, string Reason, DateTime StartUtc, DateTime EndUtc)
{
    public TimeSpan Duration => EndUtc - StartUtc;
}

/// <summary>What a tracker tells the engine: a state ended, a shift ended.</summary>
public interface IMachineEvents
{
    void StateEnded(MachineTracker machine, StateSegment segment);

    /// <summary>The machine's new state is committed (<see cref="MachineTracker.State"/> and <see cref="MachineTracker.Since"/> say it).</summary>
    void StateStarted(MachineTracker machine);

    void ShiftEnded(MachineTracker machine, ShiftTotals totals);
}

/// <summary>
/// One machine's state and shift figures. Readings (in data time: their timestamps) move it: each reading updates the
/// value of the rule it feeds, counters add parts, and the rules say the state. Time is accounted to the committed state
/// up to the latest reading (not beyond: a state is known only as far as data says), split at shift boundaries; a
/// candidate state that has not yet lasted <see cref="StateModelOptions.MinStateMs"/> holds the accounting back, so a
/// flicker never becomes a state and a real change is dated from when it began.
/// </summary>
public sealed class MachineTracker
{
    private readonly StateClassifier _classifier;
    private readonly ShiftCalendar _calendar;
    private readonly TimeSpan _minState;
    private readonly ReadingValue[] _values = new ReadingValue[StateClassifier.SlotCount];
    private readonly SortedDictionary<DateTime, ShiftTotals> _open = [];
    private ShiftInstance? _segmentShift;
    private DateTime _segmentFrom = DateTime.MaxValue;
    private DateTime _segmentUntil = DateTime.MinValue;
    private (MachineStateKind State, string Reason)? _pending;
    private DateTime _pendingSince;
    private DateTime? _lastCountAt;

    public MachineTracker(string source, string machine, LabelSet labels, StateClassifier classifier, ShiftCalendar calendar, DateTime startUtc)
    {
        Source = source;
        Machine = machine;
        Labels = labels;
        _classifier = classifier;
        _calendar = calendar;
        var options = classifier.Options;
        _minState = TimeSpan.FromMilliseconds(options.MinStateMs);
        TotalCounter = new PartCounter(options.CounterMax, options.MaxCountStep);
        GoodCounter = new PartCounter(options.CounterMax, options.MaxCountStep);
        RejectCounter = new PartCounter(options.CounterMax, options.MaxCountStep);
        State = MachineStateKind.Offline;
        Reason = "no data yet";
        Since = AccountedUntil = LastSeen = startUtc;
        LastHeard = startUtc;
    }

    public string Source { get; }

    public string Machine { get; }

    public LabelSet Labels { get; }

    public MachineStateKind State { get; private set; }

    public string Reason { get; private set; }

    /// <summary>When the current state began.</summary>
    public DateTime Since { get; private set; }

    /// <summary>Time up to here is in the shift figures.</summary>
    public DateTime AccountedUntil { get; private set; }

    /// <summary>The latest reading's timestamp (data time).</summary>
    public DateTime LastSeen { get; private set; }

    /// <summary>When the gateway last received a reading of the machine (its own clock), for the offline check.</summary>
    public DateTime LastHeard { get; private set; }

    /// <summary>The last cycle's duration in seconds (from the cycle-time tag, else from the counter), when known.</summary>
    public double? LastCycleSeconds { get; private set; }

    /// <summary>The running program or part number, when the model has a program tag and it was read.</summary>
    public string? Program => _values[StateClassifier.Program].IsNull ? null : StateClassifier.ExecutionText(_values[StateClassifier.Program]);

    public PartCounter TotalCounter { get; }

    public PartCounter GoodCounter { get; }

    public PartCounter RejectCounter { get; }

    /// <summary>The shifts with figures not yet final (normally one; two across a shift change), oldest first.</summary>
    public IReadOnlyCollection<ShiftTotals> OpenShifts => _open.Values;

    /// <summary>Takes one reading of the machine. Bad readings say nothing about the machine and are ignored.</summary>
    public void Observe(string tag, ReadingValue value, Quality quality, DateTime timestamp, DateTime heard, IMachineEvents events)
    {
        if (quality == Quality.Bad)
        {
            return;
        }

        if (heard > LastHeard)
        {
            LastHeard = heard;
        }

        if (_classifier.Slots.TryGetValue(tag, out var slots))
        {
            foreach (var slot in slots)
            {
                _values[slot] = value;
                if (slot is StateClassifier.PartCount or StateClassifier.GoodCount or StateClassifier.RejectCount)
                {
                    Count(slot, value, timestamp, events);
                }
                else if (slot == StateClassifier.CycleTime && value.TryGetNumber() is { } cycle)
                {
                    LastCycleSeconds = cycle;
                }
            }
        }

        Evaluate(timestamp, events);
    }

    /// <summary>
    /// The timer's look at the machine at <paramref name="now"/>: a candidate state that has lasted long enough is
    /// committed; a machine not heard from for <paramref name="offlineAfter"/> goes offline from its last reading on (or
    /// from what is already accounted); an offline machine's time is accounted up to now, a live one's up to its own
    /// time (data time) less <paramref name="offlineAfter"/> (so a shift closes even when its last minutes brought no change).
    /// </summary>
    public void Tick(DateTime now, TimeSpan offlineAfter, IMachineEvents events)
    {
        // The machine's own time now, as far as its data shows: its newest timestamp moved on by the time since a reading
        // was last heard. Its timestamps lag the gateway's clock by the delivery delay (and any clock offset), so measured
        // against `now` a loaded box, whose readings arrive seconds late, would account a live state past readings still
        // on their way and date the state changes they carry late.
        var dataNow = LastSeen + (now - LastHeard);
        if (_pending is { } pending && dataNow - _pendingSince >= _minState)
        {
            Commit(pending.State, pending.Reason, _pendingSince, events);
        }

        if (State != MachineStateKind.Offline && now - LastHeard > offlineAfter)
        {
            Commit(MachineStateKind.Offline, "no data", LastSeen > AccountedUntil ? LastSeen : AccountedUntil, events);
        }

        if (State == MachineStateKind.Offline)
        {
            Advance(now, events);
        }
        else if (_pending is null && dataNow - offlineAfter > AccountedUntil)
        {
            // A machine in a steady state may send nothing new (subscriptions report changes only): its state holds up
            // to its time less the offline delay, so a reading delayed by less than that still lands in unaccounted time.
            Advance(dataNow - offlineAfter, events);
        }
    }

    /// <summary>
    /// After a restart: the state the checkpoint saved ends where its figures end, and the machine is offline from
    /// there until its first reading (the gap is offline time: nothing was read).
    /// </summary>
    public void Restore(MachineCheckpoint saved, IMachineEvents events)
    {
        State = saved.State;
        Reason = saved.Reason;
        Since = saved.Since;
        AccountedUntil = LastSeen = saved.AccountedUntil;
        LastCycleSeconds = saved.LastCycleSeconds;
        TotalCounter.Restore(saved.TotalCounter);
        GoodCounter.Restore(saved.GoodCounter);
        RejectCounter.Restore(saved.RejectCounter);
        _open.Clear();
        foreach (var totals in saved.OpenShifts)
        {
            _open[totals.StartUtc] = totals;
        }

        if (State != MachineStateKind.Offline)
        {
            Commit(MachineStateKind.Offline, "gateway stopped", AccountedUntil, events);
        }
    }

    private void Evaluate(DateTime t, IMachineEvents events)
    {
        if (t > LastSeen)
        {
            LastSeen = t;
        }

        if (t < AccountedUntil)
        {
            // A late reading: its state applies from the accounted time on.
            t = AccountedUntil;
        }

        var (state, reason) = _classifier.Classify(_values);
        var key = (state, state == MachineStateKind.Alarm ? reason : "");
        if (state == State && (state != MachineStateKind.Alarm || reason == Reason || IsGenericAlarmReason(Reason)))
        {
            // The same state. An alarm first known only from the execution value ("ALARM") keeps its segment when its
            // number or text arrives; another alarm after it is a new segment (downtime is counted per alarm).
            if (state == MachineStateKind.Alarm && reason != Reason && !IsGenericAlarmReason(reason))
            {
                Reason = reason;
            }

            _pending = null;
        }
        else if (State == MachineStateKind.Offline || _minState == TimeSpan.Zero)
        {
            // Data after a gap is not a flicker.
            Commit(state, reason, t, events);
        }
        else if (_pending is { } pending && pending.State == key.state && pending.Reason == key.Item2)
        {
            if (t - _pendingSince >= _minState)
            {
                Commit(state, reason, _pendingSince, events);
            }
        }
        else
        {
            _pending = key;
            _pendingSince = t;
        }

        Advance(_pending is null ? t : _pendingSince, events);
    }

    /// <summary>An alarm reason that is only the execution value (the alarm's number and text are not read yet).</summary>
    private bool IsGenericAlarmReason(string reason) =>
        reason.Length == 0 || (!_values[StateClassifier.Execution].IsNull && reason == StateClassifier.ExecutionText(_values[StateClassifier.Execution]));

    private void Commit(MachineStateKind state, string reason, DateTime start, IMachineEvents events)
    {
        Advance(start, events);
        if (start > Since)
        {
            events.StateEnded(this, new StateSegment(State, Reason, Since, start));
        }

        State = state;
        Reason = reason;
        Since = start;
        _pending = null;
        if (ShiftAt(start) is { } shift)
        {
            Totals(shift).AddEvent(state, reason);
        }

        events.StateStarted(this);
    }

    /// <summary>Accounts the current state's time up to <paramref name="to"/>, shift by shift; a shift whose end is passed is final.</summary>
    private void Advance(DateTime to, IMachineEvents events)
    {
        while (AccountedUntil < to)
        {
            var shift = ShiftAt(AccountedUntil);
            var end = to < _segmentUntil ? to : _segmentUntil;
            if (shift is not null)
            {
                Totals(shift).AddTime(State, Reason, shift.PlannedTimeBetween(AccountedUntil, end).TotalSeconds);
            }

            AccountedUntil = end;
            if (shift is not null && end == shift.EndUtc && _open.Remove(shift.StartUtc, out var final))
            {
                events.ShiftEnded(this, final);
            }
        }
    }

    /// <summary>The shift an instant is in, through a cache of the calendar's answer (valid until its boundary).</summary>
    private ShiftInstance? ShiftAt(DateTime utc)
    {
        if (utc < _segmentFrom || utc >= _segmentUntil)
        {
            (_segmentShift, _segmentUntil) = _calendar.At(utc);
            _segmentFrom = _segmentShift?.StartUtc ?? utc;
        }

        return _segmentShift;
    }

    private ShiftTotals Totals(ShiftInstance shift)
    {
        if (!_open.TryGetValue(shift.StartUtc, out var totals))
        {
            _open[shift.StartUtc] = totals = new ShiftTotals(shift.Name, shift.StartUtc, shift.EndUtc);
        }

        return totals;
    }

    private void Count(int slot, ReadingValue value, DateTime t, IMachineEvents events)
    {
        if (value.TryGetNumber() is not { } number)
        {
            return;
        }

        var raw = (long)Math.Round(number);
        var options = _classifier.Options;
        long total = 0, good = 0, reject = 0;
        switch (slot)
        {
            case StateClassifier.PartCount:
                total = TotalCounter.Next(raw, out _);
                good = options.GoodCountTag is null ? total : 0;
                break;
            case StateClassifier.GoodCount:
                good = GoodCounter.Next(raw, out _);
                total = options.PartCountTag is null ? good : 0;
                break;
            default:
                reject = RejectCounter.Next(raw, out _);
                total = options.PartCountTag is null ? reject : 0;

                // With a total counter and no good counter, good = total - reject.
                good = options.PartCountTag is not null && options.GoodCountTag is null ? -reject : 0;
                break;
        }

        if (total == 0 && good == 0 && reject == 0)
        {
            return;
        }

        if (total > 0 && options.CycleTimeTag is null)
        {
            if (_lastCountAt is { } last && t > last)
            {
                LastCycleSeconds = (t - last).TotalSeconds / total;
            }

            _lastCountAt = t;
        }

        // The parts were made by t. A late reading (another subscription of the machine may be ahead) still counts them
        // in the shift they were made in while its figures are open, and outside every shift not at all; only a shift
        // already final hands them to the accounted one (a final record is never changed).
        var made = ShiftAt(t);
        if (made is null)
        {
            return; // parts made outside every shift are not in any shift's OEE
        }

        var shift = t < AccountedUntil && made.EndUtc <= AccountedUntil ? ShiftAt(AccountedUntil) : made;
        if (shift is null)
        {
            return;
        }

        var totals = Totals(shift);
        totals.TotalCount += total;
        totals.GoodCount += good;
        totals.RejectCount += reject;
        totals.IdealSeconds += total * IdealCycleSeconds();
    }

    private double IdealCycleSeconds()
    {
        var options = _classifier.Options;
        return Program is { } program && options.IdealCycleSecondsByProgram.TryGetValue(program, out var seconds)
            ? seconds
            : options.IdealCycleSeconds;
    }

    /// <summary>What a restart resumes from.</summary>
    public MachineCheckpoint Checkpoint() => new(
        State, Reason, Since, AccountedUntil, LastCycleSeconds, TotalCounter.Last, GoodCounter.Last, RejectCounter.Last, [.. _open.Values]);
}

/// <summary>One machine in the state file.</summary>
public sealed record MachineCheckpoint(
    MachineStateKind State,
    string Reason,
    DateTime Since,
    DateTime AccountedUntil,
    double? LastCycleSeconds,
    long? TotalCounter,
    long? GoodCounter,
    long? RejectCounter,
    IReadOnlyList<ShiftTotals> OpenShifts);
