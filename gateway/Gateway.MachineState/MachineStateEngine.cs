using System.Text.Json;

using Gateway.Core;

using Microsoft.Extensions.Logging;

namespace Gateway.MachineState;

/// <summary>A machine the engine tracks: where its readings come from and which template's rules it follows.</summary>
public sealed record TrackedMachine(string Source, string Machine, string Template, LabelSet Labels);

/// <summary>
/// What /status and /metrics show of a machine: its state, the running shift's OEE, and since start how many parts came
/// after their shift's final record (docs/oee.md, "Parts that arrive after their shift's final record"): added to it as a
/// revision, or too late for any shift's figures; and how many rule readings came behind the reorder window.
/// </summary>
public sealed record MachineStatus(
    string Machine,
    string State,
    string Reason,
    DateTime SinceUtc,
    string? Shift,
    OeeFigures? Figures,
    long? TotalCount,
    long? GoodCount,
    long RevisedParts,
    long TooLateParts,
    long LateReadings);

/// <summary>
/// Machine state, downtime and OEE at the edge. Sits in the data path after normalization: it sees every reading on its
/// way to the buffer, moves the machines' trackers, and writes its records (state changes, current states, shift OEE
/// and downtime) to the same buffer, so every sink gets them. A timer every interval writes the current states and the
/// running shifts' live figures, finds machines gone silent, and saves the state file a restart resumes from.
/// </summary>
public sealed class MachineStateEngine : IReadingWriter, IMachineEvents, IAsyncDisposable
{
    public const string DefaultStateFileName = "machine-state.json";

    /// <summary>Seconds after start of the first current states and live figures (then every interval).</summary>
    public const int FirstIntervalSeconds = 5;

    private readonly OeeOptions _options;
    private readonly IReadingWriter _next;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string? _stateFile;
    private readonly Dictionary<string, MachineTracker> _machines = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private List<Reading> _pending = [];
    private bool _checkpointDue;
    private DateTime _lastCheckpoint;
    private Task? _loop;

    public MachineStateEngine(OeeOptions options, IEnumerable<TrackedMachine> machines, IReadingWriter next, string? stateFile, TimeProvider time, ILogger logger)
    {
        _options = options;
        _next = next;
        _time = time;
        _logger = logger;
        _stateFile = stateFile;
        if (!OeeOptions.TryFindZone(options.TimeZone, out var zone))
        {
            throw new ArgumentException($"oee.timeZone: '{options.TimeZone}' is not a known time zone", nameof(options));
        }

        Calendar = new ShiftCalendar(options.Calendar, zone);
        var classifiers = options.Templates.ToDictionary(t => t.Key, t => new StateClassifier(t.Value), StringComparer.Ordinal);
        var now = time.GetUtcNow().UtcDateTime;
        var window = TimeSpan.FromMilliseconds(options.ReorderWindowMs);
        var grace = TimeSpan.FromSeconds(options.LateCountGraceSeconds);
        foreach (var machine in machines)
        {
            if (classifiers.TryGetValue(machine.Template, out var classifier) && !_machines.ContainsKey(machine.Machine))
            {
                _machines[machine.Machine] = new MachineTracker(machine.Source, machine.Machine, machine.Labels, classifier, Calendar, now, window, grace);
            }
        }

        _lastCheckpoint = now;
    }

    public ShiftCalendar Calendar { get; }

    public IReadOnlyCollection<MachineTracker> Machines => _machines.Values;

    public OeeOptions Options => _options;

    /// <summary>Resumes from the state file (when there is one) and starts the interval timer.</summary>
    public void Start()
    {
        Resume();
        _loop = Task.Run(() => RunTimerAsync(_stop.Token));
    }

    /// <summary>Resumes each machine from the state file; a missing or damaged file starts afresh (said in the log).</summary>
    public void Resume()
    {
        if (_stateFile is null)
        {
            return;
        }

        StateFile.Content? content;
        try
        {
            content = StateFile.Load(_stateFile);
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            _logger.LogWarning("OEE state file {Path} cannot be read ({Message}); the shift figures start afresh.", _stateFile, e.Message);
            return;
        }

        if (content is null)
        {
            return;
        }

        lock (_gate)
        {
            foreach (var (name, saved) in content.Machines)
            {
                if (_machines.TryGetValue(name, out var machine))
                {
                    machine.Restore(saved, this);
                }
            }
        }

        _logger.LogInformation("OEE: resumed {Count} machine(s) from {Path} (saved {Saved:o})", content.Machines.Count, _stateFile, content.SavedUtc);
    }

