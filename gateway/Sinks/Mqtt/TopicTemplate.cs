using System.Text;

using Gateway.Core;

namespace Gateway.Sinks.Mqtt;

/// <summary>
/// A topic with {placeholders}: {machine} {tag} {source} {measurement} {gateway}, and any label of the reading
/// ({site}, {line}, ...). Parsed once; values are made safe for one topic level when substituted.
/// </summary>
public sealed class TopicTemplate
{
    public const string DefaultReadingTopic = "factory/{site}/{machine}/{tag}";
    public const string DefaultBatchTopic = "factory/{site}/{machine}";
    public const string DefaultStatusTopic = "factory/{site}/{gateway}/status";

    /// <summary>What stands in for a placeholder whose label the reading does not carry (a validation error beforehand).</summary>
    public const char MissingValue = '_';

    private static readonly string[] BuiltInNames = ["machine", "tag", "source", "measurement", "gateway"];

    // Literal text and placeholder names alternate; a placeholder is marked by a null literal.
    private readonly (string? Literal, string? Placeholder)[] _parts;

    private TopicTemplate(string text, (string? Literal, string? Placeholder)[] parts)
    {
        Text = text;
        _parts = parts;
    }

    public string Text { get; }

    /// <summary>Every placeholder name in the template, in order.</summary>
    public IEnumerable<string> Placeholders => _parts.Where(p => p.Placeholder is not null).Select(p => p.Placeholder!);

    /// <summary>Parses a template; a problem (unbalanced brace, wildcard, empty) is returned as text instead.</summary>
    public static TopicTemplate Parse(string text) =>
        TryParse(text, out var template, out var problem) ? template : throw new FormatException(problem);

    public static bool TryParse(string? text, out TopicTemplate template, out string problem)
    {
        template = null!;
        if (string.IsNullOrEmpty(text))
        {
            problem = "the topic is empty";
            return false;
        }

        // MQTT 5, 4.7.1: '+' and '#' are wildcards for subscriptions only; 4.7.3: no NUL in a topic name.
        // MQTT 5, 4.7.2: topics starting with '$' are the broker's own.
        if (text.StartsWith('$'))
        {
            problem = $"'{text}' starts with '$', which MQTT reserves for the broker's own topics";
            return false;
        }

        var parts = new List<(string?, string?)>();
        var literal = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '+' or '#' or '\0')
            {
                problem = $"'{text}' contains '{(c == '\0' ? "NUL" : c)}', which is not allowed in a topic you publish to";
                return false;
            }

            if (c == '}')
            {
                problem = $"'{text}' has a '}}' without its '{{'";
                return false;
            }

            if (c != '{')
            {
                literal.Append(c);
                continue;
            }

            var end = text.IndexOf('}', i + 1);
            if (end < 0)
            {
                problem = $"'{text}' has a '{{' without its '}}'";
                return false;
            }

            var name = text[(i + 1)..end];
            if (name.Length == 0 || name.Contains('{'))
            {
                problem = $"'{text}' has an empty or nested placeholder at position {i + 1}";
                return false;
            }

            if (literal.Length > 0)
            {
                parts.Add((literal.ToString(), null));
                literal.Clear();
            }

            parts.Add((null, name));
            i = end;
        }

        if (literal.Length > 0)
        {
            parts.Add((literal.ToString(), null));
        }

        template = new TopicTemplate(text, [.. parts]);
        problem = "";
        return true;
    }

    /// <summary>
    /// A subscription filter matching every topic this template can render: a level with a placeholder becomes '+'
    /// (a value never adds a level, see <see cref="AppendLevelSafe"/>), e.g. factory/{site}/{machine} gives factory/+/+.
    /// </summary>
    public string ToFilter() =>
        string.Join('/', Text.Split('/').Select(level => level.Contains('{', StringComparison.Ordinal) ? "+" : level));

    /// <summary>Whether a placeholder name is one of the built-in ones (the rest are labels).</summary>
    public static bool IsBuiltIn(string name) => BuiltInNames.Contains(name, StringComparer.Ordinal);

    /// <summary>The topic for one reading's identity. Placeholders the reading cannot fill are added to <paramref name="missing"/> when given.</summary>
    public string Render(TopicValues values, List<string>? missing = null)
    {
        var builder = new StringBuilder(64);
        foreach (var (literalText, placeholder) in _parts)
        {
            if (literalText is not null)
            {
                builder.Append(literalText);
                continue;
            }

            var value = values.Lookup(placeholder!);
            if (value is null)
            {
                missing?.Add(placeholder!);
                builder.Append(MissingValue);
            }
            else
            {
                AppendLevelSafe(builder, value);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// MQTT 5, 4.7.1 and 4.7.3: '/' separates levels, '+' and '#' are wildcards and NUL is forbidden, so a value
    /// that contains them would change the topic's shape; they become '_'. An empty value becomes '_' too.
    /// </summary>
    public static void AppendLevelSafe(StringBuilder builder, string value)
    {
        if (value.Length == 0)
        {
            builder.Append('_');
            return;
        }

        foreach (var c in value)
        {
            builder.Append(c is '/' or '+' or '#' or '\0' ? '_' : c);
        }
    }
}

/// <summary>What a topic placeholder can be filled from: the reading's identity and labels, and the gateway's name.</summary>
public readonly record struct TopicValues(string Gateway, string Source, string Machine, string Tag, string Measurement, LabelSet Labels)
{
    public static TopicValues Of(Reading reading, string gateway) =>
        new(gateway, reading.Source, reading.Machine, reading.Tag, reading.Measurement ?? reading.Source, reading.Labels);

    public static TopicValues Of(TagIdentity tag, string gateway) =>
        new(gateway, tag.Source, tag.Machine, tag.Tag, tag.Measurement, tag.Labels);

    public string? Lookup(string name) => name switch
    {
        "machine" => Machine,
        "tag" => Tag,
        "source" => Source,
        "measurement" => Measurement,
        "gateway" => Gateway,
        _ => Labels[name],
    };
}
