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
/// value of the rule it feeds, counters add parts, and the rules say the state. The readings of the rules' tags wait in
/// a reorder window (<see cref="OeeOptions.ReorderWindowMs"/> behind the machine's newest timestamp) and are applied in
/// timestamp order, so one subscription running ahead of another does not put the other's readings out of order. Time
/// is accounted to the committed state up to the window's edge (not beyond: a state is known only as far as data says),
/// split at shift boundaries; a candidate state that has not yet lasted <see cref="StateModelOptions.MinStateMs"/> holds
/// the accounting back, so a flicker never becomes a state and a real change is dated from when it began. A shift whose
/// end is passed is final; parts made in it that arrive later (within <see cref="OeeOptions.LateCountGraceSeconds"/>)
/// are added to it and flagged for a revision of its record.
/// </summary>
public sealed class MachineTracker
{
    private readonly StateClassifier _classifier;
    private readonly ShiftCalendar _calendar;
    private readonly TimeSpan _minState;
    private readonly ReadingValue[] _values = new ReadingValue[StateClassifier.SlotCount];
    private readonly SortedDictionary<DateTime, ShiftTotals> _open = [];
    private readonly SortedDictionary<DateTime, ShiftTotals> _closed = [];
    private readonly TimeSpan _window;
    private readonly TimeSpan _grace;

    // The rules' readings not yet applied, in timestamp order (arrival order among equal timestamps), from _heldHead on:
    // the applied ones at the front are dropped in bulk, not one shift of the list per reading.
    private readonly List<HeldReading> _held = [];
    private int _heldHead;

    // The timestamp of each slot's applied value: an older reading of the slot is superseded and changes nothing.
    private readonly DateTime[] _valueAt = new DateTime[StateClassifier.SlotCount];

    // Readings up to here are applied; a reading older than this came too late for the window.
    private DateTime _appliedUntil = DateTime.MinValue;
    private ShiftInstance? _segmentShift;
    private DateTime _segmentFrom = DateTime.MaxValue;
    private DateTime _segmentUntil = DateTime.MinValue;
    private (MachineStateKind State, string Reason)? _pending;
    private DateTime _pendingSince;
    private DateTime? _lastCountAt;

    /// <summary>The most rule readings a machine holds in its reorder window; beyond it the oldest are applied early (bounded memory).</summary>
    public const int MaxHeldReadings = 1024;

    /// <param name="reorderWindow">How far behind the newest timestamp readings are held to be applied in order (0: at once).</param>
    /// <param name="lateCountGrace">How long after a shift's end (in the machine's time) parts made in it are still added to it; 0: never.</param>
    public MachineTracker(string source, string machine, LabelSet labels, StateClassifier classifier, ShiftCalendar calendar, DateTime startUtc, TimeSpan reorderWindow = default, TimeSpan lateCountGrace = default)
    {
        _window = reorderWindow;
        _grace = lateCountGrace;
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

    /// <summary>Final shifts still within the late-count grace period (late parts revise them), oldest first.</summary>
    public IReadOnlyCollection<ShiftTotals> ClosedShifts => _closed.Values;

    /// <summary>Rule readings that arrived older than the reorder window's edge (applied late, from the accounted time on).</summary>
    public long LateReadings { get; private set; }

    /// <summary>Parts that arrived after their shift was final and were added to it (a revision of its record).</summary>
    public long RevisedParts { get; private set; }

    /// <summary>Parts that arrived after their shift's grace period (or of a shift this tracker never had): in no figures.</summary>
    public long TooLateParts { get; private set; }

    /// <summary>Too-late parts not yet said in the log, and the latest shift they were made in.</summary>
    public (long Parts, string? Shift, DateTime ShiftStart) UnreportedTooLate { get; private set; }

    /// <summary>Rule readings waiting in the reorder window.</summary>
    public int HeldReadings => _held.Count - _heldHead;

    /// <summary>The machine's time as the tracker knows it: its newest reading, or further when offline time was accounted.</summary>
    private DateTime MachineTime => LastSeen > AccountedUntil ? LastSeen : AccountedUntil;

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

        if (timestamp > LastSeen)
        {
            LastSeen = timestamp;
        }

        if (_classifier.Slots.TryGetValue(tag, out var slots))
        {
            Hold(new HeldReading(slots, value, timestamp), events);
        }

        // Any reading says the machine's time: what is older than the window's edge is applied, and the state holds up to it.
        var edge = LastSeen - _window;
        Release(edge, edge, edge, events);
    }

