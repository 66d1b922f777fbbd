using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Client.DataTypes;

/// <summary>
/// One decoded field. <see cref="Value"/> is a <see cref="Variant"/> (built-in scalar or array), a
/// <see cref="StructureValue"/>, a <see cref="StructureValue"/>[] (array of structures), an <see cref="EnumValue"/>
/// or <see cref="EnumValue"/>[], or null (a union with no field chosen).
/// </summary>
public readonly record struct StructureFieldValue(string Name, object? Value, int[]? Dimensions = null);

/// <summary>An enumeration value with its name from the EnumDefinition (null when the server sent a value it does not define).</summary>
public readonly record struct EnumValue(int Value, string? Name)
{
    public override string ToString() => Name ?? Value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A structure decoded at run time: its type and the fields present, in wire order (absent optional fields left out).</summary>
public sealed class StructureValue(StructureLayout layout, StructureFieldValue[] fields)
{
    public StructureLayout Layout { get; } = layout;

    public IReadOnlyList<StructureFieldValue> Fields { get; } = fields;

    public object? this[string name] => Fields.FirstOrDefault(f => f.Name == name).Value;

    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The structure as one JSON object: `{"Number":7,"Life":{"Used":1.5,"Limit":20},"WearHistory":[0.1,0.2]}`.</summary>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            WriteJson(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        foreach (var field in Fields)
        {
            writer.WritePropertyName(field.Name);
            WriteValue(writer, field.Value);
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes any decoded value (what a field holds) as JSON.</summary>
    public static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case StructureValue structure:
                structure.WriteJson(writer);
                break;
            case EnumValue enumerated:
                if (enumerated.Name is { } name)
                {
                    writer.WriteStringValue(name);
                }
                else
                {
                    writer.WriteNumberValue(enumerated.Value);
                }

                break;
            case Variant variant:
                WriteVariant(writer, variant);
                break;
            case Array array:
                writer.WriteStartArray();
                foreach (var element in array)
                {
                    WriteValue(writer, element);
                }

                writer.WriteEndArray();
                break;
            default:
                WriteScalar(writer, value);
                break;
        }
    }

    private static void WriteVariant(Utf8JsonWriter writer, Variant variant)
    {
        if (variant.IsNull)
        {
            writer.WriteNullValue();
        }
        else if (variant.TryGetDouble(out var number) && variant.Type is BuiltInType.Float or BuiltInType.Double)
        {
            WriteDouble(writer, number);
        }
        else if (variant.Type != BuiltInType.Boolean && variant.TryGetInt64(out var integer))
        {
            writer.WriteNumberValue(integer);
        }
        else if (variant.IsArray)
        {
            writer.WriteStartArray();
            foreach (var element in (Array)variant.Value!)
            {
                WriteScalar(writer, element);
            }

            writer.WriteEndArray();
        }
        else
        {
            WriteScalar(writer, variant.Value);
        }
    }

    private static void WriteDouble(Utf8JsonWriter writer, double number)
    {
        // JSON has no NaN or infinity: they travel as strings, as in Part 6's JSON encoding (5.4.2.3).
        if (double.IsFinite(number))
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteStringValue(double.IsNaN(number) ? "NaN" : number > 0 ? "Infinity" : "-Infinity");
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case double d: WriteDouble(writer, d); break;
            case float f: WriteDouble(writer, f); break;
            case sbyte or byte or short or ushort or int or uint or long:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong u: writer.WriteNumberValue(u); break;
            case string s: writer.WriteStringValue(s); break;
            case DateTime t: writer.WriteStringValue(t.ToString("O", CultureInfo.InvariantCulture)); break;
            case byte[] bytes: writer.WriteStringValue(Convert.ToBase64String(bytes)); break;
            case StatusCode status: writer.WriteNumberValue(status.Code); break;
            case LocalizedText text: writer.WriteStringValue(text.Text); break;
            case Variant variant: WriteVariant(writer, variant); break;
            case StructureValue or EnumValue or Array: WriteValue(writer, value); break;
            case ExtensionObject structure:
                writer.WriteStartObject();
                writer.WriteString("typeId", structure.TypeId.ToString());
                writer.WriteString("encoding", structure.EncodingName);
                var body = structure.BodyBytes();
                if (body is null)
                {
                    writer.WriteNull("body");
                }
                else
                {
                    writer.WriteString("body", Convert.ToBase64String(body));
                }

                writer.WriteEndObject();
                break;
            default: writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    public override string ToString() => ToJson();
}
