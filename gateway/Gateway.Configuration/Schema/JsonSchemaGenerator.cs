using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

using Gateway.Configuration.Binding;
using Gateway.Configuration.Model;
using Gateway.Core;

namespace Gateway.Configuration;

/// <summary>
/// Generates the JSON Schema (draft 2020-12) of gateway.yaml from the same classes and attributes the loader binds,
/// plus each registered source and sink plugin's options types, so that editors (VS Code YAML) complete and check the file
/// and the schema can never drift from the loader. config/schema/gateway.schema.json is this output.
/// </summary>
public static class JsonSchemaGenerator
{
    public const string SchemaId = "https://changwon-dx.example/gateway/gateway.schema.json";

    /// <summary>Scalars may also be written as ${...} (substituted at load time), so a schema must let them through.</summary>
    private const string SubstitutionPattern = "\\$\\{[^}]+\\}";

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Generate(PluginCatalog plugins)
    {
        var definitions = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        var root = ObjectSchema(typeof(GatewayConfig), definitions);
        var schema = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = SchemaId,
            ["title"] = "Changwon Edge Gateway configuration (gateway.yaml)",
            ["description"] = "Generated from gateway/Gateway.Configuration/Model and the plugins' options; do not edit by hand.",
        };
        foreach (var (key, value) in root)
        {
            schema[key] = value?.DeepClone();
        }

        SourceSchemas(plugins.Sources, definitions);
        definitions["sink"] = SinkSchema(plugins.Sinks, definitions);
        var defs = new JsonObject();
        foreach (var (name, definition) in definitions)
        {
            defs[name] = definition;
        }

