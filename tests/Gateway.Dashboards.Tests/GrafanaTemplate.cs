using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Dashboards.Tests;

/// <summary>Which data source's rules a query is expanded by.</summary>
public enum QueryLanguage
{
    InfluxQL,
    PromQL,
}

/// <summary>
/// Grafana's macro and template-variable expansion, for the cases the dashboards use, so that a query can be run
/// against a real server exactly as Grafana would send it.
/// <list type="bullet">
/// <item>InfluxQL: <c>$timeFilter</c> for a relative range ending now is <c>time &gt;= now() - 1h</c> (the
/// data source's getTimeFilter leaves out the upper bound when it is now); <c>$__interval</c> is the panel's
/// interval (10 s here, the data source's minimum interval); variables use the "regex" format.</item>
/// <item>PromQL: <c>$__rate_interval</c>, <c>$__interval</c>, <c>$__range</c>; multi-value variables are
/// escaped for a regex inside a PromQL string literal.</item>
/// <item>Variables as <c>$name</c>, <c>${name}</c>, <c>${name:format}</c> and <c>[[name]]</c>, as templateSrv
/// matches them. A value list of one is the escaped value, of several <c>(a|b)</c>: used as
/// <c>/^$machine$/</c> it becomes <c>/^(cnc-01|cnc-02)$/</c>.</item>
/// </list>
/// A name that is neither a built-in nor a defined variable is an error naming it: Grafana would send it unexpanded.
/// </summary>
public static partial class GrafanaTemplate
{
    public const string InfluxTimeFilter = "time >= now() - 1h";
    public const string Interval = "10s";

    private static readonly Dictionary<string, string> InfluxBuiltIns = new(StringComparer.Ordinal)
    {
        ["timeFilter"] = InfluxTimeFilter,
        ["__interval"] = Interval,
        ["__interval_ms"] = "10000",
        ["interval"] = Interval,
    };

    private static readonly Dictionary<string, string> PromBuiltIns = new(StringComparer.Ordinal)
    {
        ["__interval"] = "15s",
        ["__interval_ms"] = "15000",
        ["__rate_interval"] = "1m",
        ["__range"] = "3600s",
        ["__range_s"] = "3600",
    };

    /// <summary>The variable names a text refers to, built-ins included, in order of appearance.</summary>
    public static IReadOnlyList<string> ReferencedNames(string text) =>
        VariablePattern().Matches(text).Select(NameOf).ToList();

    /// <summary>Expands macros and variables; <paramref name="variables"/> holds each variable's selected values.</summary>
    public static string Expand(string text, QueryLanguage language, IReadOnlyDictionary<string, IReadOnlyList<string>> variables)
    {
        var builtIns = language == QueryLanguage.InfluxQL ? InfluxBuiltIns : PromBuiltIns;
        return VariablePattern().Replace(text, match =>
        {
            var name = NameOf(match);
            if (builtIns.TryGetValue(name, out var builtIn))
            {
                return builtIn;
            }

            if (!variables.TryGetValue(name, out var values))
            {
                throw new InvalidOperationException(
                    $"'{match.Value}' is neither a Grafana macro nor a template variable of the dashboard; define it under templating.list or fix the name.");
            }

            return language == QueryLanguage.InfluxQL ? FormatRegex(values, EscapeRegex) : FormatRegex(values, EscapePromRegex);
        });
    }

    /// <summary>Grafana's "regex" variable format: one value escaped, several as an alternation in parentheses.</summary>
    public static string FormatRegex(IReadOnlyList<string> values, Func<string, string> escape)
    {
        if (values.Count == 0)
        {
            throw new InvalidOperationException("a multi-value variable with no value selected: Grafana shows 'No data'; select at least one.");
        }

        return values.Count == 1 ? escape(values[0]) : "(" + string.Join('|', values.Select(escape)) + ")";
    }

    /// <summary>Grafana's regexEscape: a backslash before \ ^ $ * + ? . ( ) | [ ] { } and /.</summary>
    public static string EscapeRegex(string value)
    {
        var escaped = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (@"\^$*+?.()|[]{}/".Contains(c, StringComparison.Ordinal))
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    /// <summary>The Prometheus data source's escape: regex characters get a backslash that is itself escaped inside the "..." literal.</summary>
    public static string EscapePromRegex(string value)
    {
        var escaped = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (c == '\\')
            {
                escaped.Append(@"\\\\");
            }
            else if (@"$^*{}[]'+?.()|".Contains(c, StringComparison.Ordinal))
            {
                escaped.Append(@"\\").Append(c);
            }
            else
            {
                escaped.Append(c);
            }
        }

        return escaped.ToString();
    }

    /// <summary>
    /// A variable's "regex" option applied to the values its query returned, as Grafana does: a value that does
    /// not match is left out; when the regex has a capture group, the first group is the value.
    /// </summary>
    public static IReadOnlyList<string> FilterValues(IEnumerable<string> values, string variableRegex)
    {
        if (string.IsNullOrEmpty(variableRegex))
        {
            return values.Distinct(StringComparer.Ordinal).ToList();
        }

        // Grafana's stringToJsRegex: "/pattern/flags".
        var literal = JsRegexLiteral().Match(variableRegex);
        if (!literal.Success)
        {
            throw new InvalidOperationException($"variable regex '{variableRegex}' is not of the form /pattern/flags.");
        }

        var options = literal.Groups[2].Value.Contains('i', StringComparison.Ordinal) ? RegexOptions.IgnoreCase : RegexOptions.None;
        var regex = new Regex(literal.Groups[1].Value, options, TimeSpan.FromSeconds(1));
        var kept = new List<string>();
        foreach (var value in values)
        {
            var m = regex.Match(value);
            if (!m.Success)
            {
                continue;
            }

            var text = m.Groups.Count > 1 && m.Groups[1].Success ? m.Groups[1].Value : value;
            if (!kept.Contains(text, StringComparer.Ordinal))
            {
                kept.Add(text);
            }
        }

        return kept;
    }

    private static string NameOf(Match m) =>
        m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value;

    // templateSrv's pattern: $name | [[name]] or [[name:format]] | ${name} or ${name:format}
    [GeneratedRegex(@"\$(\w+)|\[\[(\w+?)(?::\w+)?\]\]|\$\{(\w+)(?::[^}]+)?\}")]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"^/(.*?)/([gimsy]*)$", RegexOptions.Singleline)]
    private static partial Regex JsRegexLiteral();
}