    public async ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
    {
        List<Reading>? records = null;
        var order = TimeOrder(readings);
        lock (_gate)
        {
            MachineTracker? last = null;
            for (var i = 0; i < readings.Count; i++)
            {
                var reading = readings[order is null ? i : order[i]];
                if (last is null || !ReferenceEquals(last.Machine, reading.Machine))
                {
                    if (!_machines.TryGetValue(reading.Machine, out last))
                    {
                        continue;
                    }
                }

                last.Observe(reading.Tag, reading.Value, reading.Quality, reading.Timestamp, reading.GatewayTimestamp, this);
            }

            if (_pending.Count > 0)
            {
                records = _pending;
                _pending = [];
            }

            if (_checkpointDue)
            {
                SaveCheckpoint();
            }
        }

        await _next.WriteAsync(readings, cancellationToken);
        if (records is not null)
        {
            await _next.WriteAsync(records, cancellationToken);
        }
    }

    /// <summary>
    /// The batch's positions in timestamp order (stable), or null when it is in order already (the usual case). An OPC UA
    /// notification lists each monitored item's queued values together (Part 4's DataChangeNotification sets no order
    /// across items): when a late Publish carries several steps, a tag's later value comes before another tag's earlier
    /// one, and fed in that order the earlier one would be a late reading whose state change is dated late.
    /// </summary>
    private static int[]? TimeOrder(IReadOnlyList<Reading> readings)
    {
        var sorted = true;
        for (var i = 1; i < readings.Count && sorted; i++)
        {
            sorted = readings[i].Timestamp >= readings[i - 1].Timestamp;
        }

        if (sorted)
        {
            return null;
        }

        var order = new int[readings.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        // Ties keep the batch's order (the position breaks them): the fields of one reading time stay as they came.
        Array.Sort(order, (a, b) => readings[a].Timestamp != readings[b].Timestamp ? readings[a].Timestamp.CompareTo(readings[b].Timestamp) : a.CompareTo(b));
        return order;
    }

    /// <summary>One interval: offline checks, current states, live shift figures, and the state file when due.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        List<Reading> records;
        lock (_gate)
        {
            var now = _time.GetUtcNow().UtcDateTime;
            var offlineAfter = TimeSpan.FromSeconds(_options.OfflineAfterSeconds);
            foreach (var machine in _machines.Values)
            {
                machine.Tick(now, offlineAfter, this);
                MachineRecords.AddCurrentState(_pending, machine, now);
                foreach (var totals in machine.OpenShifts)
                {
                    MachineRecords.AddShift(_pending, machine, totals, final: false, _options.OfflineIsDowntime, _options.TopAlarms, now);
                }

                IssueRevisions(machine, now);
                ReportTooLate(machine);
            }

            if (_checkpointDue || now - _lastCheckpoint >= TimeSpan.FromSeconds(_options.CheckpointSeconds))
            {
                SaveCheckpoint();
            }

            records = _pending;
            _pending = [];
        }

        if (records.Count > 0)
        {
            await _next.WriteAsync(records, cancellationToken);
        }
    }

    /// <summary>
    /// The final record again for each final shift that took late parts since the last interval (at most one revision
    /// per shift and interval, however many late readings came). Saved at once, like a shift's end: a revision is
    /// issued once, and its parts are in the saved figures together with the counter baseline past them.
    /// </summary>
    private void IssueRevisions(MachineTracker machine, DateTime now)
    {
        foreach (var totals in machine.ClosedShifts)
        {
            if (!totals.RevisionDue)
            {
                continue;
            }

            totals.RevisionDue = false;
            totals.Revision++;
            MachineRecords.AddShift(_pending, machine, totals, final: true, _options.OfflineIsDowntime, _options.TopAlarms, now, totals.Revision);
            _checkpointDue = true;
            _logger.LogInformation(
                "OEE: {Machine}: shift {Shift} of {Start:o} took parts that arrived after its end; its final record is issued again (revision {Revision}, {Count} parts in all)",
                machine.Machine, totals.Shift, totals.StartUtc, totals.Revision, totals.TotalCount);
        }
    }

