using Gateway.Configuration;

namespace Gateway.Normalization.Steps;

/// <summary>
/// <c>deadbandPercent</c>: drops a value that moved no more than this percentage of the last value passed on.
/// Unlike the OPC UA percent deadband (Part 8, 7.2: percent of the EURange) it needs no EURange, so it works
/// for any server and for polled tags; a baseline of 0 lets every change through.
/// </summary>
internal sealed class PercentDeadbandStep(double percent, NormalizationCounters counters) : INormalizationStep
{
    public bool Apply(ref ReadingDraft draft, TagState? state, ResolvedTag tag)
    {
        var baseline = state!;
        if (baseline.MustPassChangeFilter(in draft)
            || ValueChange.Exceeds(baseline.LastEmittedValue, draft.Value, new PercentOfBaselineThreshold(percent)))
        {
            return true;
        }

        Interlocked.Increment(ref counters.DroppedDeadbandPercent);
        return false;
    }
}
