using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Core;
using Gateway.OpcUa.Client.DataTypes;
using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa;

/// <summary>What a structured tag becomes (the tag's `structure:` key).</summary>
public enum StructureMode
{
    /// <summary>One reading whose value is the structure as a JSON object (<see cref="ValueKind.Json"/>).</summary>
    Json,

    /// <summary>One reading per leaf field, named `tag.field.sub` (arrays of structures `tag.field[0].sub`).</summary>
    Flatten,

    /// <summary>The structure undecoded: one String reading `{"typeId":...,"encoding":...,"body":base64}`.</summary>
    Raw,
}

/// <summary>
/// Turns a decoded structure into readings: one JSON reading, or one reading per leaf field. `fields:` keeps a part:
/// a path (`Life`, `Life.Used`, `WearHistory`) keeps that field and everything under it; array indexes are not
/// written in paths (`Tools.Life` keeps the Life of every tool).
/// </summary>
public static class StructureReadings
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The structure (or the kept part of it) as one JSON object.</summary>
    public static string ToJson(StructureValue value, FieldSelection? fields = null)
    {
        if (fields is null)
        {
            return value.ToJson();
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions))
        {
            WriteSelected(writer, value, "", fields);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteSelected(Utf8JsonWriter writer, StructureValue value, string path, FieldSelection fields)
    {
        writer.WriteStartObject();
        foreach (var field in value.Fields)
        {
            var fieldPath = path.Length == 0 ? field.Name : path + "." + field.Name;
            if (fields.Keeps(fieldPath))
            {
                writer.WritePropertyName(field.Name);
                UaValueJson.Write(writer, field.Value);
            }
            else if (fields.KeepsBelow(fieldPath))
            {
                switch (field.Value)
                {
                    case StructureValue nested:
                        writer.WritePropertyName(field.Name);
                        WriteSelected(writer, nested, fieldPath, fields);
                        break;
                    case StructureValue[] elements:
                        writer.WritePropertyName(field.Name);
                        writer.WriteStartArray();
                        foreach (var element in elements)
                        {
                            WriteSelected(writer, element, fieldPath, fields);
                        }

                        writer.WriteEndArray();
                        break;
                }
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>Every leaf field as (path, value): `Life.Used`, `Tools[1].Name`; an array of built-in values is one leaf.</summary>
    public static List<(string Path, ReadingValue Value)> Flatten(StructureValue value, FieldSelection? fields = null)
    {
        var leaves = new List<(string, ReadingValue)>();
        AddLeaves(leaves, value, "", "", fields);
        return leaves;
    }

    // `path` is the name with indexes (what the reading is called), `selector` the same without (what `fields:` matches).
    private static void AddLeaves(List<(string, ReadingValue)> leaves, StructureValue value, string path, string selector, FieldSelection? fields)
    {
        foreach (var field in value.Fields)
        {
            var fieldPath = path.Length == 0 ? field.Name : path + "." + field.Name;
            var fieldSelector = selector.Length == 0 ? field.Name : selector + "." + field.Name;
            var kept = fields is null || fields.Keeps(fieldSelector);
            if (!kept && !fields!.KeepsBelow(fieldSelector))
            {
                continue;
            }

            switch (field.Value)
            {
                case StructureValue nested:
                    AddLeaves(leaves, nested, fieldPath, fieldSelector, kept ? null : fields);
                    break;
                case StructureValue[] elements:
                    for (var i = 0; i < elements.Length; i++)
                    {
                        AddLeaves(leaves, elements[i], $"{fieldPath}[{i}]", fieldSelector, kept ? null : fields);
                    }

                    break;
                default:
                    if (kept)
                    {
                        leaves.Add((fieldPath, LeafValue(field.Value)));
                    }

                    break;
            }
        }
    }

    /// <summary>A leaf as a reading value: built-in values as any tag's, an enumeration by its name, anything else as JSON.</summary>
    public static ReadingValue LeafValue(object? value) => value switch
    {
        null => ReadingValue.Null,
        Variant variant => variant.Type == BuiltInType.ExtensionObject && !variant.IsArray && variant.Value is ExtensionObject raw
            ? ReadingValue.FromString(DataValueConversion.StructureJson(raw))
            : DataValueConversion.ToReadingValue(variant),
        EnumValue enumerated => ReadingValue.FromString(enumerated.ToString()),
        EnumValue[] enumerated => ReadingValue.FromArray(Array.ConvertAll(enumerated, e => e.ToString())),
        StructureValue structure => ReadingValue.FromJson(structure.ToJson()),
        _ => ReadingValue.FromJson(JsonOf(value)),
    };

    private static string JsonOf(object value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions))
        {
            UaValueJson.Write(writer, value);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

/// <summary>The `fields:` of a structured tag: paths of fields to keep, dot-separated, without array indexes.</summary>
public sealed class FieldSelection
{
    private readonly HashSet<string> _kept;
    private readonly HashSet<string> _ancestors;

    public FieldSelection(IEnumerable<string> paths)
    {
        _kept = new HashSet<string>(paths.Select(p => p.Trim()).Where(p => p.Length > 0), StringComparer.Ordinal);
        _ancestors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in _kept)
        {
            for (var dot = path.IndexOf('.', StringComparison.Ordinal); dot > 0; dot = path.IndexOf('.', dot + 1))
            {
                _ancestors.Add(path[..dot]);
            }
        }
    }

    public static FieldSelection? From(IReadOnlyList<string>? paths) => paths is { Count: > 0 } ? new FieldSelection(paths) : null;

    /// <summary>The field at this path is kept whole (itself or an ancestor was named).</summary>
    public bool Keeps(string path)
    {
        if (_kept.Contains(path))
        {
            return true;
        }

        for (var dot = path.LastIndexOf('.'); dot > 0; dot = path.LastIndexOf('.', dot - 1))
        {
            if (_kept.Contains(path[..dot]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Some field under this path is kept.</summary>
    public bool KeepsBelow(string path) => _ancestors.Contains(path);
}
