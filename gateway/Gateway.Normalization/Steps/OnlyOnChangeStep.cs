using Gateway.Configuration;

namespace Gateway.Normalization.Steps;

/// <summary><c>onlyOnChange</c>: drops a value equal to the last value passed on (same kind, same value).</summary>
internal sealed class OnlyOnChangeStep(NormalizationCounters counters) : INormalizationStep
{
    public bool Apply(ref ReadingDraft draft, TagState? state, ResolvedTag tag)
    {
        var baseline = state!;
        if (baseline.MustPassChangeFilter(in draft) || !baseline.LastEmittedValue.Equals(draft.Value))
        {
            return true;
        }

        Interlocked.Increment(ref counters.DroppedOnlyOnChange);
        return false;
    }
}
