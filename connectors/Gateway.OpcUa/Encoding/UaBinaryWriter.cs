using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Gateway.OpcUa.Status;

namespace Gateway.OpcUa.Encoding;

/// <summary>Writes the OPC UA Binary encoding (Part 6, 5.2) into an <see cref="IBufferWriter{T}"/>.</summary>
public readonly struct UaBinaryWriter
{
    private readonly IBufferWriter<byte> _output;

    public UaBinaryWriter(IBufferWriter<byte> output) => _output = output;

    public IBufferWriter<byte> Output => _output;

    private Span<byte> Reserve(int count) => _output.GetSpan(count);

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        _output.Advance(bytes.Length);
    }

    public void WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public void WriteSByte(sbyte value) => WriteByte((byte)value);

    public void WriteByte(byte value)
    {
        Reserve(1)[0] = value;
        _output.Advance(1);
    }

    public void WriteInt16(short value)
    {
        BinaryPrimitives.WriteInt16LittleEndian(Reserve(2), value);
        _output.Advance(2);
    }

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);
        _output.Advance(2);
    }

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);
        _output.Advance(4);
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);
        _output.Advance(4);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);
        _output.Advance(8);
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);
        _output.Advance(8);
    }

    public void WriteFloat(float value)
    {
        BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), value);
        _output.Advance(4);
    }

    public void WriteDouble(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), value);
        _output.Advance(8);
    }

    public void WriteDateTime(DateTime value)
    {
        if (value <= DateTime.FromFileTimeUtc(0))
        {
            WriteInt64(0);
        }
        else if (value == DateTime.MaxValue)
        {
            WriteInt64(long.MaxValue);
        }
        else
        {
            WriteInt64(value.ToUniversalTime().ToFileTimeUtc());
        }
    }

    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteInt32(-1);
            return;
        }

        var length = System.Text.Encoding.UTF8.GetByteCount(value);
        WriteInt32(length);
        var span = Reserve(length);
        System.Text.Encoding.UTF8.GetBytes(value, span);
        _output.Advance(length);
    }

    public void WriteByteString(ReadOnlySpan<byte> value, bool isNull = false)
    {
        if (isNull)
        {
            WriteInt32(-1);
            return;
        }

        WriteInt32(value.Length);
        WriteBytes(value);
    }

    public void WriteByteString(byte[]? value)
    {
        if (value is null)
        {
            WriteInt32(-1);
        }
        else
        {
            WriteByteString(value.AsSpan());
        }
    }

    public void WriteGuid(Guid value)
    {
        value.TryWriteBytes(Reserve(16));
        _output.Advance(16);
    }

    public void WriteStatusCode(StatusCode value) => WriteUInt32(value.Code);

    public void WriteEncodeable(IEncodeable value) => value.Encode(this);

    public void WriteArray<T>(IReadOnlyList<T>? values, Action<UaBinaryWriter, T> write)
    {
        if (values is null)
        {
            WriteInt32(-1);
            return;
        }

        WriteInt32(values.Count);
        for (var i = 0; i < values.Count; i++)
        {
            write(this, values[i]);
        }
    }

    public void WriteEncodeableArray<T>(IReadOnlyList<T>? values)
        where T : IEncodeable =>
        WriteArray(values, static (w, v) => v.Encode(w));
}
