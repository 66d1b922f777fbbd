namespace Gateway.Simulator;

/// <summary>
/// The values of generated tags in <see cref="SimulatorOptions.TickValues"/> mode: a pure function of (machine index,
/// tag number, tick), so that a load-test checker can tell from a delivered value which tick it belongs to and whether
/// it is exactly what the simulator produced.
/// </summary>
public static class TickValues
{
    /// <summary>The OPC UA type of generated tag <paramref name="tagNumber"/> (1-based), the same as in normal mode.</summary>
    public static string DataType(int tagNumber) => (tagNumber % 10) switch
    {
        8 => "Int32",
        9 => "Boolean",
        _ => "Double",
    };

    /// <summary>
    /// Double: the tick plus a fraction below 0.5 that depends on machine and tag (a reading routed to the wrong series
    /// does not match); Int32: the tick; Boolean: true on odd ticks.
    /// </summary>
    public static object Of(int machineIndex, int tagNumber, long tick) => DataType(tagNumber) switch
    {
        "Int32" => (int)tick,
        "Boolean" => tick % 2 == 1,
        _ => tick + Fraction(machineIndex, tagNumber),
    };

    /// <summary>
    /// The tick a Double or Int32 value stands for; null when the value is not one <see cref="Of"/> produces for this
    /// machine and tag, or the tag is a Boolean (its value says only odd or even).
    /// </summary>
    public static long? TickOf(int machineIndex, int tagNumber, double value)
    {
        if (DataType(tagNumber) == "Boolean")
        {
            return null;
        }

        var tick = DataType(tagNumber) == "Int32" ? (long)Math.Round(value) : (long)Math.Round(value - Fraction(machineIndex, tagNumber));
        return tick >= 0 && Of(machineIndex, tagNumber, tick) switch
        {
            int i => i == value,
            double d => d == value,
            _ => false,
        } ? tick : null;
    }

    private static double Fraction(int machineIndex, int tagNumber) => (((machineIndex * 7919) + tagNumber) % 500) / 1000.0;
}