    /// <summary>Says parts that came too late for any shift's figures, once per machine and interval.</summary>
    private void ReportTooLate(MachineTracker machine)
    {
        if (machine.UnreportedTooLate is { Parts: > 0 } tooLate)
        {
            _logger.LogWarning(
                "OEE: {Machine}: {Parts} part(s) made in shift {Shift} of {Start:o} arrived more than oee.lateCountGraceSeconds ({Grace} s) after its end, or from before the figures started; they are in no shift's figures ({Total} such parts since start)",
                machine.Machine, tooLate.Parts, tooLate.Shift, tooLate.ShiftStart, _options.LateCountGraceSeconds, machine.TooLateParts);
            machine.TooLateReported();
        }
    }

    /// <summary>Each machine's state and its running shift's figures, for `gateway status` and /status.</summary>
    public IReadOnlyList<MachineStatus> Status()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow().UtcDateTime;
            var list = new List<MachineStatus>();
            foreach (var machine in _machines.Values.OrderBy(m => m.Machine, StringComparer.Ordinal))
            {
                var running = machine.OpenShifts.LastOrDefault(s => s.StartUtc <= now && now < s.EndUtc) ?? machine.OpenShifts.LastOrDefault();
                list.Add(new MachineStatus(
                    machine.Machine,
                    MachineStateNames.Name(machine.State),
                    machine.Reason,
                    machine.Since,
                    running?.Shift,
                    running?.Figures(_options.OfflineIsDowntime),
                    running?.TotalCount,
                    running?.GoodCount,
                    machine.RevisedParts,
                    machine.TooLateParts,
                    machine.LateReadings));
            }

            return list;
        }
    }

    void IMachineEvents.StateEnded(MachineTracker machine, StateSegment segment)
    {
        MachineRecords.AddStateChange(_pending, machine, segment, _time.GetUtcNow().UtcDateTime);
    }

    void IMachineEvents.StateStarted(MachineTracker machine)
    {
        // The current state at once, not only every interval: a dashboard shows a change when it happens.
        MachineRecords.AddCurrentState(_pending, machine, _time.GetUtcNow().UtcDateTime);
    }

    void IMachineEvents.ShiftEnded(MachineTracker machine, ShiftTotals totals)
    {
        MachineRecords.AddShift(_pending, machine, totals, final: true, _options.OfflineIsDowntime, _options.TopAlarms, _time.GetUtcNow().UtcDateTime);

        // A final shift must not be closed twice after a crash: save at once.
        _checkpointDue = true;
    }

    private void SaveCheckpoint()
    {
        _checkpointDue = false;
        var now = _time.GetUtcNow().UtcDateTime;
        _lastCheckpoint = now;
        if (_stateFile is null)
        {
            return;
        }

        try
        {
            StateFile.Save(_stateFile, new StateFile.Content(1, now, _machines.ToDictionary(m => m.Key, m => m.Value.Checkpoint(), StringComparer.Ordinal)));
        }
        catch (IOException e)
        {
            _logger.LogWarning("OEE state file {Path} could not be saved: {Message}. A restart now would resume from the previous save.", _stateFile, e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            _logger.LogWarning("OEE state file {Path} could not be saved: {Message}. Check the data directory's permissions.", _stateFile, e.Message);
        }
    }

    private async Task RunTimerAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.IntervalSeconds), _time);
        try
        {
            // The first live figures a few seconds after start, then every interval.
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(FirstIntervalSeconds, _options.IntervalSeconds)), _time, cancellationToken);
            do
            {
                try
                {
                    await TickAsync(cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogError(e, "OEE interval failed; the next one tries again");
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Stops the timer and saves the state file (called after the sources stopped, before the buffer closes).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        lock (_gate)
        {
            // No reading comes after this: what waits in the reorder windows is applied, so the state file has it.
            foreach (var machine in _machines.Values)
            {
                machine.Flush(this);
            }
        }

        try
        {
            // The latest figures once more, so the sinks have what the state file has.
            await TickAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or IOException)
        {
            _logger.LogWarning("OEE: the last figures could not be stored at stop: {Message}", e.Message);
        }

        List<Reading> records;
        lock (_gate)
        {
            SaveCheckpoint();
            records = _pending;
            _pending = [];
        }

        if (records.Count > 0)
        {
            try
            {
                await _next.WriteAsync(records, CancellationToken.None);
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
            {
                _logger.LogWarning("OEE: {Count} record(s) could not be stored at stop: {Message}", records.Count, e.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
