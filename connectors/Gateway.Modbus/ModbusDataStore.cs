namespace Gateway.Modbus;

/// <summary>The four tables of the Modbus data model (Application Protocol 4.3).</summary>
public enum ModbusTable
{
    Coil,
    DiscreteInput,
    InputRegister,
    HoldingRegister,
}

/// <summary>
/// What a server serves: per unit id, the addresses that exist in each table and their values. Reading an address that
/// was never defined answers ILLEGAL DATA ADDRESS, as a real device does. Thread-safe.
/// </summary>
public sealed class ModbusDataStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(byte Unit, ModbusTable Table), Dictionary<int, ushort>> _tables = [];

    public IReadOnlyCollection<byte> Units
    {
        get
        {
            lock (_lock)
            {
                return _tables.Keys.Select(k => k.Unit).Distinct().ToList();
            }
        }
    }

    public void SetRegisters(byte unit, ModbusTable table, int start, ReadOnlySpan<ushort> values)
    {
        lock (_lock)
        {
            var cells = Cells(unit, table);
            for (var i = 0; i < values.Length; i++)
            {
                cells[start + i] = values[i];
            }
        }
    }

    public void SetBits(byte unit, ModbusTable table, int start, ReadOnlySpan<bool> values)
    {
        lock (_lock)
        {
            var cells = Cells(unit, table);
            for (var i = 0; i < values.Length; i++)
            {
                cells[start + i] = values[i] ? (ushort)1 : (ushort)0;
            }
        }
    }

    /// <summary>The response PDU to a read request PDU, exception responses included.</summary>
    public byte[] Answer(byte unit, ReadOnlySpan<byte> requestPdu)
    {
        if (requestPdu.IsEmpty)
        {
            return [0x80, (byte)ModbusExceptionCode.IllegalFunction];
        }

        if (ModbusPdu.ParseReadRequest(requestPdu) is not { } request)
        {
            return [(byte)(requestPdu[0] | 0x80), (byte)ModbusExceptionCode.IllegalFunction];
        }

        var (function, start, count) = request;
        var exception = (byte)((byte)function | 0x80);
        var max = ModbusPdu.IsBitFunction(function) ? ModbusPdu.MaxBits : ModbusPdu.MaxRegisters;
        if (count < 1 || count > max)
        {
            return [exception, (byte)ModbusExceptionCode.IllegalDataValue];
        }

        var table = function switch
        {
            ModbusFunction.ReadCoils => ModbusTable.Coil,
            ModbusFunction.ReadDiscreteInputs => ModbusTable.DiscreteInput,
            ModbusFunction.ReadInputRegisters => ModbusTable.InputRegister,
            _ => ModbusTable.HoldingRegister,
        };
        var data = new byte[ModbusPdu.DataLength(function, count)];
        lock (_lock)
        {
            if (!_tables.TryGetValue((unit, table), out var cells))
            {
                return [exception, (byte)ModbusExceptionCode.IllegalDataAddress];
            }

            for (var i = 0; i < count; i++)
            {
                if (!cells.TryGetValue(start + i, out var value))
                {
                    return [exception, (byte)ModbusExceptionCode.IllegalDataAddress];
                }

                if (ModbusPdu.IsBitFunction(function))
                {
                    data[i / 8] |= (byte)(value != 0 ? 1 << (i % 8) : 0);
                }
                else
                {
                    data[2 * i] = (byte)(value >> 8);
                    data[(2 * i) + 1] = (byte)value;
                }
            }
        }

        var pdu = new byte[2 + data.Length];
        pdu[0] = (byte)function;
        pdu[1] = (byte)data.Length;
        data.CopyTo(pdu, 2);
        return pdu;
    }

    /// <summary>Whether any table of the unit is defined (a server answers GATEWAY TARGET for the others).</summary>
    public bool HasUnit(byte unit)
    {
        lock (_lock)
        {
            return _tables.Keys.Any(k => k.Unit == unit);
        }
    }

    private Dictionary<int, ushort> Cells(byte unit, ModbusTable table)
    {
        if (!_tables.TryGetValue((unit, table), out var cells))
        {
            cells = [];
            _tables[(unit, table)] = cells;
        }

        return cells;
    }
}
