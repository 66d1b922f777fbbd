using Gateway.Configuration;

namespace Gateway.Normalization;

/// <summary>
/// One tag in the pipeline: its definition, its compiled rules (shared with every tag whose rules are equal) and its
/// state (null when its rules remember nothing). A struct kept in the pipeline's table, so a tag without rules costs
/// no object of its own beyond its <see cref="ResolvedTag"/> (issue 26, memory).
/// </summary>
internal readonly struct TagChain
{
    public TagChain(ResolvedTag tag, CompiledRules rules, TagState? state)
    {
        Tag = tag;
        Rules = rules;
        State = state;
    }

    public ResolvedTag Tag { get; }

    public CompiledRules Rules { get; }

    public TagState? State { get; }

    /// <summary>
    /// The chain of a tag whose rules are new or changed: fresh state (its first reading passes), keeping the tag's
    /// own counters from <paramref name="previous"/> so they are reported across reloads.
    /// </summary>
    public static TagChain Start(ResolvedTag tag, CompiledRules rules, TagState? previous)
    {
        var counters = previous?.Counters ?? (rules.GuardsSkew ? new TagCounters() : null);
        var state = rules.NeedsState || counters is not null ? new TagState { Counters = counters } : null;
        return new TagChain(tag, rules, state);
    }

    /// <summary>The same rules and state under a new definition of the tag (labels or measurement changed on reload).</summary>
    public TagChain WithTag(ResolvedTag tag) => new(tag, Rules, State);

    /// <summary>Runs the steps; false when one dropped the reading.</summary>
    public bool Run(ref ReadingDraft draft)
    {
        if (!Rules.NeedsLock)
        {
            return Rules.Run(ref draft, State, Tag);
        }

        // One tag's readings normally come from one connector loop; the lock only matters when two batches of the
        // same tag overlap (a reconnect), and keeps the state consistent then.
        lock (State!)
        {
            return Rules.Run(ref draft, State, Tag);
        }
    }
}
