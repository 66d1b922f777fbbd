using Gateway.Configuration;

namespace Gateway.Normalization.Steps;

/// <summary>
/// <c>deadbandAbsolute</c>: drops a value that moved no more than the limit from the last value passed on, in the
/// final units (after scaling). Works the same for polled and subscribed tags.
/// </summary>
internal sealed class AbsoluteDeadbandStep(double limit, NormalizationCounters counters) : INormalizationStep
{
    public bool Apply(ref ReadingDraft draft, TagState? state, ResolvedTag tag)
    {
        var baseline = state!;
        if (baseline.MustPassChangeFilter(in draft)
            || ValueChange.Exceeds(baseline.LastEmittedValue, draft.Value, new AbsoluteThreshold(limit)))
        {
            return true;
        }

        Interlocked.Increment(ref counters.DroppedDeadbandAbsolute);
        return false;
    }
}
