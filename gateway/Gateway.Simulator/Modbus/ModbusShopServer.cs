using System.Buffers.Binary;
using System.Net;
using System.Text;

using Gateway.Modbus;
using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Types;
using Gateway.Simulator.Machines;

namespace Gateway.Simulator.Modbus;

/// <summary>
/// The simulated shop over Modbus TCP, for the devices that have no OPC UA: unit 1 is the shop's power meter, unit 2
/// a small PLC with one register block per machine. Both follow the simulated machines (a running spindle draws
/// power, a finished part counts). The register map is in the simulator's README; the embedded default reads it.
/// </summary>
public sealed class ModbusShopServer : IAsyncDisposable
{
    /// <summary>The power meter's unit id.</summary>
    public const byte MeterUnit = 1;

    /// <summary>The PLC's unit id.</summary>
    public const byte PlcUnit = 2;

    /// <summary>Registers per machine in the PLC's holding registers: machine i starts at i * 100.</summary>
    public const int PlcBlock = 100;

    private readonly ModbusDataStore _store = new();
    private readonly ModbusTcpServer _server;
    private readonly SimulatedShop _shop;
    private double _energyKwh;
    private DateTime? _last;

    private ModbusShopServer(SimulatedShop shop, string bind, int port)
    {
        _shop = shop;
        _server = new ModbusTcpServer(_store, IPAddress.Parse(bind), port);
        Update(DateTime.UtcNow);
    }

    public int Port => _server.Port;

    public ModbusDataStore Store => _store;

    public static ModbusShopServer Start(SimulatedShop shop, string bind, int port)
    {
        var server = new ModbusShopServer(shop, bind, port);
        server._server.Start();
        return server;
    }

    /// <summary>Writes the machines' latest values into the registers (after each simulator step).</summary>
    public void Update(DateTime now)
    {
        var totalKw = 0.0;
        var machines = _shop.Machines;
        for (var i = 0; i < machines.Count; i++)
        {
            var machine = machines[i];
            var execution = Text(machine, "Status/Execution") ?? "STOPPED";
            var state = Array.IndexOf(SimulatedMachine.ExecutionStates, execution);
            var running = execution == "RUNNING";
            var parts = (uint)Number(machine, machine.Kind == "cnc" ? "Program/PartCount" : "Cycle/Counter");
            var main = machine.Kind switch
            {
                "cnc" => Number(machine, "Spindle/Speed"),
                "press" => Number(machine, "Ram/Force"),
                _ => Number(machine, "Mould/Temperature"),
            };
            // A machine draws a standby load, plus its spindle's or its hydraulics' share while it works.
            totalKw += machine.Kind == "cnc" ? 1.5 + (Number(machine, "Spindle/Load") * 0.15) : running ? 18 : 3;

            // PLC (unit 2), holding registers from i * 100, all ABCD: state, parts (uint32), main value (float32),
            // machine name (string of 4 registers); coil i: running; discrete input i: alarm.
            var block = new ushort[9];
            block[0] = (ushort)Math.Max(0, state);
            block[1] = (ushort)(parts >> 16);
            block[2] = (ushort)parts;
            var single = BitConverter.SingleToUInt32Bits((float)main);
            block[3] = (ushort)(single >> 16);
            block[4] = (ushort)single;
            var name = Encoding.ASCII.GetBytes(machine.Name.PadRight(8, '\0')[..8]);
            for (var r = 0; r < 4; r++)
            {
                block[5 + r] = BinaryPrimitives.ReadUInt16BigEndian(name.AsSpan(2 * r));
            }

            _store.SetRegisters(PlcUnit, ModbusTable.HoldingRegister, i * PlcBlock, block);
            _store.SetBits(PlcUnit, ModbusTable.Coil, i, [running]);
            _store.SetBits(PlcUnit, ModbusTable.DiscreteInput, i, [execution == "ALARM"]);
        }

        if (_last is { } last && now > last)
        {
            _energyKwh += totalKw * (now - last).TotalHours;
        }

        _last = now;
        var wave = Math.Sin(now.TimeOfDay.TotalSeconds / 60.0);
        var powerFactor = Math.Clamp(0.80 + (totalKw / (machines.Count * 40.0)), 0.80, 0.97);
        var voltage = 220.0 + (2.0 * wave);
        var current = totalKw * 1000 / (3 * voltage * powerFactor);

        // Power meter (unit 1), input registers, float32 in CDAB (word-swapped, as many meters send them):
        // 0 kW, 2/4/6 voltage L1-N/L2-N/L3-N, 8 current per phase, 10 power factor, 12 frequency, 14 energy kWh;
        // holding 0..1: energy in whole kWh as uint32 ABCD (the total a billing meter shows).
        _store.SetRegisters(MeterUnit, ModbusTable.InputRegister, 0,
        [
            .. Cdab(totalKw), .. Cdab(voltage), .. Cdab(voltage + 0.8), .. Cdab(voltage - 0.6), .. Cdab(current),
            .. Cdab(powerFactor), .. Cdab(60.0 + (0.02 * wave)), .. Cdab(_energyKwh),
        ]);
        var whole = (uint)_energyKwh;
        _store.SetRegisters(MeterUnit, ModbusTable.HoldingRegister, 0, [(ushort)(whole >> 16), (ushort)whole]);
    }

    private static ushort[] Cdab(double value)
    {
        var bits = BitConverter.SingleToUInt32Bits((float)value);
        return [(ushort)bits, (ushort)(bits >> 16)];
    }

    private double Number(SimulatedMachine machine, string path) =>
        Value(machine, path) switch
        {
            double d => d,
            int n => n,
            bool b => b ? 1 : 0,
            _ => 0,
        };

    private string? Text(SimulatedMachine machine, string path) => Value(machine, path) as string;

    private object? Value(SimulatedMachine machine, string path) =>
        _shop.AddressSpace.Find(new NodeId(_shop.NamespaceIndex, $"{machine.Name}/{path}")) is VariableNode node ? node.Value.Value.Value : null;

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
