using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Types;

namespace Gateway.Simulator;

/// <summary>
/// What each simulated machine did, tick by tick: the step's timestamp (the source timestamp of every value it
/// published) and per machine its execution state, counters and alarm number as published. Kept only when
/// <see cref="SimulatorOptions.RecordSchedule"/> is on (tests compute their oracle from it); a long demo run keeps none.
/// </summary>
public sealed class SimulatorSchedule
{
    private readonly Lock _gate = new();
    private readonly List<ScheduleStep> _steps = [];

    /// <summary>The steps recorded so far, oldest first (a copy).</summary>
    public IReadOnlyList<ScheduleStep> Steps
    {
        get
        {
            lock (_gate)
            {
                return [.. _steps];
            }
        }
    }

    internal void Record(long tick, DateTime timestamp, IReadOnlyList<Machines.SimulatedMachine> machines, UaAddressSpace space, ushort ns)
    {
        var states = new Dictionary<string, MachineStep>(machines.Count, StringComparer.Ordinal);
        foreach (var machine in machines)
        {
            long Number(string path) => space.Find(new NodeId(ns, $"{machine.Name}/{path}")) is VariableNode node && node.Value.Value.TryGetInt64(out var n) ? n : 0;
            var execution = space.Find(new NodeId(ns, $"{machine.Name}/Status/Execution")) is VariableNode e ? e.Value.Value.Value as string ?? "" : "";
            states[machine.Name] = machine.Kind == "cnc"
                ? new MachineStep(execution, Number("Program/PartCount"), Number("Program/PartCount"), 0, Number("Alarm/Number"))
                : new MachineStep(execution, Number("Cycle/Counter"), Number("Parts/Good"), Number("Parts/Reject"), 0);
        }

        lock (_gate)
        {
            _steps.Add(new ScheduleStep(tick, timestamp, states));
        }
    }
}

/// <summary>One tick of the schedule.</summary>
public sealed record ScheduleStep(long Tick, DateTime Timestamp, IReadOnlyDictionary<string, MachineStep> Machines);

/// <summary>A machine's published state after a tick: execution (RUNNING, IDLE, ALARM, STOPPED), total, good and reject counters, active alarm number.</summary>
public sealed record MachineStep(string Execution, long Total, long Good, long Reject, long Alarm);
