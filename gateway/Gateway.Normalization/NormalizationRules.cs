using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Configuration.Validation;
using Gateway.Core;

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
    /// <summary>
    /// Every problem in the tags' rules that the YAML binder's attributes cannot see (enum keys that are not whole
    /// numbers, a tag defined twice, ...). An empty list means <see cref="NormalizationPipeline"/> accepts them.
    /// <see cref="ConfigurationLoader"/> runs the same <see cref="NormalizeRuleChecks"/>, so a loaded configuration
    /// never has any.
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
        // The loader runs the same checks on every `normalize:` block, at its line; here they only assert.
        foreach (var problem in NormalizeRuleChecks.Check(tag.Normalize).Concat(NormalizeRuleChecks.CheckMerged(tag.Normalize)))
        {
            problems.Add(new(tag.Key, tag.Location, problem.Message));
        }
    }

    internal static bool TryParseEnumKey(string key, out long number) => NormalizeRuleChecks.TryParseEnumKey(key, out number);

    /// <summary>
    /// True when two merged rule sets would normalize the same way, so a reload can keep the tag's state.
    /// Compares every property of <see cref="NormalizeConfig"/>, so a rule added later is never overlooked.
    /// </summary>
    public static bool AreEquivalent(NormalizeConfig left, NormalizeConfig right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return NormalizeConfigComparer.Instance.Equals(left, right);
    }
}
