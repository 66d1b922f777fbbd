using Gateway.Core;

namespace Gateway.Normalization;

/// <summary>
/// What one tag remembers between readings, for the steps of its rules that need it (see
/// <see cref="CompiledRules.NeedsState"/>): a tag whose rules remember nothing has none. The quality policy's and the
/// change filters' fields are only touched under the tag's lock (the state itself); the log-once flags of the other
/// steps tolerate a race (at worst a line is logged twice).
/// </summary>
internal sealed class TagState
{
    /// <summary>The tag's own counters; only for a tag whose rules had a skew guard, kept when its rules change.</summary>
    public TagCounters? Counters;

    /// <summary>A value of the tag could not be coerced and none has been since (one log line per episode).</summary>
    public bool InTypeFailureEpisode;

    /// <summary>A number of the tag had no name in its enum map and none has had since.</summary>
    public bool InUnmappedEpisode;

    /// <summary>The tag's timestamp is beyond maxClockSkewMs and has not been back within it since.</summary>
    public bool InSkewEpisode;

    /// <summary>Whether a reading of this tag has been passed on since the rules took effect.</summary>
    public bool HasLastEmitted;

    /// <summary>The value of the last reading passed on: the deadband and on-change baseline.</summary>
    public ReadingValue LastEmittedValue;

    /// <summary>The status code of the last reading passed on.</summary>
    public uint LastEmittedStatus;

    /// <summary>
    /// Set by every Bad or Uncertain reading, passed or dropped: the next Good reading passes every change
    /// filter, so a recovery is always visible even when the value is the same as before the outage.
    /// </summary>
    public bool RecoveryPending;

    /// <summary>Whether a Good reading has been seen (for holdLastGood).</summary>
    public bool HasLastGood;

    /// <summary>The last Good value as received, before coercion and scaling (the chain applies them again).</summary>
    public ReadingValue LastGoodValue;

    /// <summary>
    /// True when a change filter must let the reading through whatever its value: the first reading, a change of
    /// status code (Part 4, 7.22.2: "Deadband is ignored if the status of the data item changes"), or the first Good
    /// reading after a Bad or Uncertain one, even if that one was dropped.
    /// Readings with the same status as the last one passed are compared by value, so a Bad reading is only ever
    /// compared with a Bad baseline and never poisons the Good one.
    /// </summary>
    public bool MustPassChangeFilter(in ReadingDraft draft) =>
        !HasLastEmitted
        || draft.StatusCode != LastEmittedStatus
        || (RecoveryPending && draft.Quality == Quality.Good);

    public void RecordEmitted(in ReadingDraft draft)
    {
        HasLastEmitted = true;
        LastEmittedValue = draft.Value;
        LastEmittedStatus = draft.StatusCode;
        if (draft.Quality == Quality.Good)
        {
            RecoveryPending = false;
        }
    }
}
