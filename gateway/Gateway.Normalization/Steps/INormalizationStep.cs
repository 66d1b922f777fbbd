using Gateway.Configuration;

namespace Gateway.Normalization.Steps;

/// <summary>
/// One rule applied to readings. The steps are built once per distinct set of merged rules (see
/// <see cref="CompiledRules"/>) and shared by every tag with those rules, so a step keeps no state of its own: what a
/// tag remembers between readings is in its <see cref="TagState"/>, passed in with the tag.
/// </summary>
internal interface INormalizationStep
{
    /// <summary>Changes the draft in place; returns false to drop the reading (the step counts why).</summary>
    /// <param name="draft">The reading being normalized.</param>
    /// <param name="state">The tag's state; never null for a step whose rules need one (<see cref="CompiledRules.NeedsState"/>).</param>
    /// <param name="tag">The tag, for log lines.</param>
    bool Apply(ref ReadingDraft draft, TagState? state, ResolvedTag tag);
}
