using Gateway.Melsec.Devices;
using Gateway.Melsec.Server;
using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Types;
using Gateway.Simulator.Machines;

namespace Gateway.Simulator.Melsec;

/// <summary>Where one simulated value sits in the simulated PLC, and as which type.</summary>
/// <param name="Device">Its first device, e.g. D102.</param>
/// <param name="Type">bit, int16, int32 or float32 (how a source tag reads it).</param>
/// <param name="Path">The simulated tag it mirrors, e.g. cnc-01/Spindle/Speed.</param>
public sealed record MelsecPoint(DeviceAddress Device, string Type, string Path);

/// <summary>
/// The simulated shop as one MELSEC CPU's device memory, refreshed after every tick so that MC protocol reads move with
/// the machines. Machine n (from 0; at most <see cref="MaxMachines"/>) owns D(n*100) to D(n*100+99) and M(n*100) to
/// M(n*100+99): D(n*100) holds its execution state (0 STOPPED, 1 IDLE, 2 RUNNING, 3 ALARM), then each of its model tags
/// in the order the OPC UA address space lists them takes the next words: Int32 as int32 (2 words, low word first),
/// Double as float32 (2 words); Boolean tags take the next M bit. SM400 is always on, SM412 toggles every second, and
/// SD210-SD215 hold the clock (year, month, day, hour, minute, second), as on a Q CPU.
/// </summary>
public sealed class MelsecDeviceMap
{
    public const int MaxMachines = 100;

    /// <summary>
    /// The device memory the map needs: a Q CPU's default has 8,192 M bits, fewer than <see cref="MaxMachines"/> x 100, so
    /// M is set to what the map uses (a real CPU's M range is set in its parameters, up to 32k on a Q CPU).
    /// </summary>
    public static IReadOnlyDictionary<DeviceType, int> MemorySizes { get; } = new Dictionary<DeviceType, int>
    {
        [DeviceTypes.M] = Math.Max(DeviceMemory.DefaultSize(DeviceTypes.M), MaxMachines * 100),
        [DeviceTypes.D] = Math.Max(DeviceMemory.DefaultSize(DeviceTypes.D), MaxMachines * 100),
    };

    private readonly List<(MelsecPoint Point, VariableNode Node)> _points = [];
    private readonly List<(DeviceAddress Device, VariableNode Node)> _states = [];

    public MelsecDeviceMap(SimulatedShop shop, DeviceMemory memory)
    {
        Memory = memory;
        foreach (var machine in shop.Machines.Take(MaxMachines))
        {
            var index = shop.Machines.ToList().IndexOf(machine);
            var word = index * 100;
            var bit = index * 100;
            var points = new List<MelsecPoint>();
            foreach (var tag in machine.Tags.Where(t => !t.Path.Contains("/Generated/", StringComparison.Ordinal)))
            {
                if (shop.AddressSpace.Find(new NodeId(shop.NamespaceIndex, tag.Path)) is not VariableNode node)
                {
                    continue;
                }

                if (tag.Path.EndsWith("/Status/Execution", StringComparison.Ordinal))
                {
                    _states.Add((new DeviceAddress(DeviceTypes.D, word), node));
                    _points.Add((new MelsecPoint(new DeviceAddress(DeviceTypes.D, word), "int16", tag.Path), node));
                    continue;
                }

                switch (tag.DataType)
                {
                    case "Int32":
                        _points.Add((new MelsecPoint(new DeviceAddress(DeviceTypes.D, word + 2 + (2 * points.Count(p => p.Device.Device == DeviceTypes.D))), "int32", tag.Path), node));
                        points.Add(_points[^1].Point);
                        break;
                    case "Double":
                        _points.Add((new MelsecPoint(new DeviceAddress(DeviceTypes.D, word + 2 + (2 * points.Count(p => p.Device.Device == DeviceTypes.D))), "float32", tag.Path), node));
                        points.Add(_points[^1].Point);
                        break;
                    case "Boolean":
                        _points.Add((new MelsecPoint(new DeviceAddress(DeviceTypes.M, bit + points.Count(p => p.Device.Device == DeviceTypes.M)), "bit", tag.Path), node));
                        points.Add(_points[^1].Point);
                        break;
                }
            }
        }

        Refresh(DateTime.UtcNow);
    }

    public DeviceMemory Memory { get; }

    /// <summary>Every mapped value: its device, type and the simulated tag it mirrors.</summary>
    public IReadOnlyList<MelsecPoint> Points => [.. _points.Select(p => p.Point)];

    /// <summary>Copies the current simulated values into the device memory in one step (a read never sees half a tick).</summary>
    public void Refresh(DateTime now)
    {
        Memory.Update(memory =>
        {
            foreach (var (point, node) in _points)
            {
                var value = node.Value.Value.Value;
                switch (point.Type, value)
                {
                    case ("int16", string state):
                        memory.SetInt16(point.Device, (short)Math.Max(0, Array.IndexOf(SimulatedMachine.ExecutionStates, state)));
                        break;
                    case ("int32", int number):
                        memory.SetInt32(point.Device, number);
                        break;
                    case ("float32", double number):
                        memory.SetFloat32(point.Device, (float)number);
                        break;
                    case ("bit", bool on):
                        memory.SetBit(point.Device, on);
                        break;
                }
            }

            memory.SetBit(new DeviceAddress(DeviceTypes.SM, 400), true);
            memory.SetBit(new DeviceAddress(DeviceTypes.SM, 412), now.Second % 2 == 1);
            var clock = new[] { now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second };
            for (var i = 0; i < clock.Length; i++)
            {
                memory.SetInt16(new DeviceAddress(DeviceTypes.SD, 210 + i), (short)clock[i]);
            }
        });
    }
}
