using System.Globalization;

using Gateway.Core;

namespace Gateway.MachineState;

/// <summary>
/// A template's state rules compiled once: which tag feeds which rule. <see cref="Classify"/> is the rule order, most
/// telling first: an active alarm, then the setup signal, then the execution mapping, then the spindle threshold.
/// </summary>
public sealed class StateClassifier
{
    public const int Execution = 0, Spindle = 1, Alarm = 2, AlarmText = 3, Setup = 4, Program = 5, CycleTime = 6, PartCount = 7, GoodCount = 8, RejectCount = 9;

    public const int SlotCount = 10;

    private readonly Dictionary<string, MachineStateKind> _executionStates;

    public StateClassifier(StateModelOptions options)
    {
        Options = options;
        _executionStates = new Dictionary<string, MachineStateKind>(options.ExecutionStates, StringComparer.OrdinalIgnoreCase);
        var slots = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        void Map(string? tag, int slot)
        {
            if (tag is not null)
            {
                if (!slots.TryGetValue(tag, out var list))
                {
                    slots[tag] = list = [];
                }

                list.Add(slot);
            }
        }

        Map(options.ExecutionTag, Execution);
        Map(options.SpindleTag, Spindle);
        Map(options.AlarmTag, Alarm);
        Map(options.AlarmTextTag, AlarmText);
        Map(options.SetupTag, Setup);
        Map(options.ProgramTag, Program);
        Map(options.CycleTimeTag, CycleTime);
        Map(options.PartCountTag, PartCount);
        Map(options.GoodCountTag, GoodCount);
        Map(options.RejectCountTag, RejectCount);
        Slots = slots.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
    }

    public StateModelOptions Options { get; }

    /// <summary>Tag name -> the rule slots it feeds (a tag may feed more than one).</summary>
    public IReadOnlyDictionary<string, int[]> Slots { get; }

    /// <summary>The state the latest values say, and why (the execution value, the alarm text, ...).</summary>
    public (MachineStateKind State, string Reason) Classify(ReadOnlySpan<ReadingValue> values)
    {
        if (Options.AlarmTag is not null && IsActive(values[Alarm]))
        {
            var text = Options.AlarmTextTag is not null && !values[AlarmText].IsNull ? values[AlarmText].ToString() : "";
            return (MachineStateKind.Alarm, text.Length > 0 ? text : values[Alarm].ToString());
        }

        if (Options.SetupTag is not null && IsActive(values[Setup]))
        {
            return (MachineStateKind.Setup, "setup");
        }

        if (Options.ExecutionTag is not null && !values[Execution].IsNull)
        {
            var execution = ExecutionText(values[Execution]);
            if (_executionStates.TryGetValue(execution, out var mapped))
            {
                if (mapped == MachineStateKind.Alarm)
                {
                    // The execution says alarm; the alarm text (when there is one) says which.
                    var text = Options.AlarmTextTag is not null && !values[AlarmText].IsNull ? values[AlarmText].ToString() : "";
                    return (mapped, text.Length > 0 ? text : execution);
                }

                return (mapped, execution);
            }

            if (Options.SpindleTag is null)
            {
                return (MachineStateKind.Unknown, execution);
            }
        }

        if (Options.SpindleTag is not null && values[Spindle].TryGetNumber() is { } spindle)
        {
            return spindle > Options.SpindleRunningAbove ? (MachineStateKind.Running, "spindle") : (MachineStateKind.Idle, "spindle");
        }

        return (MachineStateKind.Unknown, "");
    }

    /// <summary>Non-zero, true, or a non-empty text other than 0 / false.</summary>
    public static bool IsActive(ReadingValue value) => value.Kind switch
    {
        ValueKind.Boolean => value.AsBoolean(),
        ValueKind.Int64 => value.AsInt64() != 0,
        ValueKind.Double => value.AsDouble() != 0,
        ValueKind.String => value.AsString() is { Length: > 0 } text && text != "0" && !string.Equals(text, "false", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>An execution value as the mapping's key: text as is, numbers without a fraction as integers.</summary>
    public static string ExecutionText(ReadingValue value) => value.Kind switch
    {
        ValueKind.Double when value.AsDouble() == Math.Floor(value.AsDouble()) => ((long)value.AsDouble()).ToString(CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