    /// <summary>
    /// Applies every held reading and accounts up to the newest one: nothing more is coming (the gateway stops, the
    /// machine went silent).
    /// </summary>
    public void Flush(IMachineEvents events) => Release(LastSeen, LastSeen, LastSeen, events);

    private void Hold(HeldReading reading, IMachineEvents events)
    {
        if (reading.Timestamp < _appliedUntil)
        {
            LateReadings++;
        }

        // Usually the newest: the search from the end stops at once. Equal timestamps keep their arrival order.
        var at = _held.Count;
        while (at > _heldHead && _held[at - 1].Timestamp > reading.Timestamp)
        {
            at--;
        }

        _held.Insert(at, reading);
        if (HeldReadings > MaxHeldReadings)
        {
            ApplyOldest(events);
        }
    }

    /// <summary>
    /// Applies the held readings up to <paramref name="upTo"/> in timestamp order, commits a candidate state that has
    /// lasted the minimum by <paramref name="pendingAt"/>, and accounts the state up to <paramref name="accountTo"/>.
    /// </summary>
    private void Release(DateTime upTo, DateTime pendingAt, DateTime accountTo, IMachineEvents events)
    {
        while (HeldReadings > 0 && _held[_heldHead].Timestamp <= upTo)
        {
            ApplyOldest(events);
        }

        if (upTo > _appliedUntil)
        {
            _appliedUntil = upTo;
        }

        if (_pending is { } pending && pendingAt - _pendingSince >= _minState)
        {
            Commit(pending.State, pending.Reason, _pendingSince, events);
        }

        Advance(_pending is null || accountTo < _pendingSince ? accountTo : _pendingSince, events);
    }

    /// <summary>Applies the held readings of the oldest timestamp together, then says the state at that time.</summary>
    private void ApplyOldest(IMachineEvents events)
    {
        var t = _held[_heldHead].Timestamp;
        for (; _heldHead < _held.Count && _held[_heldHead].Timestamp == t; _heldHead++)
        {
            Apply(_held[_heldHead], events);
        }

        if (_heldHead == _held.Count || _heldHead > MaxHeldReadings)
        {
            _held.RemoveRange(0, _heldHead);
            _heldHead = 0;
        }

        if (t > _appliedUntil)
        {
            _appliedUntil = t;
        }

        Evaluate(t, events);
    }

    private void Apply(HeldReading reading, IMachineEvents events)
    {
        foreach (var slot in reading.Slots)
        {
            if (reading.Timestamp < _valueAt[slot])
            {
                // A newer value of the tag is applied already (a reading too late for the window): this one is history.
                // For a counter that matters most: the newer total includes its parts, and its lower value is no reset.
                continue;
            }

            _valueAt[slot] = reading.Timestamp;
            _values[slot] = reading.Value;
            if (slot is StateClassifier.PartCount or StateClassifier.GoodCount or StateClassifier.RejectCount)
            {
                Count(slot, reading.Value, reading.Timestamp, events);
            }
            else if (slot == StateClassifier.CycleTime && reading.Value.TryGetNumber() is { } cycle)
            {
                LastCycleSeconds = cycle;
            }
        }
    }

