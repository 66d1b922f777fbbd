namespace Gateway.Normalization.Steps;

/// <summary><c>onlyOnChange</c>: drops a value equal to the last value passed on (same kind, same value).</summary>
internal sealed class OnlyOnChangeStep(TagState state, NormalizationCounters counters) : INormalizationStep
{
    public bool Apply(ref ReadingDraft draft)
    {
        if (state.MustPassChangeFilter(in draft) || !state.LastEmittedValue.Equals(draft.Value))
        {
            return true;
        }

        Interlocked.Increment(ref counters.DroppedOnlyOnChange);
        return false;
    }
}
