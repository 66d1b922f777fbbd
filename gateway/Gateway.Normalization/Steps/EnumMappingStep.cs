using System.Collections.Frozen;

using Gateway.Configuration;
using Gateway.Core;

using Microsoft.Extensions.Logging;

namespace Gateway.Normalization.Steps;

/// <summary>
/// <c>enum</c>: a whole number (or a boolean as 0/1) becomes its name, e.g. a machine state 1 becomes RUNNING.
/// A number with no name passes as the number, so nothing is lost; it is counted and logged once per episode
/// (the map is probably missing an entry).
/// </summary>
internal sealed class EnumMappingStep(
    FrozenDictionary<long, string> names,
    NormalizationCounters counters,
    ILogger logger) : INormalizationStep
{
    public bool Apply(ref ReadingDraft draft, TagState? state, ResolvedTag tag)
    {
        var episode = state!;
        long key;
        switch (draft.Value.Kind)
        {
            case ValueKind.Int64:
                key = draft.Value.AsInt64();
                break;
            case ValueKind.Boolean:
                key = draft.Value.AsBoolean() ? 1 : 0;
                break;
            case ValueKind.Double:
                var number = draft.Value.AsDouble();
                // A double only has a name when it is a whole number; 2.5 is never state 2.
                if (number != Math.Floor(number) || number < long.MinValue || number >= 9.2233720368547758E18)
                {
                    Unmapped(draft.Value, episode, tag);
                    return true;
                }

                key = (long)number;
                break;
            default:
                return true;
        }

        if (names.TryGetValue(key, out var name))
        {
            draft.Value = ReadingValue.FromString(name);
            episode.InUnmappedEpisode = false;
        }
        else
        {
            Unmapped(draft.Value, episode, tag);
        }

        return true;
    }

    private void Unmapped(ReadingValue value, TagState episode, ResolvedTag tag)
    {
        Interlocked.Increment(ref counters.EnumUnmapped);
        if (!episode.InUnmappedEpisode)
        {
            episode.InUnmappedEpisode = true;
            logger.LogWarning(
                "Tag {Source}/{Machine}/{Tag} ({Location}): the value {Value} has no name in `normalize.enum`; passing the number. Add it to the map if it is a valid state.",
                tag.Source, tag.Machine, tag.Tag, tag.Location?.ToString() ?? "no file", value.ToString());
        }
    }
}
