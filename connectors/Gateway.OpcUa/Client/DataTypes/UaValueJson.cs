using System.Globalization;
using System.Text.Json;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Client.DataTypes;

/// <summary>
/// The one JSON form of an OPC UA value in the gateway's readings: a decoded structure's fields, an event's fields.
/// Numbers and booleans as such (NaN and infinities as strings, as in Part 6, 5.4.2.3), text, NodeIds and qualified
/// names as strings, LocalizedText as its text, ByteStrings in base64, StatusCodes as numbers, DateTimes in ISO 8601
/// UTC with a Z (OPC UA times are UTC, Part 6, 5.2.2.5), enumerations by name, decoded structures as objects, and a
/// structure nobody could decode as `{"typeId":..,"encoding":..,"body":base64}`.
/// </summary>
public static class UaValueJson
{
    /// <summary>Writes any value a Variant, an event field or a decoded structure field holds.</summary>
    public static void Write(Utf8JsonWriter writer, object? value)
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
            case Array array and not byte[]:
                writer.WriteStartArray();
                foreach (var element in array)
                {
                    Write(writer, element);
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
        else if (variant.Type is BuiltInType.Float or BuiltInType.Double && variant.TryGetDouble(out var number))
        {
            WriteDouble(writer, number); // without boxing: structures and events are full of numbers
        }
        else if (variant.Type != BuiltInType.Boolean && variant.TryGetInt64(out var integer))
        {
            writer.WriteNumberValue(integer);
        }
        else if (variant.IsArray && variant.Value is Array array)
        {
            writer.WriteStartArray();
            foreach (var element in array)
            {
                Write(writer, element);
            }

            writer.WriteEndArray();
        }
        else
        {
            Write(writer, variant.Value);
        }
    }

    private static void WriteDouble(Utf8JsonWriter writer, double number)
    {
        if (double.IsFinite(number))
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteStringValue(double.IsNaN(number) ? "NaN" : number > 0 ? "Infinity" : "-Infinity");
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, object value)
    {
        switch (value)
        {
            case bool flag: writer.WriteBooleanValue(flag); break;
            case double d: WriteDouble(writer, d); break;
            case float f: WriteDouble(writer, f); break;
            case sbyte or byte or short or ushort or int or uint or long:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong big: writer.WriteNumberValue(big); break;
            case string text: writer.WriteStringValue(text); break;
            case DateTime time: writer.WriteStringValue(Iso8601Utc(time)); break;
            case byte[] bytes: writer.WriteStringValue(Convert.ToBase64String(bytes)); break;
            case StatusCode status: writer.WriteNumberValue(status.Code); break;
            case LocalizedText text: writer.WriteStringValue(text.Text); break;
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

    /// <summary>`2026-12-06T07:41:02.1250000Z`: a time as UTC to 100 ns; one without a kind is UTC already (the wire's).</summary>
    public static string Iso8601Utc(DateTime time)
    {
        var utc = time.Kind switch
        {
            DateTimeKind.Local => time.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(time, DateTimeKind.Utc),
            _ => time,
        };
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
    }
}