    /// <summary>
    /// The timer's look at the machine at <paramref name="now"/>: held readings the machine's time has left the reorder
    /// window behind are applied; a candidate state that has lasted long enough is committed; a machine not heard from
    /// for <paramref name="offlineAfter"/> applies all it held and goes offline from its last reading on (or from what is
    /// already accounted); an offline machine's time is accounted up to now (not past a held reading), a live one's up to
    /// its own time (data time) less <paramref name="offlineAfter"/> or the window, whichever is longer (so a shift closes
    /// even when its last minutes brought no change). Final shifts past their grace period are forgotten.
    /// </summary>
    public void Tick(DateTime now, TimeSpan offlineAfter, IMachineEvents events)
    {
        // The machine's own time now, as far as its data shows: its newest timestamp moved on by the time since a reading
        // was last heard. Its timestamps lag the gateway's clock by the delivery delay (and any clock offset), so measured
        // against `now` a loaded box, whose readings arrive seconds late, would account a live state past readings still
        // on their way and date the state changes they carry late.
        var dataNow = LastSeen + (now - LastHeard);
        PruneClosed();
        var silent = State != MachineStateKind.Offline && now - LastHeard > offlineAfter;

        // A machine in a steady state may send nothing new (subscriptions report changes only): its state holds up to its
        // time less the offline delay (and the reorder window), so a reading delayed by less than that still lands in
        // unaccounted time. A silent machine sends nothing more: all it sent is applied.
        var edge = silent ? LastSeen : dataNow - _window;
        var holdUntil = dataNow - (offlineAfter > _window ? offlineAfter : _window);
        Release(edge, silent ? dataNow : edge, holdUntil < AccountedUntil || silent ? AccountedUntil : holdUntil, events);
        if (silent)
        {
            Commit(MachineStateKind.Offline, "no data", MachineTime, events);
        }

        if (State == MachineStateKind.Offline)
        {
            // Offline time runs on the gateway's clock, but not past a reading still held: it says when the data came back.
            Advance(HeldReadings > 0 && _held[_heldHead].Timestamp < now ? _held[_heldHead].Timestamp : now, events);
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
        AccountedUntil = LastSeen = _appliedUntil = saved.AccountedUntil;
        LastCycleSeconds = saved.LastCycleSeconds;
        TotalCounter.Restore(saved.TotalCounter);
        GoodCounter.Restore(saved.GoodCounter);
        RejectCounter.Restore(saved.RejectCounter);
        _open.Clear();
        foreach (var totals in saved.OpenShifts)
        {
            _open[totals.StartUtc] = totals;
        }

        _closed.Clear();
        foreach (var totals in saved.ClosedShifts ?? [])
        {
            _closed[totals.StartUtc] = totals;
        }

        if (State != MachineStateKind.Offline)
        {
            Commit(MachineStateKind.Offline, "gateway stopped", AccountedUntil, events);
        }
    }

    private void Evaluate(DateTime t, IMachineEvents events)
    {
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
                if (_grace > TimeSpan.Zero)
                {
                    _closed[final.StartUtc] = final;
                }

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

        // The parts were made by t: they count in the shift they were made in, and outside every shift not at all. A
        // shift already final takes them while the grace period after its end lasts (its record is revised); after it,
        // or for a shift this tracker never had, they are in no figures (said in the log), never in another shift's.
        var made = ShiftAt(t);
        if (made is null)
        {
            return; // parts made outside every shift are not in any shift's OEE
        }

        ShiftTotals totals;
        if (made.EndUtc > AccountedUntil)
        {
            totals = Totals(made);
        }
        else if (_closed.TryGetValue(made.StartUtc, out var closed) && MachineTime < made.EndUtc + _grace)
        {
            totals = closed;
            closed.RevisionDue = true;
            RevisedParts += total;
        }
        else
        {
            TooLateParts += total;
            UnreportedTooLate = (UnreportedTooLate.Parts + total, made.Name, made.StartUtc);
            return;
        }

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

    /// <summary>Clears the too-late parts once the log has said them.</summary>
    public void TooLateReported() => UnreportedTooLate = default;

    /// <summary>Forgets final shifts whose grace period is over (a revision still due is issued first).</summary>
    private void PruneClosed()
    {
        while (_closed.Count > 0)
        {
            var oldest = _closed.First().Value;
            if (oldest.RevisionDue || MachineTime < oldest.EndUtc + _grace)
            {
                return;
            }

            _closed.Remove(oldest.StartUtc);
        }
    }

    /// <summary>What a restart resumes from.</summary>
    public MachineCheckpoint Checkpoint() => new(
        State, Reason, Since, AccountedUntil, LastCycleSeconds, TotalCounter.Last, GoodCounter.Last, RejectCounter.Last, [.. _open.Values], [.. _closed.Values]);

    private readonly record struct HeldReading(int[] Slots, ReadingValue Value, DateTime Timestamp);
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
    IReadOnlyList<ShiftTotals> OpenShifts,
    IReadOnlyList<ShiftTotals>? ClosedShifts = null);
