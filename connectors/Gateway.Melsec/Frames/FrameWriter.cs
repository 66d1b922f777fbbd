using System.Buffers;
using System.Globalization;
using Gateway.Melsec.Devices;

namespace Gateway.Melsec.Frames;

/// <summary>
/// Writes the fields of an MC frame in its code: binary fields little-endian, ASCII fields as upper-case hexadecimal
/// text with the most significant digit first (a 2-byte field is 4 characters). Device numbers follow the device's
/// base in ASCII (D100 is "000100", W1A is "00001A"). Reused across requests: <see cref="Reset"/> keeps the buffer.
/// </summary>
public sealed class FrameWriter(bool ascii)
{
    private readonly ArrayBufferWriter<byte> _out = new(256);

    public bool Ascii { get; } = ascii;

    public int Length => _out.WrittenCount;

    public ReadOnlyMemory<byte> Written => _out.WrittenMemory;

    public void Reset() => _out.ResetWrittenCount();

    /// <summary>Raw bytes, as they are (subheaders, pre-formatted text).</summary>
    public void Raw(ReadOnlySpan<byte> bytes) => _out.Write(bytes);

    public void Byte(byte value) => Number(value, 1);

    public void UInt16(ushort value) => Number(value, 2);

    public void UInt32(uint value) => Number(value, 4);

    /// <summary>A number of <paramref name="bytes"/> bytes: little-endian in binary, 2 hex characters per byte in ASCII.</summary>
    public void Number(uint value, int bytes)
    {
        if (Ascii)
        {
            Hex(value, bytes * 2);
            return;
        }

        var span = _out.GetSpan(bytes);
        for (var i = 0; i < bytes; i++)
        {
            span[i] = (byte)(value >> (8 * i));
        }

        _out.Advance(bytes);
    }

    /// <summary>3E/4E head device number: 3 bytes (4 with the iQ-R extension); in ASCII 6 (8) characters in the device's base.</summary>
    public void DeviceNumber(DeviceType device, int number, bool extended)
    {
        if (!Ascii)
        {
            Number((uint)number, extended ? 4 : 3);
            return;
        }

        var width = extended ? 8 : 6;
        if (device.HexNumbers)
        {
            Hex((uint)number, width);
        }
        else
        {
            Text(number.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0'));
        }
    }

    /// <summary>3E/4E device code: 1 byte (2 with the extension); in ASCII 2 characters ("D*"), 4 with the extension ("D***").</summary>
    public void DeviceCode(DeviceType device, bool extended)
    {
        if (Ascii)
        {
            Text(extended ? device.ExtendedAsciiCode : device.AsciiCode);
        }
        else
        {
            Number(device.BinaryCode, extended ? 2 : 1);
        }
    }

    public void Text(string text)
    {
        var span = _out.GetSpan(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            span[i] = (byte)text[i];
        }

        _out.Advance(text.Length);
    }

    /// <summary>Overwrites a field written before (the request data length, known only at the end).</summary>
    public void Patch(int position, uint value, int bytes)
    {
        var span = MemoryMarshalSpan().Slice(position);
        if (Ascii)
        {
            for (var i = (bytes * 2) - 1; i >= 0; i--)
            {
                span[i] = HexDigit((int)(value & 0xF));
                value >>= 4;
            }
        }
        else
        {
            for (var i = 0; i < bytes; i++)
            {
                span[i] = (byte)(value >> (8 * i));
            }
        }
    }

    private Span<byte> MemoryMarshalSpan() =>
        System.Runtime.InteropServices.MemoryMarshal.AsMemory(_out.WrittenMemory).Span;

    private void Hex(uint value, int digits)
    {
        var span = _out.GetSpan(digits);
        for (var i = digits - 1; i >= 0; i--)
        {
            span[i] = HexDigit((int)(value & 0xF));
            value >>= 4;
        }

        _out.Advance(digits);
    }

    internal static byte HexDigit(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);
}
