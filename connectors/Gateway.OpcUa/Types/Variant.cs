using System.Globalization;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Status;

namespace Gateway.OpcUa.Types;

/// <summary>The built-in types (Part 6, 5.1.2), numbered as on the wire.</summary>
public enum BuiltInType : byte
{
    Null = 0,
    Boolean = 1,
    SByte = 2,
    Byte = 3,
    Int16 = 4,
    UInt16 = 5,
    Int32 = 6,
    UInt32 = 7,
    Int64 = 8,
    UInt64 = 9,
    Float = 10,
    Double = 11,
    String = 12,
    DateTime = 13,
    Guid = 14,
    ByteString = 15,
    XmlElement = 16,
    NodeId = 17,
    ExpandedNodeId = 18,
    StatusCode = 19,
    QualifiedName = 20,
    LocalizedText = 21,
    ExtensionObject = 22,
    DataValue = 23,
    Variant = 24,
    DiagnosticInfo = 25,
}

/// <summary>
/// A value of any built-in type, scalar or array (with dimensions for matrices). Numeric scalars are held unboxed, so
/// decoding a Double allocates nothing.
/// </summary>
public readonly struct Variant
{
    private readonly long _bits;
    private readonly object? _reference;

    private Variant(BuiltInType type, long bits, object? reference, bool isArray, int[]? dimensions)
    {
        Type = type;
        _bits = bits;
        _reference = reference;
        IsArray = isArray;
        Dimensions = dimensions;
    }

    public static Variant Null => default;

    public BuiltInType Type { get; }

    public bool IsArray { get; }

    /// <summary>For a matrix: the length of each dimension; the array holds the elements flattened, last index fastest.</summary>
    public int[]? Dimensions { get; }

    public bool IsNull => Type == BuiltInType.Null;

    /// <summary>A value of a reference type (String, ByteString, DiagnosticInfo ...) that was null on the wire.</summary>
    internal bool IsNullReference => !IsArray && _reference is null && Type is BuiltInType.String or (>= BuiltInType.Guid and not BuiltInType.StatusCode);

    public static Variant From(bool value) => new(BuiltInType.Boolean, value ? 1 : 0, null, false, null);

    public static Variant From(sbyte value) => new(BuiltInType.SByte, value, null, false, null);

    public static Variant From(byte value) => new(BuiltInType.Byte, value, null, false, null);

    public static Variant From(short value) => new(BuiltInType.Int16, value, null, false, null);

    public static Variant From(ushort value) => new(BuiltInType.UInt16, value, null, false, null);

    public static Variant From(int value) => new(BuiltInType.Int32, value, null, false, null);

    public static Variant From(uint value) => new(BuiltInType.UInt32, value, null, false, null);

    public static Variant From(long value) => new(BuiltInType.Int64, value, null, false, null);

    public static Variant From(ulong value) => new(BuiltInType.UInt64, unchecked((long)value), null, false, null);

    public static Variant From(float value) => new(BuiltInType.Float, BitConverter.SingleToInt32Bits(value), null, false, null);

    public static Variant From(double value) => new(BuiltInType.Double, BitConverter.DoubleToInt64Bits(value), null, false, null);

    public static Variant From(DateTime value) => new(BuiltInType.DateTime, value.ToUniversalTime().Ticks, null, false, null);

    public static Variant From(StatusCode value) => new(BuiltInType.StatusCode, value.Code, null, false, null);

    public static Variant From(string? value) => value is null ? Null : new(BuiltInType.String, 0, value, false, null);

    /// <summary>A scalar of a reference type (Guid, ByteString, NodeId, QualifiedName, LocalizedText, ExtensionObject...).</summary>
    public static Variant FromObject(BuiltInType type, object value) => new(type, 0, value, false, null);

    /// <summary>An array: <paramref name="elements"/> is the typed .NET array (double[], string[], Variant[] ...).</summary>
    public static Variant FromArray(BuiltInType type, Array elements, int[]? dimensions = null) => new(type, 0, elements, true, dimensions);

    /// <summary>The value as an object: a boxed scalar, a typed array, or null.</summary>
    public object? Value => IsArray ? _reference : Type switch
    {
        BuiltInType.Null => null,
        BuiltInType.Boolean => _bits != 0,
        BuiltInType.SByte => (sbyte)_bits,
        BuiltInType.Byte => (byte)_bits,
        BuiltInType.Int16 => (short)_bits,
        BuiltInType.UInt16 => (ushort)_bits,
        BuiltInType.Int32 => (int)_bits,
        BuiltInType.UInt32 => (uint)_bits,
        BuiltInType.Int64 => _bits,
        BuiltInType.UInt64 => unchecked((ulong)_bits),
        BuiltInType.Float => BitConverter.Int32BitsToSingle((int)_bits),
        BuiltInType.Double => BitConverter.Int64BitsToDouble(_bits),
        BuiltInType.DateTime => new DateTime(_bits, DateTimeKind.Utc),
        BuiltInType.StatusCode => new StatusCode((uint)_bits),
        _ => _reference,
    };

    /// <summary>A numeric or boolean scalar as a double without boxing; false for anything else.</summary>
    public bool TryGetDouble(out double value)
    {
        value = Type switch
        {
            BuiltInType.Double when !IsArray => BitConverter.Int64BitsToDouble(_bits),
            BuiltInType.Float when !IsArray => BitConverter.Int32BitsToSingle((int)_bits),
            BuiltInType.UInt64 when !IsArray => unchecked((ulong)_bits),
            BuiltInType.Boolean or BuiltInType.SByte or BuiltInType.Byte or BuiltInType.Int16 or BuiltInType.UInt16
                or BuiltInType.Int32 or BuiltInType.UInt32 or BuiltInType.Int64 when !IsArray => _bits,
            _ => double.NaN,
        };
        return !IsArray && Type is >= BuiltInType.Boolean and <= BuiltInType.Double;
    }

    /// <summary>An integer scalar (Boolean … Int64, UInt64 when it fits) as a long without boxing.</summary>
    public bool TryGetInt64(out long value)
    {
        value = _bits;
        return !IsArray && (Type is >= BuiltInType.Boolean and <= BuiltInType.Int64 || (Type == BuiltInType.UInt64 && _bits >= 0));
    }

    public void Encode(UaBinaryWriter writer)
    {
        if (Type == BuiltInType.Null)
        {
            writer.WriteByte(0);
            return;
        }

        var mask = (byte)Type;
        if (IsArray)
        {
            mask |= 0x80;
            if (Dimensions is not null)
            {
                mask |= 0x40;
            }
        }

        writer.WriteByte(mask);
        if (!IsArray)
        {
            EncodeScalar(writer);
            return;
        }

        var array = (Array)_reference!;
        writer.WriteInt32(array.Length);
        EncodeElements(writer, array);
        if (Dimensions is not null)
        {
            writer.WriteArray(Dimensions, static (w, d) => w.WriteInt32(d));
        }
    }

    private void EncodeScalar(UaBinaryWriter writer)
    {
        switch (Type)
        {
            case BuiltInType.Boolean: writer.WriteBoolean(_bits != 0); break;
            case BuiltInType.SByte: writer.WriteSByte((sbyte)_bits); break;
            case BuiltInType.Byte: writer.WriteByte((byte)_bits); break;
            case BuiltInType.Int16: writer.WriteInt16((short)_bits); break;
            case BuiltInType.UInt16: writer.WriteUInt16((ushort)_bits); break;
            case BuiltInType.Int32: writer.WriteInt32((int)_bits); break;
            case BuiltInType.UInt32: writer.WriteUInt32((uint)_bits); break;
            case BuiltInType.Int64: writer.WriteInt64(_bits); break;
            case BuiltInType.UInt64: writer.WriteUInt64(unchecked((ulong)_bits)); break;
            case BuiltInType.Float: writer.WriteFloat(BitConverter.Int32BitsToSingle((int)_bits)); break;
            case BuiltInType.Double: writer.WriteDouble(BitConverter.Int64BitsToDouble(_bits)); break;
            case BuiltInType.DateTime: writer.WriteDateTime(new DateTime(_bits, DateTimeKind.Utc)); break;
            case BuiltInType.StatusCode: writer.WriteUInt32((uint)_bits); break;
            default: EncodeReference(writer, Type, _reference); break;
        }
    }

    private static void EncodeReference(UaBinaryWriter writer, BuiltInType type, object? value)
    {
        switch (type)
        {
            case BuiltInType.String: writer.WriteString((string?)value); break;
            case BuiltInType.XmlElement: writer.WriteString((string?)value); break;
            case BuiltInType.Guid: writer.WriteGuid((Guid)value!); break;
            case BuiltInType.ByteString: writer.WriteByteString((byte[]?)value); break;
            case BuiltInType.NodeId: writer.WriteNodeId((NodeId)value!); break;
            case BuiltInType.ExpandedNodeId: writer.WriteExpandedNodeId((ExpandedNodeId)value!); break;
            case BuiltInType.QualifiedName: writer.WriteQualifiedName((QualifiedName)value!); break;
            case BuiltInType.LocalizedText: writer.WriteLocalizedText((LocalizedText)value!); break;
            case BuiltInType.ExtensionObject: writer.WriteExtensionObject((ExtensionObject)value!); break;
            case BuiltInType.DataValue: writer.WriteDataValue((DataValue)value!); break;
            case BuiltInType.Variant: writer.WriteVariant((Variant)value!); break;
            case BuiltInType.DiagnosticInfo: DiagnosticInfo.Encode(writer, (DiagnosticInfo?)value); break;
            default: throw new InvalidOperationException($"cannot encode {type}");
        }
    }

    private static void EncodeElements(UaBinaryWriter writer, Array array)
    {
        switch (array)
        {
            case bool[] a: foreach (var v in a) { writer.WriteBoolean(v); } break;
            case sbyte[] a: foreach (var v in a) { writer.WriteSByte(v); } break;
            case byte[] a: writer.WriteBytes(a); break;
            case short[] a: foreach (var v in a) { writer.WriteInt16(v); } break;
            case ushort[] a: foreach (var v in a) { writer.WriteUInt16(v); } break;
            case int[] a: foreach (var v in a) { writer.WriteInt32(v); } break;
            case uint[] a: foreach (var v in a) { writer.WriteUInt32(v); } break;
            case long[] a: foreach (var v in a) { writer.WriteInt64(v); } break;
            case ulong[] a: foreach (var v in a) { writer.WriteUInt64(v); } break;
            case float[] a: foreach (var v in a) { writer.WriteFloat(v); } break;
            case double[] a: foreach (var v in a) { writer.WriteDouble(v); } break;
            case DateTime[] a: foreach (var v in a) { writer.WriteDateTime(v); } break;
            case StatusCode[] a: foreach (var v in a) { writer.WriteUInt32(v.Code); } break;
            default:
                var type = ElementType(array);
                foreach (var v in array)
                {
                    EncodeReference(writer, type, v);
                }

                break;
        }
    }

    private static BuiltInType ElementType(Array array) => array switch
    {
        string[] => BuiltInType.String,
        Guid[] => BuiltInType.Guid,
        byte[][] => BuiltInType.ByteString,
        NodeId[] => BuiltInType.NodeId,
        ExpandedNodeId[] => BuiltInType.ExpandedNodeId,
        QualifiedName[] => BuiltInType.QualifiedName,
        LocalizedText[] => BuiltInType.LocalizedText,
        ExtensionObject[] => BuiltInType.ExtensionObject,
        DataValue[] => BuiltInType.DataValue,
        Variant[] => BuiltInType.Variant,
        DiagnosticInfo[] => BuiltInType.DiagnosticInfo,
        _ => throw new InvalidOperationException($"no built-in type for {array.GetType()}"),
    };

    public static Variant Decode(ref UaBinaryReader reader)
    {
        var mask = reader.ReadByte();
        var type = (BuiltInType)(mask & 0x3F);
        if (type > BuiltInType.DiagnosticInfo)
        {
            throw new UaDecodingException($"unknown Variant type {mask & 0x3F}");
        }

        if ((mask & 0x80) == 0)
        {
            return type == BuiltInType.Null ? Null : DecodeScalar(ref reader, type);
        }

        reader.EnterNested();
        try
        {
            var length = reader.ReadArrayLength(MinimumSize(type));
            var array = DecodeElements(ref reader, type, Math.Max(length, 0));
            int[]? dimensions = null;
            if ((mask & 0x40) != 0)
            {
                dimensions = reader.ReadArray(static (ref UaBinaryReader r) => r.ReadInt32(), 4) ?? [];
                long product = 1;
                foreach (var d in dimensions)
                {
                    if (d < 0)
                    {
                        throw new UaDecodingException("negative array dimension");
                    }

                    product *= d;
                }

                if (product != array.Length)
                {
                    throw new UaDecodingException($"array dimensions [{string.Join(",", dimensions)}] do not match {array.Length} elements");
                }
            }

            return new Variant(type, 0, array, true, dimensions);
        }
        finally
        {
            reader.LeaveNested();
        }
    }

    private static int MinimumSize(BuiltInType type) => type switch
    {
        BuiltInType.Boolean or BuiltInType.SByte or BuiltInType.Byte => 1,
        BuiltInType.Int16 or BuiltInType.UInt16 => 2,
        BuiltInType.Int32 or BuiltInType.UInt32 or BuiltInType.Float or BuiltInType.StatusCode => 4,
        BuiltInType.Int64 or BuiltInType.UInt64 or BuiltInType.Double or BuiltInType.DateTime => 8,
        BuiltInType.Guid => 16,
        BuiltInType.String or BuiltInType.ByteString or BuiltInType.XmlElement => 4,
        BuiltInType.NodeId or BuiltInType.ExpandedNodeId => 2,
        BuiltInType.QualifiedName => 6,
        _ => 1,
    };

    private static Variant DecodeScalar(ref UaBinaryReader reader, BuiltInType type)
    {
        if (type is (>= BuiltInType.Boolean and <= BuiltInType.DateTime) or BuiltInType.XmlElement or BuiltInType.StatusCode)
        {
            return DecodeValue(ref reader, type);
        }

        // Inside a Variant, a value made of other values (a NodeId, a DataValue, a Variant ...) counts as one level deeper.
        reader.EnterNested();
        try
        {
            return DecodeValue(ref reader, type);
        }
        finally
        {
            reader.LeaveNested();
        }
    }

    /// <summary>
    /// One value of a built-in type as it stands on the wire, without a Variant's encoding mask (Part 6, 5.2.2): the one
    /// reader of built-in values, for a Variant's body and for the fields of a structure (<c>StructureDecoder</c>).
    /// </summary>
    internal static Variant DecodeValue(ref UaBinaryReader reader, BuiltInType type) => type switch
    {
        BuiltInType.Boolean => From(reader.ReadBoolean()),
        BuiltInType.SByte => From(reader.ReadSByte()),
        BuiltInType.Byte => From(reader.ReadByte()),
        BuiltInType.Int16 => From(reader.ReadInt16()),
        BuiltInType.UInt16 => From(reader.ReadUInt16()),
        BuiltInType.Int32 => From(reader.ReadInt32()),
        BuiltInType.UInt32 => From(reader.ReadUInt32()),
        BuiltInType.Int64 => From(reader.ReadInt64()),
        BuiltInType.UInt64 => From(reader.ReadUInt64()),
        BuiltInType.Float => From(reader.ReadFloat()),
        BuiltInType.Double => From(reader.ReadDouble()),
        BuiltInType.DateTime => From(reader.ReadDateTime()),
        BuiltInType.StatusCode => From(reader.ReadStatusCode()),
        _ => new Variant(type, 0, DecodeReference(ref reader, type), false, null),
    };

    private static object? DecodeReference(ref UaBinaryReader reader, BuiltInType type) => type switch
    {
        BuiltInType.String or BuiltInType.XmlElement => reader.ReadString(),
        BuiltInType.Guid => reader.ReadGuid(),
        BuiltInType.ByteString => reader.ReadByteString(),
        BuiltInType.NodeId => reader.ReadNodeId(),
        BuiltInType.ExpandedNodeId => reader.ReadExpandedNodeId(),
        BuiltInType.QualifiedName => reader.ReadQualifiedName(),
        BuiltInType.LocalizedText => reader.ReadLocalizedText(),
        BuiltInType.ExtensionObject => reader.ReadExtensionObject(),
        BuiltInType.DataValue => reader.ReadDataValue(),
        BuiltInType.Variant => reader.ReadVariant(),
        BuiltInType.DiagnosticInfo => reader.ReadDiagnosticInfo(),
        _ => throw new UaDecodingException($"unexpected type {type}"),
    };

    /// <summary><paramref name="length"/> elements of a built-in type, as the typed .NET array a Variant holds (double[], string[], NodeId[] ...).</summary>
    internal static Array DecodeElements(ref UaBinaryReader reader, BuiltInType type, int length)
    {
        switch (type)
        {
            case BuiltInType.Boolean: { var a = new bool[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadBoolean(); } return a; }
            case BuiltInType.SByte: { var a = new sbyte[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadSByte(); } return a; }
            case BuiltInType.Byte: return reader.ReadBytes(length).ToArray();
            case BuiltInType.Int16: { var a = new short[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadInt16(); } return a; }
            case BuiltInType.UInt16: { var a = new ushort[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadUInt16(); } return a; }
            case BuiltInType.Int32: { var a = new int[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadInt32(); } return a; }
            case BuiltInType.UInt32: { var a = new uint[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadUInt32(); } return a; }
            case BuiltInType.Int64: { var a = new long[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadInt64(); } return a; }
            case BuiltInType.UInt64: { var a = new ulong[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadUInt64(); } return a; }
            case BuiltInType.Float: { var a = new float[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadFloat(); } return a; }
            case BuiltInType.Double: { var a = new double[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadDouble(); } return a; }
            case BuiltInType.DateTime: { var a = new DateTime[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadDateTime(); } return a; }
            case BuiltInType.StatusCode: { var a = new StatusCode[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadStatusCode(); } return a; }
            case BuiltInType.String or BuiltInType.XmlElement: { var a = new string?[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadString(); } return a; }
            case BuiltInType.Guid: { var a = new Guid[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadGuid(); } return a; }
            case BuiltInType.ByteString: { var a = new byte[]?[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadByteString(); } return a; }
            case BuiltInType.NodeId: { var a = new NodeId[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadNodeId(); } return a; }
            case BuiltInType.ExpandedNodeId: { var a = new ExpandedNodeId[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadExpandedNodeId(); } return a; }
            case BuiltInType.QualifiedName: { var a = new QualifiedName[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadQualifiedName(); } return a; }
            case BuiltInType.LocalizedText: { var a = new LocalizedText[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadLocalizedText(); } return a; }
            case BuiltInType.ExtensionObject: { var a = new ExtensionObject[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadExtensionObject(); } return a; }
            case BuiltInType.DataValue: { var a = new DataValue[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadDataValue(); } return a; }
            case BuiltInType.Variant: { var a = new Variant[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadVariant(); } return a; }
            case BuiltInType.DiagnosticInfo: { var a = new DiagnosticInfo?[length]; for (var i = 0; i < length; i++) { a[i] = reader.ReadDiagnosticInfo(); } return a; }
            default: throw new UaDecodingException($"arrays of {type} are not allowed");
        }
    }

    public override string ToString()
    {
        if (IsNull)
        {
            return "null";
        }

        if (IsArray)
        {
            var array = (Array)_reference!;
            var shown = array.Cast<object?>().Take(8).Select(v => Convert.ToString(v, CultureInfo.InvariantCulture));
            return $"{Type}[{array.Length}] {{{string.Join(", ", shown)}{(array.Length > 8 ? ", ..." : "")}}}";
        }

        return Convert.ToString(Value, CultureInfo.InvariantCulture) ?? "null";
    }
}
