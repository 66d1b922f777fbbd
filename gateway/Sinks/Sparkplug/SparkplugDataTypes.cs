using System.Buffers.Binary;
using System.Text;

using Gateway.Core;
using Gateway.Sinks.Sparkplug.Protobuf;

using Google.Protobuf;

namespace Gateway.Sinks.Sparkplug;

/// <summary>
/// How a reading's value becomes a Sparkplug metric value (Sparkplug 3.0, 6.4.16): which datatype a value kind has
/// by default, which datatypes a configured tag may take instead, and how each is written into the metric.
/// </summary>
public static class SparkplugDataTypes
{
    /// <summary>The datatype names as the specification spells them, for `datatypes:` in YAML.</summary>
    public static readonly IReadOnlyDictionary<string, DataType> ByName = Enum.GetValues<DataType>()
        .Where(t => t is not (DataType.Unknown or DataType.DataSet or DataType.Template or DataType.PropertySet or DataType.PropertySetList or DataType.File or DataType.Bytes))
        .ToDictionary(SpecName, t => t, StringComparer.OrdinalIgnoreCase);

    /// <summary>The name the specification gives (UInt8, UUID, DateTimeArray), not the C# member's.</summary>
    public static string SpecName(DataType type) => type switch
    {
        DataType.Uint8 => "UInt8",
        DataType.Uint16 => "UInt16",
        DataType.Uint32 => "UInt32",
        DataType.Uint64 => "UInt64",
        DataType.Uuid => "UUID",
        DataType.Uint8Array => "UInt8Array",
        DataType.Uint16Array => "UInt16Array",
        DataType.Uint32Array => "UInt32Array",
        DataType.Uint64Array => "UInt64Array",
        _ => type.ToString(),
    };

    /// <summary>The datatype of a value kind when the tag has none configured.</summary>
    public static DataType Default(ValueKind kind) => kind switch
    {
        ValueKind.Double => DataType.Double,
        ValueKind.Int64 => DataType.Int64,
        ValueKind.Boolean => DataType.Boolean,
        ValueKind.String => DataType.String,

        // Sparkplug B has no JSON type: a structure or an event travels as its JSON text (6.4.16, Text).
        ValueKind.Json => DataType.Text,
        ValueKind.DoubleArray => DataType.DoubleArray,
        ValueKind.Int64Array => DataType.Int64Array,
        ValueKind.BooleanArray => DataType.BooleanArray,
        ValueKind.StringArray => DataType.StringArray,
        _ => DataType.Unknown,
    };

    /// <summary>Whether a configured datatype can carry a value of this kind (an integer as UInt16, a double as Float...).</summary>
    public static bool Carries(DataType type, ValueKind kind) => kind switch
    {
        ValueKind.Null => true,
        ValueKind.Int64 => type is DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64 or DataType.Uint8 or DataType.Uint16
            or DataType.Uint32 or DataType.Uint64 or DataType.DateTime or DataType.Float or DataType.Double,
        ValueKind.Double => type is DataType.Float or DataType.Double,
        ValueKind.Boolean => type is DataType.Boolean,
        ValueKind.String => type is DataType.String or DataType.Text or DataType.Uuid,
        ValueKind.Json => type is DataType.String or DataType.Text,
        ValueKind.Int64Array => type is DataType.Int8Array or DataType.Int16Array or DataType.Int32Array or DataType.Int64Array or DataType.Uint8Array
            or DataType.Uint16Array or DataType.Uint32Array or DataType.Uint64Array or DataType.DateTimeArray,
        ValueKind.DoubleArray => type is DataType.FloatArray or DataType.DoubleArray,
        ValueKind.BooleanArray => type is DataType.BooleanArray,
        ValueKind.StringArray => type is DataType.StringArray,
        _ => false,
    };

