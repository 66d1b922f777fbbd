using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

using Gateway.Configuration.Binding;
using Gateway.Configuration.Model;
using Gateway.Core;

namespace Gateway.Configuration;

/// <summary>
/// Prints the effective configuration (after includes, substitution and defaults) as YAML, for `gateway validate
/// --print`, /status and logs. Secrets ([Secret] keys and any value that came from ${file:...}) print as ***.
/// </summary>
public static partial class ConfigurationPrinter
{
    /// <summary>The whole effective configuration, secrets masked. Empty when the result has errors.</summary>
    public static string Print(ConfigurationResult result) =>
        result.Config is null ? "" : Print(result.Config, result);

    /// <summary>Any model object (a source, a sink, ...) as YAML, secrets masked using what <paramref name="secretsFrom"/> knows.</summary>
    public static string Print(object model, ConfigurationResult? secretsFrom) =>
        Write(model, value => value.Length > 0 && secretsFrom?.IsSecretValue(value) == true, mask: true);

    /// <summary>The unmasked text, only for comparing two configurations in memory (never printed).</summary>
    internal static string Fingerprint(object model) => Write(model, _ => false, mask: false);

    private static string Write(object model, Func<string, bool> isSecret, bool mask)
    {
        var text = new StringBuilder();
        WriteObject(text, model, 0, isSecret, mask);
        return text.ToString();
    }

    private static void WriteObject(StringBuilder text, object model, int indent, Func<string, bool> isSecret, bool mask)
    {
        var pairs = KeyNames.Of(model.GetType()).Select(k => (k.Key, k.Property, Value: k.Property.GetValue(model))).ToList();
        // A plugin's keys are written beside the entry's common ones, as in the file.
        var pluginKeys = model switch
        {
            SinkConfig sink => sink.Options,
            SourceConfig source => source.Options,
            TagGroupConfig group => group.Options,
            TagConfig tag => tag.Address,
            _ => null,
        };
        if (pluginKeys is not null)
        {
            // Before the entry's rules and nested lists, so that a source's endpoint is not printed after its machines.
            var at = pairs.FindIndex(p => p.Key is "labels" or "normalize" or "machines" or "tags");
            pairs.InsertRange(at < 0 ? pairs.Count : at, KeyNames.Of(pluginKeys.GetType()).Select(k => (k.Key, k.Property, Value: k.Property.GetValue(pluginKeys))));
        }

        foreach (var (key, property, value) in pairs)
        {
            if (value is null)
            {
                continue;
            }

            var secret = mask && property.GetCustomAttribute<SecretAttribute>() is not null;
            WriteEntry(text, key, value, indent, secret, isSecret, mask);
        }
    }

    private static void WriteEntry(StringBuilder text, string key, object value, int indent, bool secret, Func<string, bool> isSecret, bool mask)
    {
        var pad = new string(' ', indent);
        var quotedKey = Scalar(key);
        if (IsScalar(value))
        {
            text.Append(pad).Append(quotedKey).Append(": ").Append(FormatScalar(value, secret, isSecret)).Append('\n');
            return;
        }

        if (value is IDictionary dictionary)
        {
            if (dictionary.Count == 0)
            {
                text.Append(pad).Append(quotedKey).Append(": {}\n");
                return;
            }

            text.Append(pad).Append(quotedKey).Append(":\n");
            foreach (DictionaryEntry entry in dictionary)
            {
                if (entry.Value is not null)
                {
                    WriteEntry(text, (string)entry.Key, entry.Value, indent + 2, secret, isSecret, mask);
                }
            }

            return;
        }

        if (value is IList list)
        {
            if (list.Count == 0)
            {
                text.Append(pad).Append(quotedKey).Append(": []\n");
                return;
            }

            text.Append(pad).Append(quotedKey).Append(":\n");
            foreach (var item in list)
            {
                if (item is null)
                {
                    continue;
                }

                if (IsScalar(item))
                {
                    text.Append(pad).Append("  - ").Append(FormatScalar(item, secret, isSecret)).Append('\n');
                    continue;
                }

                // Write the item indented, then turn its first line's indent into the list dash.
                var itemText = new StringBuilder();
                WriteObject(itemText, item, indent + 4, isSecret, mask);
                if (itemText.Length == 0)
                {
                    text.Append(pad).Append("  - {}\n");
                    continue;
                }

                text.Append(pad).Append("  - ").Append(itemText.ToString(indent + 4, itemText.Length - indent - 4));
            }

            return;
        }

        text.Append(pad).Append(quotedKey).Append(":\n");
        WriteObject(text, value, indent + 2, isSecret, mask);
    }

    private static bool IsScalar(object value) => value is string || value.GetType().IsPrimitive || value.GetType().IsEnum;

    private static string FormatScalar(object value, bool secret, Func<string, bool> isSecret) => value switch
    {
        string s when secret || isSecret(s) => SecretRedaction.Mask,
        string s => Scalar(s),
        bool b => b ? "true" : "false",
        Enum e => KeyNames.CamelCase(e.ToString()),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Scalar(value.ToString() ?? ""),
    };

    /// <summary>Plain when YAML reads it back as the same string, double-quoted otherwise.</summary>
    private static string Scalar(string text)
    {
        var plain = PlainSafe().IsMatch(text)
            && !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            && text is not ("true" or "false" or "null" or "~" or "yes" or "no");
        if (plain)
        {
            return text;
        }

        var escaped = text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);
        return "\"" + escaped + "\"";
    }

    [GeneratedRegex("^[A-Za-z0-9_]([A-Za-z0-9_./=:;-]*[A-Za-z0-9_./=;-])?$")]
    private static partial Regex PlainSafe();
}
