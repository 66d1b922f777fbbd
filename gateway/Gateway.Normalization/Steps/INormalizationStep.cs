namespace Gateway.Normalization.Steps;

/// <summary>
/// One rule applied to one tag's readings. A tag's steps are built once from its merged rules (see
/// <see cref="TagChain"/>) and run in order on every reading, under the tag's lock.
/// </summary>
internal interface INormalizationStep
{
    /// <summary>Changes the draft in place; returns false to drop the reading (the step counts why).</summary>
    bool Apply(ref ReadingDraft draft);
}
