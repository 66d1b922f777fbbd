using System.Buffers.Binary;

namespace Gateway.Modbus;

/// <summary>
/// The protocol data unit of the read functions (Application Protocol v1.1b3, 6.1-6.4 and 7): what is the same over
/// TCP, UDP and a serial line. Every decode checks the length before reading and throws <see cref="ModbusFrameException"/>.
/// </summary>
public static class ModbusPdu
{
    /// <summary>6.1/6.2: at most 2000 coils or discrete inputs per request.</summary>
    public const int MaxBits = 2000;

    /// <summary>6.3/6.4: at most 125 registers per request.</summary>
    public const int MaxRegisters = 125;

    /// <summary>4.1: a PDU is at most 253 bytes (256 of a serial frame less address and CRC).</summary>
    public const int MaxLength = 253;

    public const int ReadRequestLength = 5;

    public static bool IsBitFunction(ModbusFunction function) => function is ModbusFunction.ReadCoils or ModbusFunction.ReadDiscreteInputs;

    /// <summary>The request: function, starting address, quantity, all big-endian (4.2).</summary>
    public static void WriteReadRequest(Span<byte> destination, ModbusFunction function, ushort start, ushort count)
    {
        CheckQuantity(function, start, count);
        destination[0] = (byte)function;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], start);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], count);
    }

    public static void CheckQuantity(ModbusFunction function, int start, int count)
    {
        var max = IsBitFunction(function) ? MaxBits : MaxRegisters;
        if (count < 1 || count > max)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"function {(byte)function} reads 1 to {max} items per request");
        }

        if (start < 0 || start + count > 65536)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, "the addresses must lie within 0..65535");
        }
    }

    /// <summary>The length of a normal answer to a read of <paramref name="count"/> items: function, byte count, data.</summary>
    public static int ResponseLength(ModbusFunction function, int count) => 2 + DataLength(function, count);

    public static int DataLength(ModbusFunction function, int count) => IsBitFunction(function) ? (count + 7) / 8 : count * 2;

    /// <summary>
    /// The data bytes of an answer to a read request (registers big-endian, bits packed LSB first), after checking the
    /// function and byte count against the request. An exception response throws <see cref="ModbusDeviceException"/>.
    /// </summary>
    public static ReadOnlySpan<byte> ReadResponseData(ReadOnlySpan<byte> pdu, ModbusFunction function, ushort count, byte unit)
    {
        if (pdu.Length < 2)
        {
            throw new ModbusFrameException($"a response PDU of {pdu.Length} byte(s) is too short (at least 2)");
        }

        if (pdu[0] == ((byte)function | 0x80))
        {
            // 7: an exception response is the function with its top bit set, and one exception code.
            if (pdu.Length != 2)
            {
                throw new ModbusFrameException($"an exception response has 2 bytes, not {pdu.Length}");
            }

            throw new ModbusDeviceException(function, (ModbusExceptionCode)pdu[1], unit);
        }

        if (pdu[0] != (byte)function)
        {
            throw new ModbusFrameException($"the response is for function {pdu[0]}, the request was function {(byte)function}");
        }

        var expected = DataLength(function, count);
        if (pdu[1] != expected || pdu.Length != 2 + expected)
        {
            throw new ModbusFrameException($"the response to a read of {count} item(s) carries byte count {pdu[1]} in {pdu.Length - 2} data byte(s); expected {expected}");
        }

        return pdu.Slice(2, expected);
    }

    /// <summary>Registers from the data of a register read (each big-endian on the wire, 4.2).</summary>
    public static ushort[] Registers(ReadOnlySpan<byte> data)
    {
        var registers = new ushort[data.Length / 2];
        for (var i = 0; i < registers.Length; i++)
        {
            registers[i] = BinaryPrimitives.ReadUInt16BigEndian(data[(2 * i)..]);
        }

        return registers;
    }

    /// <summary>Bits from the data of a coil or discrete input read: the first item in the LSB of the first byte (6.1).</summary>
    public static bool[] Bits(ReadOnlySpan<byte> data, int count)
    {
        var bits = new bool[count];
        for (var i = 0; i < count; i++)
        {
            bits[i] = (data[i / 8] & (1 << (i % 8))) != 0;
        }

        return bits;
    }

    /// <summary>The server side: the request's function, start and count; null when the function is not one we serve.</summary>
    public static (ModbusFunction Function, ushort Start, ushort Count)? ParseReadRequest(ReadOnlySpan<byte> pdu)
    {
        if (pdu.Length != ReadRequestLength || pdu[0] is < 1 or > 4)
        {
            return null;
        }

        return ((ModbusFunction)pdu[0], BinaryPrimitives.ReadUInt16BigEndian(pdu[1..]), BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]));
    }
}
