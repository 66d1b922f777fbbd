using System.Globalization;

using Gateway.Configuration.Model;

using ValueType = Gateway.Configuration.Model.ValueType;

namespace Gateway.Configuration.Validation;

/// <summary>
/// A problem in normalization rules: the key it concerns (`enum`, `scale`, ...), the enum entry when it is one,
/// and what to do.
/// </summary>
/// <param name="Key">The key under `normalize:` (camelCase).</param>
/// <param name="EnumKey">The offending entry of `normalize.enum`, or null.</param>
/// <param name="Message">The message, starting with `normalize.KEY`.</param>
public sealed record NormalizeRuleProblem(string Key, string? EnumKey, string Message);

/// <summary>
/// The checks on normalization rules that the binder's attributes cannot express. The loader runs them on every
/// `normalize:` block as written (so `validate`, `run` and hot reload report them at the offending line) and the
/// normalization pipeline runs the same ones on a tag's merged rules, as an assertion: one list, so a file the
/// runtime refuses is always a file `validate` refuses first.
/// </summary>
public static class NormalizeRuleChecks
{
    /// <summary>Problems within one set of rules (one level as written, or a tag's merged rules).</summary>
    public static IEnumerable<NormalizeRuleProblem> Check(NormalizeConfig rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (rules.Scale is { } scale && !double.IsFinite(scale))
        {
            yield return new("scale", null, $"normalize.scale is {scale}; use a finite number.");
        }

        if (rules.Offset is { } offset && !double.IsFinite(offset))
        {
            yield return new("offset", null, $"normalize.offset is {offset}; use a finite number.");
        }

        if (rules.DeadbandAbsolute is { } absolute && !(absolute >= 0 && double.IsFinite(absolute)))
        {
            yield return new("deadbandAbsolute", null, $"normalize.deadbandAbsolute is {absolute}; use a number of at least 0 (0 turns it off).");
        }

        if (rules.DeadbandPercent is { } percent && !(percent is >= 0 and <= 100))
        {
            yield return new("deadbandPercent", null, $"normalize.deadbandPercent is {percent}; use a percentage from 0 to 100 (0 turns it off).");
        }

        if (rules.MaxClockSkewMs is < 0)
        {
            yield return new("maxClockSkewMs", null, $"normalize.maxClockSkewMs is {rules.MaxClockSkewMs}; use a number of milliseconds of at least 0 (0 turns the guard off).");
        }

        if (rules.Enum is { Count: > 0 } names)
        {
            var numbers = new Dictionary<long, string>();
            foreach (var (key, name) in names)
            {
                if (!TryParseEnumKey(key, out var number))
                {
                    yield return new("enum", key, $"normalize.enum key '{key}' is not a whole number; enum maps numbers to names, e.g. {{0: STOPPED, 1: RUNNING}}.");
                }
                else if (!numbers.TryAdd(number, key))
                {
                    yield return new("enum", key, $"normalize.enum names the number {number} twice (keys '{numbers[number]}' and '{key}'); keep one entry.");
                }

                if (string.IsNullOrWhiteSpace(name))
                {
                    yield return new("enum", key, $"normalize.enum entry {key} has no name; give it one or remove it.");
                }
            }
        }
    }

    /// <summary>
    /// Problems between rules that may be set at different levels (the file's `normalize`, a source, a template...):
    /// only a tag's merged rules show them.
    /// </summary>
    public static IEnumerable<NormalizeRuleProblem> CheckMerged(NormalizeConfig merged)
    {
        ArgumentNullException.ThrowIfNull(merged);
        if (merged.Enum is { Count: > 0 } && merged.Type is ValueType.String)
        {
            yield return new("enum", null, "normalize.enum maps numbers, but normalize.type: string turns the value into text first; remove one of them.");
        }
    }

    /// <summary>An enum key as the enum step reads it: a whole number, with an optional sign.</summary>
    public static bool TryParseEnumKey(string key, out long number) =>
        long.TryParse(key, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out number);
}
