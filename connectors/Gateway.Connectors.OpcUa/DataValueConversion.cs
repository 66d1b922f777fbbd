using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Core;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa;

/// <summary>
/// Turns an OPC UA value into the gateway's reading value: numbers stay numbers, arrays stay arrays. A Decimal becomes
/// a Double when it fits a System.Decimal, else a String with its exact digits. A structure the gateway has no
/// description of becomes a String holding its JSON (<see cref="StructureJson"/>), so it travels through the buffer
/// and every sink as data, never as an error.
/// </summary>
public static class DataValueConversion
{
    /// <summary>
    /// The fields that describe a structure the gateway cannot decode, in the order they are written: its TypeId
    /// (`ns=2;i=5001`, `i=50`), its encoding (binary, xml or none) and its body in base64 (null when there is none).
    /// </summary>
    public static IReadOnlyDictionary<string, object?> StructureFields(ExtensionObject structure)
    {
        var body = structure.BodyBytes();
        return new Dictionary<string, object?>
        {
            ["typeId"] = structure.TypeId.ToString(),
            ["encoding"] = structure.EncodingName,
            ["body"] = body is null ? null : Convert.ToBase64String(body),
        };
    }

    /// <summary>`{"typeId":"ns=2;i=5001","encoding":"binary","body":"AQID/w=="}`: a structure as one JSON object.</summary>
    public static string StructureJson(ExtensionObject structure) => JsonSerializer.Serialize(StructureFields(structure), PlainJson);

    // Base64's '+' and '/' as themselves, not \u002B: the text is data, never embedded in HTML.
    private static readonly JsonSerializerOptions PlainJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A structure as text: a Decimal's exact digits, else <see cref="StructureJson"/>.</summary>
    public static string StructureText(ExtensionObject structure) =>
        structure.Body is DecimalValue number ? number.ToString() : StructureJson(structure);

    public static ReadingValue ToReadingValue(Variant value)
    {
        if (value.IsNull)
        {
            return ReadingValue.Null;
        }

        if (!value.IsArray)
        {
            switch (value.Type)
            {
                case BuiltInType.Boolean:
                    value.TryGetInt64(out var flag);
                    return ReadingValue.FromBoolean(flag != 0);
                case BuiltInType.Float or BuiltInType.Double:
                    value.TryGetDouble(out var number);
                    return ReadingValue.FromDouble(number);
                case BuiltInType.UInt64:
                    return value.TryGetInt64(out var big) ? ReadingValue.FromInt64(big) : ReadingValue.FromDouble((ulong)value.Value!);
                case >= BuiltInType.SByte and <= BuiltInType.Int64:
                    value.TryGetInt64(out var integer);
                    return ReadingValue.FromInt64(integer);
                case BuiltInType.String:
                    return ReadingValue.FromString((string?)value.Value ?? "");
                case BuiltInType.LocalizedText:
                    return ReadingValue.FromString(((LocalizedText)value.Value!).Text ?? "");
                case BuiltInType.DateTime:
                    return ReadingValue.FromString(((DateTime)value.Value!).ToString("O", CultureInfo.InvariantCulture));
                case BuiltInType.StatusCode:
                    return ReadingValue.FromInt64(((StatusCode)value.Value!).Code);
                case BuiltInType.ByteString:
                    return ReadingValue.FromString(Convert.ToBase64String((byte[]?)value.Value ?? []));
                case BuiltInType.ExtensionObject when value.Value is ExtensionObject { Body: DecimalValue decimalNumber }:
                    return decimalNumber.TryGetDecimal(out var exact) ? ReadingValue.FromDouble((double)exact) : ReadingValue.FromString(decimalNumber.ToString());
                case BuiltInType.ExtensionObject when value.Value is ExtensionObject structure:
                    return ReadingValue.FromString(StructureJson(structure));
                default:
                    return ReadingValue.FromString(value.ToString());
            }
        }

        return value.Value switch
        {
            double[] a => ReadingValue.FromArray(a),
            float[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => (double)v)),
            bool[] a => ReadingValue.FromArray(a),
            sbyte[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => (long)v)),
            byte[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => (long)v)),
            short[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => (long)v)),
            ushort[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => (long)v)),
            int[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => (long)v)),
            uint[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => (long)v)),
            long[] a => ReadingValue.FromArray(a),
            ulong[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => (double)v)),
            string?[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => v ?? "")),
            LocalizedText[] a => ReadingValue.FromArray(Array.ConvertAll(a, v => v.Text ?? "")),
            ExtensionObject[] a => ReadingValue.FromArray(Array.ConvertAll(a, StructureText)),
            Array a => ReadingValue.FromArray(a.Cast<object?>().Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").ToArray()),
            _ => ReadingValue.Null,
        };
    }
}
