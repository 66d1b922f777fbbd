using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Core;

namespace Gateway.Normalization.Steps;

/// <summary>
/// <c>bad</c> and <c>uncertain</c>: pass, drop, or holdLastGood (the last Good value, with this reading's timestamp
/// and its own status code, so a chart keeps its line and a consumer can still tell the value is held).
/// Runs first, so a held value goes through coercion and scaling like any other.
/// </summary>
internal sealed class QualityPolicyStep(
    QualityPolicy bad,
    QualityPolicy uncertain,
    NormalizationCounters counters) : INormalizationStep
{
    private readonly bool _remembersGood = bad == QualityPolicy.HoldLastGood || uncertain == QualityPolicy.HoldLastGood;

    public bool Apply(ref ReadingDraft draft, TagState? state, ResolvedTag tag)
    {
        var remembered = state!;
        if (draft.Quality == Quality.Good)
        {
            if (_remembersGood)
            {
                remembered.HasLastGood = true;
                remembered.LastGoodValue = draft.Value;
            }

            return true;
        }

        remembered.RecoveryPending = true;
        var isBad = draft.Quality == Quality.Bad;
        switch (isBad ? bad : uncertain)
        {
            case QualityPolicy.Drop:
                Interlocked.Increment(ref isBad ? ref counters.DroppedBad : ref counters.DroppedUncertain);
                return false;
            case QualityPolicy.HoldLastGood when remembered.HasLastGood:
                draft.Value = remembered.LastGoodValue;
                Interlocked.Increment(ref counters.HeldLastGood);
                return true;
            default:
                // Pass, or holdLastGood before any Good value: the reading goes on as received, so the outage is recorded.
                return true;
        }
    }
}
