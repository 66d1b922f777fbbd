namespace Gateway.MachineState;

/// <summary>
/// The states every shop understands. Records spell them as the enum names in camelCase (running, plannedStop, ...),
/// the same spelling the YAML mapping takes.
/// </summary>
public enum MachineStateKind
{
    /// <summary>Data arrives but says nothing the rules can map (or nothing was read yet).</summary>
    Unknown = 0,
    Running = 1,
    Idle = 2,

    /// <summary>Stopped by an active alarm.</summary>
    Alarm = 3,
    Setup = 4,

    /// <summary>A stop that the plan allows (a break, no order); not part of the planned production time.</summary>
    PlannedStop = 5,

    /// <summary>No data from the source (disconnected, or the gateway was not running).</summary>
    Offline = 6,
}

/// <summary>The spelling of the states in records and YAML.</summary>
public static class MachineStateNames
{
    public const int Count = 7;

    private static readonly string[] Names = ["unknown", "running", "idle", "alarm", "setup", "plannedStop", "offline"];

    /// <summary>The field-name stem of each state's time in the <c>oee</c> record (idle_s, planned_stop_s, ...).</summary>
    private static readonly string[] FieldStems = ["unknown", "run", "idle", "alarm", "setup", "planned_stop", "offline"];

    public static string Name(MachineStateKind state) => Names[(int)state];

    public static string SecondsField(MachineStateKind state) => FieldStems[(int)state] + "_s";

    public static bool TryParse(string text, out MachineStateKind state)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (string.Equals(Names[i], text, StringComparison.OrdinalIgnoreCase))
            {
                state = (MachineStateKind)i;
                return true;
            }
        }

        state = MachineStateKind.Unknown;
        return false;
    }
}
