using System.Buffers.Binary;
using System.Text;

namespace Gateway.Buffer.Storage;

/// <summary>A growable byte array the encoder writes into; reused between commits so appends do not allocate.</summary>
internal sealed class ByteBuffer
{
    private byte[] _data;

    public ByteBuffer(int capacity = 64 * 1024) => _data = new byte[capacity];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _data.AsSpan(0, Length);

    public ReadOnlyMemory<byte> WrittenMemory => _data.AsMemory(0, Length);

    public Span<byte> WrittenSpan(int start, int length) => _data.AsSpan(start, length);

    public void Clear() => Length = 0;

    /// <summary>Forgets everything written after <paramref name="length"/> (a record that failed to encode).</summary>
    public void Truncate(int length) => Length = Math.Min(Length, length);

    public Span<byte> Reserve(int size)
    {
        if (Length + size > _data.Length)
        {
            Array.Resize(ref _data, Math.Max(_data.Length * 2, Length + size));
        }

        var span = _data.AsSpan(Length, size);
        Length += size;
        return span;
    }

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

    public void WriteDouble(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), value);

    public void WriteVarUInt(ulong value)
    {
        var span = Reserve(10);
        var n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[n++] = (byte)value;
        Length -= 10 - n;
    }

    public void WriteVarInt(long value) => WriteVarUInt((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Length + 1 as a varint (0 = null), then UTF-8.</summary>
    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteByte(0);
            return;
        }

        var count = Encoding.UTF8.GetByteCount(value);
        WriteVarUInt((ulong)count + 1);
        Encoding.UTF8.GetBytes(value, Reserve(count));
    }
}
