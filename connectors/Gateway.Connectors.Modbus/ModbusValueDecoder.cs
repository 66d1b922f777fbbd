using System.Buffers.Binary;
using System.Text;

using Gateway.Core;

namespace Gateway.Connectors.Modbus;

/// <summary>The value types a tag can read, and how many registers each takes.</summary>
public enum ModbusValueType
{
    Bool,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Float32,
    Int64,
    UInt64,
    Float64,
    String,
    Bcd16,
    Bcd32,
}

/// <summary>
/// Where the bytes of a multi-register value are, named by the letters of the value's bytes from most significant (A)
/// as they arrive: ABCD (big-endian, the Modbus norm), CDAB (words swapped, common in PLCs and meters), BADC (bytes
/// swapped inside each register), DCBA (little-endian). For 64-bit values the same two swaps apply to four registers.
/// </summary>
public enum ByteOrder
{
    Abcd,
    Cdab,
    Badc,
    Dcba,
}

/// <summary>Turns the registers read for a tag into its value. Bad data (a BCD nibble above 9) is a <see cref="FormatException"/>.</summary>
public static class ModbusValueDecoder
{
    public static readonly IReadOnlyDictionary<string, ModbusValueType> TypeNames = new Dictionary<string, ModbusValueType>(StringComparer.OrdinalIgnoreCase)
    {
        ["bool"] = ModbusValueType.Bool,
        ["int16"] = ModbusValueType.Int16,
        ["uint16"] = ModbusValueType.UInt16,
        ["int32"] = ModbusValueType.Int32,
        ["uint32"] = ModbusValueType.UInt32,
        ["float32"] = ModbusValueType.Float32,
        ["float"] = ModbusValueType.Float32,
        ["int64"] = ModbusValueType.Int64,
        ["uint64"] = ModbusValueType.UInt64,
        ["float64"] = ModbusValueType.Float64,
        ["double"] = ModbusValueType.Float64,
        ["string"] = ModbusValueType.String,
        ["bcd16"] = ModbusValueType.Bcd16,
        ["bcd"] = ModbusValueType.Bcd16,
        ["bcd32"] = ModbusValueType.Bcd32,
    };

    public static bool TryParseOrder(string text, out ByteOrder order) =>
        Enum.TryParse(text, ignoreCase: true, out order) && Enum.IsDefined(order);

    /// <summary>Registers a value of this type takes; a string takes <paramref name="length"/>.</summary>
    public static int RegistersOf(ModbusValueType type, int length = 1) => type switch
    {
        ModbusValueType.Int32 or ModbusValueType.UInt32 or ModbusValueType.Float32 or ModbusValueType.Bcd32 => 2,
        ModbusValueType.Int64 or ModbusValueType.UInt64 or ModbusValueType.Float64 => 4,
        ModbusValueType.String => length,
        _ => 1,
    };

    /// <summary>The value's bytes, most significant first, from registers as they came off the wire.</summary>
    public static byte[] BytesInOrder(ReadOnlySpan<ushort> registers, ByteOrder order)
    {
        var wordSwap = order is ByteOrder.Cdab or ByteOrder.Dcba;
        var byteSwap = order is ByteOrder.Badc or ByteOrder.Dcba;
        var bytes = new byte[registers.Length * 2];
        for (var i = 0; i < registers.Length; i++)
        {
            var register = registers[wordSwap ? registers.Length - 1 - i : i];
            bytes[2 * i] = (byte)(byteSwap ? register : register >> 8);
            bytes[(2 * i) + 1] = (byte)(byteSwap ? register >> 8 : register);
        }

        return bytes;
    }

    /// <summary>
    /// The value of a tag from its registers. <paramref name="bit"/>: bit N (0 = least significant) of the first
    /// register, as bool. A string takes the bytes in order (ABCD/CDAB: high byte first; BADC/DCBA: low byte first) and
    /// ends at the first NUL; trailing spaces are trimmed.
    /// </summary>
    public static ReadingValue Decode(ReadOnlySpan<ushort> registers, ModbusValueType type, ByteOrder order, int? bit = null)
    {
        if (bit is { } n)
        {
            var word = RegistersOf(type) == 1 ? BinaryPrimitives.ReadUInt16BigEndian(BytesInOrder(registers[..1], order)) : registers[0];
            return ReadingValue.FromBoolean(((word >> n) & 1) != 0);
        }

        if (type == ModbusValueType.String)
        {
            // The word order does not apply to text: registers stay in address order, only the bytes inside may swap.
            var text = BytesInOrder(registers, order is ByteOrder.Badc or ByteOrder.Dcba ? ByteOrder.Badc : ByteOrder.Abcd);
            var end = Array.IndexOf(text, (byte)0);
            return ReadingValue.FromString(Encoding.ASCII.GetString(text, 0, end < 0 ? text.Length : end).TrimEnd(' '));
        }

        var bytes = BytesInOrder(registers[..RegistersOf(type)], order);
        return type switch
        {
            ModbusValueType.Bool => ReadingValue.FromBoolean(BinaryPrimitives.ReadUInt16BigEndian(bytes) != 0),
            ModbusValueType.Int16 => ReadingValue.FromInt64(BinaryPrimitives.ReadInt16BigEndian(bytes)),
            ModbusValueType.UInt16 => ReadingValue.FromInt64(BinaryPrimitives.ReadUInt16BigEndian(bytes)),
            ModbusValueType.Int32 => ReadingValue.FromInt64(BinaryPrimitives.ReadInt32BigEndian(bytes)),
            ModbusValueType.UInt32 => ReadingValue.FromInt64(BinaryPrimitives.ReadUInt32BigEndian(bytes)),
            ModbusValueType.Float32 => ReadingValue.FromDouble(BinaryPrimitives.ReadSingleBigEndian(bytes)),
            ModbusValueType.Int64 => ReadingValue.FromInt64(BinaryPrimitives.ReadInt64BigEndian(bytes)),
            // A reading holds a signed 64-bit integer: beyond long.MaxValue the value goes as a double (the magnitude
            // kept, the last digits rounded) rather than wrapping to a negative number.
            ModbusValueType.UInt64 => BinaryPrimitives.ReadUInt64BigEndian(bytes) is var u and <= long.MaxValue
                ? ReadingValue.FromInt64((long)u)
                : ReadingValue.FromDouble(BinaryPrimitives.ReadUInt64BigEndian(bytes)),
            ModbusValueType.Float64 => ReadingValue.FromDouble(BinaryPrimitives.ReadDoubleBigEndian(bytes)),
            ModbusValueType.Bcd16 or ModbusValueType.Bcd32 => ReadingValue.FromInt64(Bcd(bytes)),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
        };
    }

    /// <summary>Packed BCD: two decimal digits per byte, most significant first.</summary>
    private static long Bcd(ReadOnlySpan<byte> bytes)
    {
        long value = 0;
        foreach (var b in bytes)
        {
            int high = b >> 4, low = b & 0x0F;
            if (high > 9 || low > 9)
            {
                throw new FormatException($"0x{b:X2} is not a BCD byte (each half must be 0-9)");
            }

            value = (value * 100) + (high * 10) + low;
        }

        return value;
    }
}
