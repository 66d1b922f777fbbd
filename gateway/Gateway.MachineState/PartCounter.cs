namespace Gateway.MachineState;

/// <summary>What a new counter value meant.</summary>
public enum CounterChange
{
    /// <summary>The first value seen (or the first after a restart without a saved one): the baseline, nothing counted.</summary>
    Baseline,

    /// <summary>The counter went up by the parts made.</summary>
    Increment,

    /// <summary>The counter passed its maximum and started again from 0; the parts across the wrap are counted.</summary>
    Rollover,

    /// <summary>The counter went back (reset at shift start, by the operator): the new value is the parts since the reset.</summary>
    Reset,

    /// <summary>A jump larger than maxCountStep (a preset, a glitch): not counted, the new value is the baseline.</summary>
    Step,
}

/// <summary>
/// Turns a machine's part counter (which only ever shows a running total) into parts made: the difference to the last
/// value, with the counter's rollover at <see cref="Max"/>, its resets to 0 and its jumps handled, so a counter that
/// goes back to 0 at shift start or at 65535 is never read as a loss of 65,000 parts.
/// </summary>
public sealed class PartCounter
{
    public PartCounter(long max, long maxStep)
    {
        Max = max;
        MaxStep = maxStep;
    }

    /// <summary>The largest value before the counter rolls over to 0; 0 when it does not roll over.</summary>
    public long Max { get; }

    /// <summary>The largest difference that is still parts; a bigger jump is a preset.</summary>
    public long MaxStep { get; }

    /// <summary>The last raw value, or null before the first.</summary>
    public long? Last { get; private set; }

    /// <summary>Restores a saved baseline (after a restart), so a part is never counted twice.</summary>
    public void Restore(long? last) => Last = last;

    /// <summary>Takes the next raw value; returns the parts it adds (never negative) and what the change was.</summary>
    public long Next(long value, out CounterChange change)
    {
        if (Last is not { } last)
        {
            Last = value;
            change = CounterChange.Baseline;
            return 0;
        }

        Last = value;
        if (value >= last)
        {
            var up = value - last;
            if (up > MaxStep)
            {
                change = CounterChange.Step;
                return 0;
            }

            change = CounterChange.Increment;
            return up;
        }

        // Went back: a wrap at Max if the parts across it are a plausible step, else a reset to 0.
        if (Max > 0 && last <= Max)
        {
            var across = Max - last + 1 + value;
            if (across <= MaxStep)
            {
                change = CounterChange.Rollover;
                return across;
            }
        }

        if (value <= MaxStep)
        {
            change = CounterChange.Reset;
            return value;
        }

        change = CounterChange.Step;
        return 0;
    }
}
