using Gateway.Core;
using Gateway.Melsec.Devices;

namespace Gateway.Connectors.Melsec;

public enum MelsecValueType
{
    Bit,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Float32,
    Float64,
    String,
    Bcd16,
    Bcd32,
}

/// <summary>One tag as the connector reads it: its device, how many words (or one bit) it takes, how to decode them.</summary>
public sealed class MelsecTag
{
    public MelsecTag(SourceTag tag, DeviceAddress device, MelsecValueType type, int words)
    {
        Source = tag;
        Device = device;
        Type = type;
        Words = words;
    }

    public SourceTag Source { get; }

    public DeviceAddress Device { get; }

    public MelsecValueType Type { get; }

    /// <summary>Words the value takes (0 for a bit).</summary>
    public int Words { get; }

    public bool IsBit => Type == MelsecValueType.Bit;

    /// <summary>The tag's device and type from its address; throws FormatException with the reason when it cannot be read.</summary>
    public static MelsecTag From(SourceTag tag, bool octalInputs)
    {
        var address = (MelsecTagAddress)tag.Address;
        var device = DeviceAddress.Parse(address.Device, octalInputs);
        var type = TypeOf(address, device);
        return new MelsecTag(tag, device, type, WordsOf(type, address.Length));
    }

    public static MelsecValueType TypeOf(MelsecTagAddress address, DeviceAddress device)
    {
        if (address.Type is null)
        {
            return device.Device.IsBit ? MelsecValueType.Bit : MelsecValueType.Int16;
        }

        var type = Enum.Parse<MelsecValueType>(address.Type, ignoreCase: true);
        if (type == MelsecValueType.Bit && !device.Device.IsBit)
        {
            throw new FormatException($"{device} is a word device; type bit needs a bit device (M, X, Y, B, L, SM, TS, CS, ...)");
        }

        if (type != MelsecValueType.Bit && device.Device.IsBit)
        {
            throw new FormatException($"{device} is a bit device; read it as type bit, or use a word device (D, W, R, ZR, SD, TN, CN, ...)");
        }

        return type;
    }

    public static int WordsOf(MelsecValueType type, int length) => type switch
    {
        MelsecValueType.Bit => 0,
        MelsecValueType.Int16 or MelsecValueType.UInt16 or MelsecValueType.Bcd16 => 1,
        MelsecValueType.Float64 => 4,
        MelsecValueType.String => length,
        _ => 2,
    };
}

/// <summary>
/// Words to values. MELSEC keeps a 32-bit value in two consecutive devices with the low word at the lower number (D100
/// low, D101 high), a float64 in four, least significant first; a string two characters per word, the first in the
/// low byte; BCD four decimal digits per word.
/// </summary>
public static class MelsecValues
{
    /// <summary>OPC UA status codes the readings carry (Reading.StatusCode), so quality and /status read alike for every source.</summary>
    public const uint Good = 0;
    public const uint BadDataEncodingInvalid = 0x80380000;
    public const uint BadNotReadable = 0x803A0000;
    public const uint BadOutOfRange = 0x803C0000;
    public const uint BadNotConnected = 0x808A0000;
    public const uint BadDeviceFailure = 0x808B0000;
    public const uint BadTimeout = 0x800A0000;

    /// <summary>The value of a word tag from its words; false with a status for a BCD digit above 9.</summary>
    public static (ReadingValue Value, uint Status) Decode(MelsecValueType type, ReadOnlySpan<ushort> words)
    {
        switch (type)
        {
            case MelsecValueType.Int16:
                return (ReadingValue.FromInt64(unchecked((short)words[0])), Good);
            case MelsecValueType.UInt16:
                return (ReadingValue.FromInt64(words[0]), Good);
            case MelsecValueType.Int32:
                return (ReadingValue.FromInt64(DoubleWord(words)), Good);
            case MelsecValueType.UInt32:
                return (ReadingValue.FromInt64(unchecked((uint)DoubleWord(words))), Good);
            case MelsecValueType.Float32:
                return (ReadingValue.FromDouble(BitConverter.Int32BitsToSingle(DoubleWord(words))), Good);
            case MelsecValueType.Float64:
                long bits = 0;
                for (var i = 3; i >= 0; i--)
                {
                    bits = (bits << 16) | words[i];
                }

                return (ReadingValue.FromDouble(BitConverter.Int64BitsToDouble(bits)), Good);
            case MelsecValueType.String:
                var chars = new char[words.Length * 2];
                var count = 0;
                foreach (var word in words)
                {
                    foreach (var b in new[] { (byte)word, (byte)(word >> 8) })
                    {
                        if (b == 0)
                        {
                            return (ReadingValue.FromString(new string(chars, 0, count)), Good);
                        }

                        chars[count++] = (char)b;
                    }
                }

                return (ReadingValue.FromString(new string(chars, 0, count)), Good);
            case MelsecValueType.Bcd16:
                return Bcd(words[..1]);
            case MelsecValueType.Bcd32:
                return Bcd(words[..2]);
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "a bit is not decoded from words");
        }
    }

    private static int DoubleWord(ReadOnlySpan<ushort> words) => words[0] | (words[1] << 16);

    /// <summary>BCD: four digits per word, the low word's digits the lower ones (K8 BCD in D100-D101 reads D101D100).</summary>
    private static (ReadingValue, uint) Bcd(ReadOnlySpan<ushort> words)
    {
        long value = 0;
        for (var w = words.Length - 1; w >= 0; w--)
        {
            for (var shift = 12; shift >= 0; shift -= 4)
            {
                var digit = (words[w] >> shift) & 0xF;
                if (digit > 9)
                {
                    return (ReadingValue.Null, BadDataEncodingInvalid);
                }

                value = (value * 10) + digit;
            }
        }

        return (ReadingValue.FromInt64(value), Good);
    }
}
