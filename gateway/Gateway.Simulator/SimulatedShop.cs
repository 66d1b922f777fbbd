using Gateway.OpcUa.Server.AddressSpace;
using Gateway.Simulator.Machines;

namespace Gateway.Simulator;

/// <summary>
/// The simulated shop floor: its machines built into an address space, stepped together. Deterministic: the same
/// options (seed included) give the same values after the same number of steps.
/// </summary>
public sealed class SimulatedShop
{
    private readonly List<SimulatedMachine> _machines = [];
    private readonly double _stepSeconds;
    private readonly long _firstTick;

    public SimulatedShop(SimulatorOptions options, UaAddressSpace addressSpace)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("simulator options: " + string.Join("; ", problems));
        }

        AddressSpace = addressSpace;
        NamespaceIndex = addressSpace.RegisterNamespace(SimulatorServer.NamespaceUri);
        _stepSeconds = options.RateMs / 1000.0 * options.TimeScale;
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < options.Machines; i++)
        {
            // Each machine has its own generator, so adding machines never changes the values of the others.
            var random = new Random(unchecked((options.Seed * 7919) + (i * 104729)));
            var kind = (i % 4) switch
            {
                0 or 1 => "cnc",
                2 => "press",
                _ => "mould",
            };
            counts[kind] = counts.GetValueOrDefault(kind) + 1;
            var name = $"{kind}-{counts[kind]:D2}";
            SimulatedMachine machine = kind switch
            {
                "cnc" => new CncMachine(name, random, fanuc: counts[kind] % 2 == 1),
                "press" => new PlcCell(name, random, press: true),
                _ => new PlcCell(name, random, press: false),
            };
            machine.Index = i;
            machine.UsesTickValues = options.TickValues;
            machine.Build(addressSpace, NamespaceIndex, options.TagsPerMachine);
            _machines.Add(machine);
        }

        Tags = [.. _machines.SelectMany(m => m.Tags)];
        MachineTool = options.MachineTool && _machines.FirstOrDefault(m => m is CncMachine) is { } cnc ? new UmatiMachineTool(addressSpace, NamespaceIndex, cnc) : null;
        Tools = options.ToolRecords ? new ToolRecords(addressSpace, NamespaceIndex, _machines) : null;
        Schedule = options.RecordSchedule ? new SimulatorSchedule() : null;
        _firstTick = options.TickValues ? options.StartTick : 0;
        Step(DateTime.UtcNow);
    }

    public UaAddressSpace AddressSpace { get; }

    public ushort NamespaceIndex { get; }

    public IReadOnlyList<SimulatedMachine> Machines => _machines;

    /// <summary>With <see cref="SimulatorOptions.ToolRecords"/>: the structured tag of each CNC (`{machine}/Tool`, a ToolData structure).</summary>
    public ToolRecords? Tools { get; }

    public IReadOnlyList<SimulatedTag> Tags { get; }

    /// <summary>The first CNC modelled per OPC 40501, when <see cref="SimulatorOptions.MachineTool"/> asked for it.</summary>
    public UmatiMachineTool? MachineTool { get; }

    public long Steps { get; private set; }

    /// <summary>What each machine did per tick, when <see cref="SimulatorOptions.RecordSchedule"/> is on.</summary>
    public SimulatorSchedule? Schedule { get; }

    /// <summary>The number of the tick the last <see cref="Step"/> published (<see cref="SimulatorOptions.StartTick"/> first).</summary>
    public long LastTick => _firstTick + Steps - 1;

    /// <summary>Moves every machine one tick (RateMs of simulated time) and publishes the values.</summary>
    public void Step(DateTime now)
    {
        foreach (var machine in _machines)
        {
            machine.Step(Steps == 0 ? 0 : _stepSeconds, now, _firstTick + Steps);
        }

        MachineTool?.Step(Steps == 0 ? 0 : _stepSeconds, now);

        Schedule?.Record(_firstTick + Steps, now, _machines, AddressSpace, NamespaceIndex);
        Tools?.Step(Steps == 0 ? 0 : _stepSeconds, now);

        Steps++;
    }
}
