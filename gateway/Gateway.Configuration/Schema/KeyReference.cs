using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text;

using Gateway.Configuration.Binding;
using Gateway.Configuration.Model;
using Gateway.Core;

namespace Gateway.Configuration;

/// <summary>
/// The key reference of docs/configuration.md, generated like the schema from the model's attributes
/// ([Description], [Required], [Range], [AllowedValues], [Secret]) so that the documentation cannot drift.
/// </summary>
public static class KeyReference
{
    public const string BeginMarker = "<!-- BEGIN GENERATED KEY REFERENCE -->";
    public const string EndMarker = "<!-- END GENERATED KEY REFERENCE -->";

    public static string Generate(PluginCatalog plugins)
    {
        var text = new StringBuilder();
        var done = new HashSet<Type>();
        var queue = new Queue<(string Path, Type Type)>();
        void Drain()
        {
            while (queue.Count > 0)
            {
                var (path, type) = queue.Dequeue();
                if (done.Add(type))
                {
                    Table(text, path, type, queue);
                }
            }
        }

        queue.Enqueue(("(top level)", typeof(GatewayConfig)));
        Drain();

        // Each source type's keys beside the common ones: the entry's, a tag group's and a tag's.
        foreach (var plugin in plugins.Sources.Plugins.OrderBy(p => p.Type, StringComparer.Ordinal))
        {
            queue.Enqueue(($"sources[] with type: {plugin.Type}", plugin.OptionsType));
            queue.Enqueue(($"sources[].machines[].groups[] with type: {plugin.Type}", plugin.GroupOptionsType));
            queue.Enqueue(($"sources[].machines[].groups[].tags[] with type: {plugin.Type}", plugin.AddressType));
            Drain();
        }

        foreach (var plugin in plugins.Sinks.Plugins.OrderBy(p => p.Type, StringComparer.Ordinal))
        {
            queue.Enqueue(($"sinks[] with type: {plugin.Type}", plugin.OptionsType));
            Drain();
        }

        return text.ToString();
    }

    private static void Table(StringBuilder text, string path, Type type, Queue<(string, Type)> queue)
    {
        text.Append("### `").Append(path).Append("`\n\n| key | type | default | description |\n|---|---|---|---|\n");
        var defaults = Activator.CreateInstance(type);
        foreach (var (key, property) in KeyNames.Of(type))
        {
            var (typeName, nested) = Describe(property.PropertyType);
            if (nested is not null)
            {
                queue.Enqueue((path == "(top level)" ? key : $"{path}.{key}", nested));
            }

            var notes = new List<string>();
            if (property.GetCustomAttribute<RequiredAttribute>() is not null)
            {
                notes.Add("**required**");
            }

            if (property.GetCustomAttribute<RangeAttribute>() is { } range)
            {
                var max = Convert.ToDouble(range.Maximum, CultureInfo.InvariantCulture);
                notes.Add(max >= double.MaxValue ? $"≥ {range.Minimum}" : $"{range.Minimum} to {range.Maximum}");
            }

            if (property.GetCustomAttribute<AllowedValuesAttribute>() is { } allowed)
            {
                notes.Add("one of " + string.Join(", ", allowed.Values.Select(v => $"`{v}`")));
            }

            if (property.GetCustomAttribute<SecretAttribute>() is not null)
            {
                notes.Add("secret: never printed");
            }

            var description = property.GetCustomAttribute<DescriptionAttribute>()?.Description ?? "";
            var defaultValue = DefaultOf(property, defaults);
            text.Append("| `").Append(key).Append("` | ").Append(typeName).Append(" | ").Append(defaultValue).Append(" | ")
                .Append(string.Join(" ", new[] { description }.Concat(notes.Count > 0 ? [$"({string.Join("; ", notes)})"] : []).Where(s => s.Length > 0)).Replace("|", "\\|", StringComparison.Ordinal))
                .Append(" |\n");
        }

        text.Append('\n');
    }

    private static string DefaultOf(PropertyInfo property, object? defaults)
    {
        var value = defaults is null ? null : property.GetValue(defaults);
        return value switch
        {
            null => "",
            string s => s.Length == 0 ? "" : $"`{s}`",
            bool b => b ? "`true`" : "`false`",
            Enum e => $"`{KeyNames.CamelCase(e.ToString())}`",
            IFormattable f when KeyNames.IsScalar(value.GetType()) => $"`{f.ToString(null, CultureInfo.InvariantCulture)}`",
            _ => "",
        };
    }

    private static (string Name, Type? Nested) Describe(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying.IsEnum)
        {
            return (string.Join(" \\| ", KeyNames.EnumNames(underlying)), null);
        }

        if (underlying == typeof(SinkConfig))
        {
            return ("sink", typeof(SinkConfig));
        }

        if (KeyNames.IsScalar(underlying))
        {
            return (ModelBinder.Describe(underlying).Replace("an ", "", StringComparison.Ordinal).Replace("a ", "", StringComparison.Ordinal), null);
        }

        if (KeyNames.ListElement(underlying) is { } element)
        {
            var (name, nested) = Describe(element);
            return ($"list of {name}", nested);
        }

        if (KeyNames.DictionaryValue(underlying) is { } value)
        {
            var (name, nested) = Describe(value);
            return ($"map of {name}", nested);
        }

        return ("mapping", underlying);
    }
}
