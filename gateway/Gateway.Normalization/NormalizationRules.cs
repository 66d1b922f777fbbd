using System.Globalization;
using System.Reflection;

using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Core;

using ValueType = Gateway.Configuration.Model.ValueType;

namespace Gateway.Normalization;

/// <summary>A tag's normalization rules that cannot work, with the place to fix them.</summary>
public sealed record NormalizationProblem(TagKey Tag, SourceLocation? Location, string Message)
{
    public override string ToString() =>
        $"{Location?.ToString() ?? "(no file)"}: tag {Tag.Source}/{Tag.Machine}/{Tag.Tag}: {Message}";
}

/// <summary>Checks and compares merged normalization rules.</summary>
public static class NormalizationRules
{
    private static readonly PropertyInfo[] RuleProperties = typeof(NormalizeConfig).GetProperties(BindingFlags.Public | BindingFlags.Instance);

    /// <summary>
    /// Every problem in the tags' rules that the YAML binder's attributes cannot see (enum keys that are not whole
    /// numbers, a tag defined twice, ...). An empty list means <see cref="NormalizationPipeline"/> accepts them.
    /// </summary>
    public static IReadOnlyList<NormalizationProblem> Validate(IEnumerable<ResolvedTag> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var problems = new List<NormalizationProblem>();
        var seen = new Dictionary<TagKey, ResolvedTag>();
        foreach (var tag in tags)
        {
            if (seen.TryGetValue(tag.Key, out var first))
            {
                problems.Add(new(tag.Key, tag.Location, $"the tag is defined twice (first at {first.Location?.ToString() ?? "(no file)"}); give one of them another name."));
                continue;
            }

            seen.Add(tag.Key, tag);
            Check(tag, problems);
        }

        return problems;
    }

    private static void Check(ResolvedTag tag, List<NormalizationProblem> problems)
    {
        var rules = tag.Normalize;
        void Problem(string message) => problems.Add(new(tag.Key, tag.Location, message));

        if (rules.Scale is { } scale && !double.IsFinite(scale))
        {
            Problem($"normalize.scale is {scale}; use a finite number.");
        }

        if (rules.Offset is { } offset && !double.IsFinite(offset))
        {
            Problem($"normalize.offset is {offset}; use a finite number.");
        }

        if (rules.DeadbandAbsolute is { } absolute && !(absolute >= 0 && double.IsFinite(absolute)))
        {
            Problem($"normalize.deadbandAbsolute is {absolute}; use a number of at least 0 (0 turns it off).");
        }

        if (rules.DeadbandPercent is { } percent && !(percent is >= 0 and <= 100))
        {
            Problem($"normalize.deadbandPercent is {percent}; use a percentage from 0 to 100 (0 turns it off).");
        }

        if (rules.MaxClockSkewMs is < 0)
        {
            Problem($"normalize.maxClockSkewMs is {rules.MaxClockSkewMs}; use a number of milliseconds of at least 0 (0 turns the guard off).");
        }

        if (rules.Enum is { Count: > 0 } names)
        {
            var numbers = new HashSet<long>();
            foreach (var (key, name) in names)
            {
                if (!TryParseEnumKey(key, out var number))
                {
                    Problem($"normalize.enum key '{key}' is not a whole number; enum maps numbers to names, e.g. {{0: STOPPED, 1: RUNNING}}.");
                }
                else if (!numbers.Add(number))
                {
                    Problem($"normalize.enum names the number {number} twice (key '{key}'); keep one entry.");
                }

                if (string.IsNullOrWhiteSpace(name))
                {
                    Problem($"normalize.enum entry {key} has no name; give it one or remove it.");
                }
            }

            if (rules.Type is ValueType.String)
            {
                Problem("normalize.enum maps numbers, but normalize.type: string turns the value into text first; remove one of them.");
            }
        }
    }

    internal static bool TryParseEnumKey(string key, out long number) =>
        long.TryParse(key, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out number);

    /// <summary>
    /// True when two merged rule sets would normalize the same way, so a reload can keep the tag's state.
    /// Compares every property of <see cref="NormalizeConfig"/>, so a rule added later is never overlooked.
    /// </summary>
    public static bool AreEquivalent(NormalizeConfig left, NormalizeConfig right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (ReferenceEquals(left, right))
        {
            return true;
        }

        foreach (var property in RuleProperties)
        {
            var a = property.GetValue(left);
            var b = property.GetValue(right);
            if (a is IReadOnlyDictionary<string, string> mapA && b is IReadOnlyDictionary<string, string> mapB)
            {
                if (mapA.Count != mapB.Count
                    || mapA.Any(pair => !mapB.TryGetValue(pair.Key, out var other) || !string.Equals(pair.Value, other, StringComparison.Ordinal)))
                {
                    return false;
                }
            }
            else if (!Equals(a, b))
            {
                return false;
            }
        }

        return true;
    }
}