    /// <summary>Writes the value into the metric's value field for the datatype; a null value sets is_null.</summary>
    public static void SetValue(Payload.Types.Metric metric, DataType type, ReadingValue value)
    {
        if (value.IsNull || !Carries(type, value.Kind))
        {
            metric.IsNull = true;
            return;
        }

        switch (type)
        {
            // 6.4.16: signed 8..32-bit values go into the uint32 int_value as their two's complement.
            case DataType.Int8:
                metric.IntValue = unchecked((uint)(sbyte)value.AsInt64());
                break;
            case DataType.Int16:
                metric.IntValue = unchecked((uint)(short)value.AsInt64());
                break;
            case DataType.Int32:
                metric.IntValue = unchecked((uint)(int)value.AsInt64());
                break;
            case DataType.Uint8:
                metric.IntValue = unchecked((byte)value.AsInt64());
                break;
            case DataType.Uint16:
                metric.IntValue = unchecked((ushort)value.AsInt64());
                break;

            // UInt32 in long_value, as Eclipse Tahu and the hosts built on it read it.
            case DataType.Uint32:
                metric.LongValue = unchecked((uint)value.AsInt64());
                break;
            case DataType.Int64:
            case DataType.Uint64:
            case DataType.DateTime:
                metric.LongValue = unchecked((ulong)value.AsInt64());
                break;
            case DataType.Float:
                metric.FloatValue = (float)value.TryGetNumber()!.Value;
                break;
            case DataType.Double:
                metric.DoubleValue = value.TryGetNumber()!.Value;
                break;
            case DataType.Boolean:
                metric.BooleanValue = value.AsBoolean();
                break;
            case DataType.String:
            case DataType.Text:
            case DataType.Uuid:
                metric.StringValue = value.Kind == ValueKind.Json ? value.AsJson() : value.AsString();
                break;
            default:
                metric.BytesValue = UnsafeByteOperations.UnsafeWrap(PackArray(type, value));
                break;
        }
    }

    /// <summary>Sparkplug 3.0, 6.4.17: arrays are little-endian packed into bytes_value.</summary>
    public static byte[] PackArray(DataType type, ReadingValue value)
    {
        switch (type)
        {
            case DataType.Int8Array or DataType.Uint8Array:
                return PackIntegers(value.AsInt64Array(), 1);
            case DataType.Int16Array or DataType.Uint16Array:
                return PackIntegers(value.AsInt64Array(), 2);
            case DataType.Int32Array or DataType.Uint32Array:
                return PackIntegers(value.AsInt64Array(), 4);
            case DataType.Int64Array or DataType.Uint64Array or DataType.DateTimeArray:
                return PackIntegers(value.AsInt64Array(), 8);
            case DataType.FloatArray:
            {
                var values = value.AsDoubleArray();
                var bytes = new byte[values.Length * 4];
                for (var i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), (float)values[i]);
                }

                return bytes;
            }

            case DataType.DoubleArray:
            {
                var values = value.AsDoubleArray();
                var bytes = new byte[values.Length * 8];
                for (var i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * 8), values[i]);
                }

                return bytes;
            }

            case DataType.BooleanArray:
            {
                // A 4-byte little-endian count, then the values one bit each, first value in the highest bit.
                var values = value.AsBooleanArray();
                var bytes = new byte[4 + ((values.Length + 7) / 8)];
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)values.Length);
                for (var i = 0; i < values.Length; i++)
                {
                    if (values[i])
                    {
                        bytes[4 + (i / 8)] |= (byte)(0x80 >> (i % 8));
                    }
                }

                return bytes;
            }

            case DataType.StringArray:
            {
                // UTF-8 strings, each ended by a NUL byte.
                var values = value.AsStringArray();
                var bytes = new byte[values.Sum(v => Encoding.UTF8.GetByteCount(v) + 1)];
                var offset = 0;
                foreach (var text in values)
                {
                    offset += Encoding.UTF8.GetBytes(text, bytes.AsSpan(offset));
                    bytes[offset++] = 0;
                }

                return bytes;
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "not an array datatype");
        }
    }

    private static byte[] PackIntegers(long[] values, int width)
    {
        var bytes = new byte[values.Length * width];
        for (var i = 0; i < values.Length; i++)
        {
            var slot = bytes.AsSpan(i * width, width);
            switch (width)
            {
                case 1:
                    slot[0] = unchecked((byte)values[i]);
                    break;
                case 2:
                    BinaryPrimitives.WriteInt16LittleEndian(slot, unchecked((short)values[i]));
                    break;
                case 4:
                    BinaryPrimitives.WriteInt32LittleEndian(slot, unchecked((int)values[i]));
                    break;
                default:
                    BinaryPrimitives.WriteInt64LittleEndian(slot, values[i]);
                    break;
            }
        }

        return bytes;
    }
}
