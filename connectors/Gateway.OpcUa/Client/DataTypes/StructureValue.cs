using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
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
            UaValueJson.Write(writer, field.Value);
        }

        writer.WriteEndObject();
    }

    public override string ToString() => ToJson();
}
