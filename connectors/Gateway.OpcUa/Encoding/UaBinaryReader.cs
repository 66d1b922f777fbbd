using System.Buffers.Binary;
using System.Text;
using Gateway.OpcUa.Status;

namespace Gateway.OpcUa.Encoding;

/// <summary>
/// Reads the OPC UA Binary encoding (Part 6, 5.2) from a span. Every read checks the remaining length first; every
/// length and count read off the wire is checked against <see cref="DecodingLimits"/> before anything is allocated.
/// </summary>
public ref struct UaBinaryReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly DecodingLimits _limits;
    private int _position;
    private int _depth;

    public UaBinaryReader(ReadOnlySpan<byte> data, DecodingLimits? limits = null)
    {
        _data = data;
        _limits = limits ?? DecodingLimits.Default;
        _position = 0;
        _depth = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    public readonly DecodingLimits Limits => _limits;

    /// <summary>How many Variant / ExtensionObject / structure levels deep the reader is now.</summary>
    public readonly int Depth => _depth;

    private ReadOnlySpan<byte> Take(int count)
    {
        if ((uint)count > (uint)Remaining)
        {
            throw new UaDecodingException($"message ends early: {count} byte(s) needed at offset {_position}, {Remaining} left");
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    public ReadOnlySpan<byte> ReadBytes(int count) => Take(count);

    public void Skip(int count) => Take(count);

    public bool ReadBoolean() => Take(1)[0] != 0;

    public sbyte ReadSByte() => (sbyte)Take(1)[0];

    public byte ReadByte() => Take(1)[0];

    public short ReadInt16() => BinaryPrimitives.ReadInt16LittleEndian(Take(2));

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public float ReadFloat() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    /// <summary>Part 6, 5.2.2.5: Int64 count of 100 ns intervals since 1601-01-01 UTC; 0 and the maximum mean "no time".</summary>
    public DateTime ReadDateTime()
    {
        var ticks = ReadInt64();
        if (ticks <= 0)
        {
            return DateTime.MinValue;
        }

        const long maxFileTime = 2650467743999999999; // 9999-12-31, the largest DateTime .NET can hold
        return ticks >= maxFileTime ? DateTime.MaxValue : DateTime.FromFileTimeUtc(ticks);
    }

    /// <summary>Part 6, 5.2.2.4: Int32 length (-1 = null), then UTF-8 bytes.</summary>
    public string? ReadString()
    {
        var length = ReadInt32();
        if (length < 0)
        {
            return null;
        }

        if (length > _limits.MaxStringLength)
        {
            throw new UaDecodingException($"string of {length} bytes exceeds the limit of {_limits.MaxStringLength}", StatusCodes.BadEncodingLimitsExceeded);
        }

        return System.Text.Encoding.UTF8.GetString(Take(length));
    }

    public byte[]? ReadByteString()
    {
        var length = ReadInt32();
        if (length < 0)
        {
            return null;
        }

        if (length > _limits.MaxByteStringLength)
        {
            throw new UaDecodingException($"byte string of {length} bytes exceeds the limit of {_limits.MaxByteStringLength}", StatusCodes.BadEncodingLimitsExceeded);
        }

        return Take(length).ToArray();
    }

    /// <summary>Part 6, 5.1.3: a Guid is Data1 (UInt32), Data2, Data3 (UInt16), then 8 bytes, little-endian fields.</summary>
    public Guid ReadGuid() => new(Take(16));

    /// <summary>Reads an array length (-1 = null) and checks it against the limit and against the bytes left.</summary>
    public int ReadArrayLength(int minimumElementSize = 1)
    {
        var length = ReadInt32();
        if (length < 0)
        {
            return -1;
        }

        if (length > _limits.MaxArrayLength)
        {
            throw new UaDecodingException($"array of {length} elements exceeds the limit of {_limits.MaxArrayLength}", StatusCodes.BadEncodingLimitsExceeded);
        }

        if ((long)length * minimumElementSize > Remaining)
        {
            throw new UaDecodingException($"array of {length} elements cannot fit in the {Remaining} bytes left");
        }

        return length;
    }

    public T[]? ReadArray<T>(ElementReader<T> read, int minimumElementSize = 1)
    {
        var length = ReadArrayLength(minimumElementSize);
        if (length < 0)
        {
            return null;
        }

        var result = new T[length];
        for (var i = 0; i < length; i++)
        {
            result[i] = read(ref this);
        }

        return result;
    }

    public delegate T ElementReader<out T>(ref UaBinaryReader reader);

    /// <summary>Enters one level of Variant / ExtensionObject / DiagnosticInfo nesting.</summary>
    public void EnterNested()
    {
        if (++_depth > _limits.MaxNestingDepth)
        {
            throw new UaDecodingException($"nesting deeper than {_limits.MaxNestingDepth}", StatusCodes.BadEncodingLimitsExceeded);
        }
    }

    public void LeaveNested() => _depth--;

    public StatusCode ReadStatusCode() => new(ReadUInt32());

    public T ReadEncodeable<T>()
        where T : IEncodeable, new()
    {
        var value = new T();
        value.Decode(ref this);
        return value;
    }

    public T[]? ReadEncodeableArray<T>()
        where T : IEncodeable, new() =>
        ReadArray(static (ref UaBinaryReader r) => r.ReadEncodeable<T>());
}
