using Gateway.Core;

namespace Gateway.Normalization;

/// <summary>
/// What one tag remembers between readings. Only touched under the tag's lock.
/// </summary>
internal sealed class TagState
{
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
