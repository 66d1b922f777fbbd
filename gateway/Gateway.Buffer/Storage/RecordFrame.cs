using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Gateway.Buffer.Storage;

/// <summary>
/// How one record sits in a segment file:
/// <c>magic u16 | payload length u32 | CRC32C u32 over (length, payload) | payload</c>, little-endian.
/// The magic lets a reader find the next record after a damaged one; the CRC tells a torn or flipped record.
/// </summary>
internal static class RecordFrame
{
    public const ushort Magic = 0xB5F1;
    public const int HeaderSize = 10;

    /// <summary>No reading encodes anywhere near this; a larger length is damage, not data.</summary>
    public const int MaxPayloadLength = 16 * 1024 * 1024;

    public static void WriteHeader(Span<byte> header, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header[2..], payload.Length);
        var crc = Crc32C.Append(Crc32C.Append(0, header.Slice(2, 4)), payload);
        BinaryPrimitives.WriteUInt32LittleEndian(header[6..], crc);
    }

    /// <summary>
    /// Checks the frame that starts at <paramref name="data"/>[0]. <see cref="FrameCheck.Incomplete"/> means
    /// the bytes end inside the frame (wait for more, or a torn tail at the end of a sealed file).
    /// </summary>
    public static FrameCheck Check(ReadOnlySpan<byte> data, out int payloadLength)
    {
        payloadLength = 0;
        if (data.Length < 2)
        {
            return FrameCheck.Incomplete;
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(data) != Magic)
        {
            return FrameCheck.Damaged;
        }

        if (data.Length < HeaderSize)
        {
            return FrameCheck.Incomplete;
        }

        payloadLength = BinaryPrimitives.ReadInt32LittleEndian(data[2..]);
        if (payloadLength <= 0 || payloadLength > MaxPayloadLength)
        {
            return FrameCheck.Damaged;
        }

        if (data.Length < HeaderSize + payloadLength)
        {
            return FrameCheck.Incomplete;
        }

        var expected = BinaryPrimitives.ReadUInt32LittleEndian(data[6..]);
        var actual = Crc32C.Append(Crc32C.Append(0, data.Slice(2, 4)), data.Slice(HeaderSize, payloadLength));
        return expected == actual ? FrameCheck.Valid : FrameCheck.Damaged;
    }
}

internal enum FrameCheck
{
    Valid,
    Incomplete,
    Damaged,
}

/// <summary>CRC-32C (Castagnoli) with the CPU's CRC instruction where there is one (SSE4.2, ARMv8).</summary>
internal static class Crc32C
{
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        crc = ~crc;
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var word in words)
        {
            crc = BitOperations.Crc32C(crc, BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word));
        }

        foreach (var b in data[(words.Length * sizeof(ulong))..])
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}