        schema["$defs"] = defs;
        return schema.ToJsonString(Indented).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    /// <summary>Writes the schema to <paramref name="path"/> when it differs; returns true when the file changed.</summary>
    public static bool WriteIfChanged(string path, PluginCatalog plugins)
    {
        var text = Generate(plugins);
        if (File.Exists(path) && string.Equals(File.ReadAllText(path), text, StringComparison.Ordinal))
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, text);
        return true;
    }

    /// <summary>
    /// `source`: a oneOf on `type` like `sink`, each branch with its type's machines, groups and tags
    /// (`TYPEMachine`, `TYPETagGroup`, `TYPETag`), so that an editor completes OPC UA keys under an OPC UA source only.
    /// The default type's branch also matches an entry without `type`. A template's group is any type's group.
    /// </summary>
    private static void SourceSchemas(PluginRegistry<ISourcePlugin> sources, SortedDictionary<string, JsonNode> definitions)
    {
        var plugins = sources.Plugins.OrderBy(p => p.Type, StringComparer.Ordinal).ToList();
        if (plugins.Count == 0)
        {
            // No plugin registered: the common keys only, the plugins' own keys unchecked.
            definitions["source"] = Open(ObjectSchema(typeof(SourceConfig), definitions));
            definitions["templateGroup"] = Open(ObjectSchema(typeof(TagGroupConfig), definitions));
            definitions["tagConfig"] = Open(ObjectSchema(typeof(TagConfig), definitions));
            return;
        }

        var choices = new JsonArray();
        var groups = new JsonArray();
        foreach (var plugin in plugins)
        {
            var tag = Merged(typeof(TagConfig), plugin.AddressType, definitions);
            definitions[plugin.Type + "Tag"] = tag;
            var group = Merged(typeof(TagGroupConfig), plugin.GroupOptionsType, definitions);
            group["properties"]!["tags"]!["items"] = Ref(plugin.Type + "Tag");
            definitions[plugin.Type + "TagGroup"] = group;
            groups.Add(Ref(plugin.Type + "TagGroup"));
            var machine = ObjectSchema(typeof(MachineConfig), definitions);
            machine["properties"]!["groups"]!["items"] = Ref(plugin.Type + "TagGroup");
            definitions[plugin.Type + "Machine"] = machine;

            var entry = Merged(typeof(SourceConfig), plugin.OptionsType, definitions);
            var properties = (JsonObject)entry["properties"]!;
            properties["type"] = new JsonObject { ["const"] = plugin.Type, ["description"] = $"The {plugin.Type} source." };
            properties["machines"]!["items"] = Ref(plugin.Type + "Machine");
            if (!string.Equals(plugin.Type, PluginCatalog.DefaultSourceType, StringComparison.Ordinal))
            {
                ((JsonArray)entry["required"]!).Insert(0, "type");
            }

            entry["title"] = plugin.Type;
            choices.Add(entry);
        }

        // Built for the common shape only; every use now points at a type's own.
        definitions.Remove("machineConfig");
        definitions.Remove("tagConfig");
        definitions.Remove("tagGroupConfig");
        definitions["templateGroup"] = new JsonObject
        {
            ["description"] = "A template's tag group: the keys of the type of the source whose machines use the template.",
            ["anyOf"] = groups,
        };
        definitions["source"] = new JsonObject
        {
            ["description"] = "A source entry: `type` (default opcua) chooses the plugin; the other keys are that plugin's settings.",
            ["type"] = "object",
            ["properties"] = new JsonObject { ["type"] = new JsonObject { ["enum"] = new JsonArray(plugins.Select(p => (JsonNode?)JsonValue.Create(p.Type)).ToArray()) } },
            ["oneOf"] = choices,
        };
    }

    /// <summary>The common keys of <paramref name="common"/> with a plugin's keys of <paramref name="extra"/> beside them.</summary>
    private static JsonObject Merged(Type common, Type extra, SortedDictionary<string, JsonNode> definitions)
    {
        var entry = ObjectSchema(common, definitions);
        var properties = (JsonObject)entry["properties"]!;
        var options = ObjectSchema(extra, definitions);
        foreach (var (key, value) in (JsonObject)options["properties"]!)
        {
            properties[key] = value?.DeepClone();
        }

        var required = (JsonArray)entry["required"]!;
        foreach (var key in (JsonArray?)options["required"] ?? [])
        {
            required.Add(key?.DeepClone());
        }

        return entry;
    }

    private static JsonObject Open(JsonObject schema)
    {
        schema["additionalProperties"] = true;
        return schema;
    }

    private static JsonObject Ref(string definition) => new() { ["$ref"] = $"#/$defs/{definition}" };

    private static JsonObject SinkSchema(PluginRegistry<ISinkPlugin> sinks, SortedDictionary<string, JsonNode> definitions)
    {
        var plugins = sinks.Plugins.OrderBy(p => p.Type, StringComparer.Ordinal).ToList();
        if (plugins.Count == 0)
        {
            // No plugin registered: the common keys only, the plugin's own keys unchecked.
            var open = ObjectSchema(typeof(SinkConfig), definitions);
            open["additionalProperties"] = true;
            return open;
        }

        var choices = new JsonArray();
        foreach (var plugin in plugins)
        {
            var entry = ObjectSchema(typeof(SinkConfig), definitions);
            var properties = (JsonObject)entry["properties"]!;
            properties["type"] = new JsonObject { ["const"] = plugin.Type, ["description"] = $"The {plugin.Type} sink." };
            var options = ObjectSchema(plugin.OptionsType, definitions);
            foreach (var (key, value) in (JsonObject)options["properties"]!)
            {
                properties[key] = value?.DeepClone();
            }

            var required = (JsonArray)entry["required"]!;
            foreach (var key in (JsonArray?)options["required"] ?? [])
            {
                required.Add(key?.DeepClone());
            }

            entry["title"] = plugin.Type;
            choices.Add(entry);
        }

        return new JsonObject
        {
            ["description"] = "A sink entry: `type` chooses the plugin; the other keys are that plugin's settings.",
            ["type"] = "object",
            ["required"] = new JsonArray("type"),
            ["properties"] = new JsonObject { ["type"] = new JsonObject { ["enum"] = new JsonArray(plugins.Select(p => (JsonNode?)JsonValue.Create(p.Type)).ToArray()) } },
            ["oneOf"] = choices,
        };
    }

    private static JsonObject ObjectSchema(Type type, SortedDictionary<string, JsonNode> definitions)
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var (key, property) in KeyNames.Of(type))
        {
            properties[key] = PropertySchema(property, definitions);
            if (property.GetCustomAttribute<RequiredAttribute>() is not null)
            {
                required.Add(key);
            }
        }

        var schema = new JsonObject { ["type"] = "object" };
        if (type.GetCustomAttribute<DescriptionAttribute>() is { } description)
        {
            schema["description"] = description.Description;
        }

        schema["properties"] = properties;
        schema["required"] = required;
        schema["additionalProperties"] = false;
        return schema;
    }

    private static JsonObject PropertySchema(PropertyInfo property, SortedDictionary<string, JsonNode> definitions)
    {
        var schema = TypeSchema(property.PropertyType, definitions);
        var own = new JsonObject();
        if (property.GetCustomAttribute<DescriptionAttribute>() is { } description)
        {
            own["description"] = description.Description;
        }

        if (property.GetCustomAttribute<SecretAttribute>() is not null)
        {
            own["writeOnly"] = true;
        }

        var constraint = new JsonObject();
        if (property.GetCustomAttribute<RangeAttribute>() is { } range)
        {
            var min = Convert.ToDouble(range.Minimum, CultureInfo.InvariantCulture);
            var max = Convert.ToDouble(range.Maximum, CultureInfo.InvariantCulture);
            constraint["minimum"] = Number(min);
            if (max < double.MaxValue)
            {
                constraint["maximum"] = Number(max);
            }
        }

        if (property.GetCustomAttribute<RegularExpressionAttribute>() is { } pattern)
        {
            constraint["pattern"] = pattern.Pattern;
        }

        if (property.GetCustomAttribute<AllowedValuesAttribute>() is { } allowed)
        {
            constraint["enum"] = new JsonArray(allowed.Values.Select(v => (JsonNode?)JsonValue.Create(Convert.ToString(v, CultureInfo.InvariantCulture))).ToArray());
        }

        if (property.PropertyType == typeof(object))
        {
            return own;
        }

        // Constraints go on the typed branch, so that a ${...} string still passes.
        var typed = schema["anyOf"] is JsonArray choices ? (JsonObject)choices[0]! : schema;
        foreach (var (key, value) in constraint)
        {
            typed[key] = value?.DeepClone();
        }

        foreach (var (key, value) in own)
        {
            schema[key] = value?.DeepClone();
        }

        return schema;
    }

    private static JsonObject TypeSchema(Type type, SortedDictionary<string, JsonNode> definitions)
    {
        var nullable = Nullable.GetUnderlyingType(type);
        var underlying = nullable ?? type;
        if (underlying == typeof(string))
        {
            return new JsonObject { ["type"] = "string" };
        }

        if (underlying == typeof(bool) || underlying == typeof(int) || underlying == typeof(long) || underlying == typeof(double)
            || underlying == typeof(float) || underlying == typeof(decimal) || underlying.IsEnum)
        {
            JsonObject typed;
            if (underlying.IsEnum)
            {
                typed = new JsonObject
                {
                    ["type"] = "string",
                    ["enum"] = new JsonArray(KeyNames.EnumNames(underlying).Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
                };
            }
            else
            {
                typed = new JsonObject { ["type"] = underlying == typeof(bool) ? "boolean" : underlying == typeof(int) || underlying == typeof(long) ? "integer" : "number" };
            }

            return new JsonObject
            {
                ["anyOf"] = new JsonArray(typed, new JsonObject { ["type"] = "string", ["pattern"] = SubstitutionPattern }),
            };
        }

        if (KeyNames.ListElement(underlying) is { } element)
        {
            return new JsonObject { ["type"] = "array", ["items"] = TypeSchema(element, definitions) };
        }

        if (KeyNames.DictionaryValue(underlying) is { } value)
        {
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = TypeSchema(value, definitions) };
        }

        if (underlying == typeof(SinkConfig))
        {
            return new JsonObject { ["$ref"] = "#/$defs/sink" };
        }

        if (underlying == typeof(SourceConfig))
        {
            return new JsonObject { ["$ref"] = "#/$defs/source" };
        }

        if (underlying == typeof(TagGroupConfig))
        {
            // A template's groups; a source's machines point at their type's own group shape instead.
            return new JsonObject { ["$ref"] = "#/$defs/templateGroup" };
        }

        if (underlying == typeof(object))
        {
            return new JsonObject();
        }

        var name = KeyNames.CamelCase(underlying.Name);
        if (!definitions.ContainsKey(name))
        {
            definitions[name] = new JsonObject(); // placeholder against recursion
            definitions[name] = ObjectSchema(underlying, definitions);
        }

        return new JsonObject { ["$ref"] = $"#/$defs/{name}" };
    }

    private static JsonNode Number(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e15 ? JsonValue.Create((long)value) : JsonValue.Create(value);
}
