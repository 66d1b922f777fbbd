using Gateway.Melsec.Devices;

namespace Gateway.Melsec.Frames;

/// <summary>
/// Reads the fields of an MC frame (binary little-endian, or ASCII hexadecimal text), the one place where bytes are
/// read: every read checks what is left and throws <see cref="McFrameException"/> instead of reading past the end.
/// </summary>
public ref struct FrameReader(ReadOnlySpan<byte> frame, bool ascii)
{
    private readonly ReadOnlySpan<byte> _frame = frame;
    private int _position;

    public readonly bool Ascii { get; } = ascii;

    public readonly int Position => _position;

    public readonly int Remaining => _frame.Length - _position;

    public readonly ReadOnlySpan<byte> Rest => _frame[_position..];

    public byte Byte() => (byte)Number(1);

    public ushort UInt16() => (ushort)Number(2);

    public uint UInt32() => Number(4);

    public uint Number(int bytes)
    {
        if (!Ascii)
        {
            var raw = Take(bytes, "a field");
            uint value = 0;
            for (var i = bytes - 1; i >= 0; i--)
            {
                value = (value << 8) | raw[i];
            }

            return value;
        }

        return Hex(Take(bytes * 2, "a field"));
    }

    public ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count < 0 || count > Remaining)
        {
            throw new McFrameException($"MC frame too short: {what} needs {count} byte(s) at offset {_position}, {Remaining} left");
        }

        var span = _frame.Slice(_position, count);
        _position += count;
        return span;
    }

    public int DeviceNumber(DeviceType device, bool extended)
    {
        if (!Ascii)
        {
            return (int)Number(extended ? 4 : 3);
        }

        var text = Take(extended ? 8 : 6, "a device number");
        if (device.HexNumbers)
        {
            return (int)Hex(text);
        }

        var value = 0;
        foreach (var c in text)
        {
            if (c is < (byte)'0' or > (byte)'9')
            {
                throw new McFrameException($"device number '{System.Text.Encoding.ASCII.GetString(text)}' of {device.Name} is not decimal");
            }

            value = (value * 10) + (c - '0');
        }

        return value;
    }

    /// <summary>The device of a 3E/4E device code field; null when the code is not in the table.</summary>
    public DeviceType? DeviceCode(bool extended)
    {
        if (!Ascii)
        {
            var code = Number(extended ? 2 : 1);
            return code > 0xFF ? null : DeviceTypes.ByBinaryCode((int)code);
        }

        var text = Take(extended ? 4 : 2, "a device code");
        return DeviceTypes.ByAsciiCode(System.Text.Encoding.ASCII.GetString(text));
    }

    public static uint Hex(ReadOnlySpan<byte> text)
    {
        uint value = 0;
        foreach (var c in text)
        {
            var digit = c switch
            {
                >= (byte)'0' and <= (byte)'9' => c - '0',
                >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
                >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
                _ => throw new McFrameException($"character 0x{c:X2} in an ASCII MC frame is not a hexadecimal digit"),
            };
            value = (value << 4) | (uint)digit;
        }

        return value;
    }
}
