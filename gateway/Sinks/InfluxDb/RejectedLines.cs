using System.Globalization;
using System.Text.RegularExpressions;

namespace Gateway.Sinks.InfluxDb;

/// <summary>
/// Finds which lines of a write a server refused, from its error message. Three shapes are known:
/// <list type="bullet">
/// <item>InfluxDB 1.x and 2.x parse errors quote the line: <c>unable to parse 'LINE': reason</c>.</item>
/// <item>InfluxDB 1.x and 2.x type conflicts name measurement, field and the refused type:
/// <c>field type conflict: input field "F" on measurement "M" is type integer, already exists as type float</c>.</item>
/// <item>InfluxDB 3.x lists refused lines by number: <c>"line_number": 2</c> (1-based).</item>
/// </list>
/// A message that names none of these (e.g. InfluxDB 1.x's bare <c>field type conflict</c> when the conflict
/// is inside one write) gives an empty result; the sink then splits the write to find the line.
/// </summary>
public static partial class RejectedLines
{
    [GeneratedRegex("input field \\\\?\"(?<field>.+?)\\\\?\" on measurement \\\\?\"(?<measurement>.+?)\\\\?\" is type (?<type>[a-z]+)")]
    private static partial Regex TypeConflict();

    [GeneratedRegex("\"line_number\"\\s*:\\s*(?<number>\\d+)")]
    private static partial Regex LineNumber();

    /// <summary>The indexes (into <paramref name="lines"/>) of the lines the message says were refused, ascending.</summary>
    public static IReadOnlyList<int> Find(string message, IReadOnlyList<InfluxLine> lines)
    {
        var rejected = new SortedSet<int>();
        if (string.IsNullOrEmpty(message))
        {
            return [];
        }

        if (message.Contains("unable to parse", StringComparison.Ordinal))
        {
            for (var i = 0; i < lines.Count; i++)
            {
                if (message.Contains("'" + lines[i].Text + "'", StringComparison.Ordinal))
                {
                    rejected.Add(i);
                }
            }
        }

        foreach (Match match in TypeConflict().Matches(message))
        {
            if (!TryParseType(match.Groups["type"].Value, out var type))
            {
                continue;
            }

            var field = Unescape(match.Groups["field"].Value);
            var measurement = Unescape(match.Groups["measurement"].Value);
            for (var i = 0; i < lines.Count; i++)
            {
                if (string.Equals(lines[i].Measurement, measurement, StringComparison.Ordinal) && lines[i].Writes(field, type))
                {
                    rejected.Add(i);
                }
            }
        }

        foreach (Match match in LineNumber().Matches(message))
        {
            if (int.TryParse(match.Groups["number"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                && number >= 1 && number <= lines.Count)
            {
                rejected.Add(number - 1);
            }
        }

        return [.. rejected];
    }

    /// <summary>Whether a 400 concerns the request as a whole (bad database name, precision...), not some of its lines.</summary>
    public static bool IsRequestLevel(string message) =>
        message.Contains("database name required", StringComparison.OrdinalIgnoreCase)
        || message.Contains("retention policy not found", StringComparison.OrdinalIgnoreCase)
        || message.Contains("precision", StringComparison.OrdinalIgnoreCase)
        || message.Contains("organization", StringComparison.OrdinalIgnoreCase)
        || message.Contains("bucket", StringComparison.OrdinalIgnoreCase);

    private static bool TryParseType(string name, out InfluxFieldType type)
    {
        switch (name)
        {
            case "float":
                type = InfluxFieldType.Float;
                return true;
            case "integer":
                type = InfluxFieldType.Integer;
                return true;
            case "boolean":
                type = InfluxFieldType.Boolean;
                return true;
            case "string":
                type = InfluxFieldType.String;
                return true;
            default:
                type = default;
                return false;
        }
    }

    // The message may arrive JSON-escaped (\" inside a JSON string) or plain.
    private static string Unescape(string text) => text.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
}
