using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>
/// Checks a JSON document against the subset of JSON Schema 2020-12 our schema files use: type (one or a list),
/// enum, const, required, properties, additionalProperties: false, items, minItems, minLength, pattern, minimum,
/// maximum, and $ref to "#/$defs/...". A keyword it does not know is an error, so the subset cannot silently shrink.
/// </summary>
public sealed class JsonSchemaCheck
{
    private static readonly HashSet<string> KnownKeywords =
    [
        "$schema", "$id", "title", "description", "$defs", "type", "enum", "const", "required", "properties",
        "additionalProperties", "items", "minItems", "minLength", "pattern", "minimum", "maximum", "$ref",
    ];

    private readonly JsonElement _root;

    public JsonSchemaCheck(string schemaFile)
    {
        _root = JsonDocument.Parse(File.ReadAllText(schemaFile)).RootElement.Clone();
    }

    /// <summary>Every way <paramref name="json"/> breaks the schema, with its JSON path; empty when it conforms.</summary>
    public List<string> Problems(string json)
    {
        var problems = new List<string>();
        using var document = JsonDocument.Parse(json);
        Check(_root, document.RootElement, "$", problems);
        return problems;
    }

    private void Check(JsonElement schema, JsonElement value, string path, List<string> problems)
    {
        foreach (var keyword in schema.EnumerateObject())
        {
            if (!KnownKeywords.Contains(keyword.Name))
            {
                problems.Add($"{path}: schema keyword '{keyword.Name}' is not supported by this check");
            }
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!;
            const string prefix = "#/$defs/";
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                problems.Add($"{path}: unsupported $ref {name}");
                return;
            }

            Check(_root.GetProperty("$defs").GetProperty(name[prefix.Length..]), value, path, problems);
        }

        if (schema.TryGetProperty("type", out var type))
        {
            var allowed = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
            if (!allowed.Any(t => IsType(value, t)))
            {
                problems.Add($"{path}: {value.ValueKind} is not {string.Join(" or ", allowed)}");
                return;
            }
        }

        if (schema.TryGetProperty("enum", out var options) && !options.EnumerateArray().Any(o => JsonElement.DeepEquals(o, value)))
        {
            problems.Add($"{path}: {value.GetRawText()} is not one of {options.GetRawText()}");
        }

        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, value))
        {
            problems.Add($"{path}: {value.GetRawText()} is not {constant.GetRawText()}");
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(schema, value, path, problems);
                break;
            case JsonValueKind.Array:
                if (schema.TryGetProperty("minItems", out var minItems) && value.GetArrayLength() < minItems.GetInt32())
                {
                    problems.Add($"{path}: fewer than {minItems.GetInt32()} items");
                }

                if (schema.TryGetProperty("items", out var items))
                {
                    var i = 0;
                    foreach (var item in value.EnumerateArray())
                    {
                        Check(items, item, $"{path}[{i++}]", problems);
                    }
                }

                break;
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (schema.TryGetProperty("minLength", out var minLength) && text.Length < minLength.GetInt32())
                {
                    problems.Add($"{path}: shorter than {minLength.GetInt32()}");
                }

                if (schema.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(text, pattern.GetString()!))
                {
                    problems.Add($"{path}: '{text}' does not match {pattern.GetString()}");
                }

                break;
            case JsonValueKind.Number:
                var number = value.GetDouble();
                if (schema.TryGetProperty("minimum", out var minimum) && number < minimum.GetDouble())
                {
                    problems.Add($"{path}: {number} is below {minimum.GetDouble()}");
                }

                if (schema.TryGetProperty("maximum", out var maximum) && number > maximum.GetDouble())
                {
                    problems.Add($"{path}: {number} is above {maximum.GetDouble()}");
                }

                break;
        }
    }

    private void CheckObject(JsonElement schema, JsonElement value, string path, List<string> problems)
    {
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(n => n.GetString()!))
            {
                if (!value.TryGetProperty(name, out _))
                {
                    problems.Add($"{path}: '{name}' is missing");
                }
            }
        }

        var properties = schema.TryGetProperty("properties", out var p) ? p : default;
        var closed = schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False;
        foreach (var property in value.EnumerateObject())
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(propertySchema, property.Value, $"{path}.{property.Name}", problems);
            }
            else if (closed)
            {
                problems.Add($"{path}: property '{property.Name}' is not allowed");
            }
        }
    }

    private static bool IsType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _) || value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out _),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => false,
    };
}
