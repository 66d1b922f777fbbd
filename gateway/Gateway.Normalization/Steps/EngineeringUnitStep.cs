using Gateway.Configuration;

namespace Gateway.Normalization.Steps;

/// <summary>
/// <c>unit</c> and <c>unitFromServer</c>: the configured unit wins (an empty one clears the unit); else, with
/// unitFromServer, the unit the connector read from the server's EUInformation stays (then this step is not in the
/// chain at all); else the reading has no unit.
/// </summary>
internal sealed class EngineeringUnitStep(string? unit) : INormalizationStep
{
    public bool Apply(ref ReadingDraft draft, TagState? state, ResolvedTag tag)
    {
        draft.Unit = unit;
        return true;
    }
}
