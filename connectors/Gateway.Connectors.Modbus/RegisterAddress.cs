using System.Globalization;

using Gateway.Modbus;

namespace Gateway.Connectors.Modbus;

/// <summary>
/// Where a value starts on the device: a table and a 0-based protocol address (what goes on the wire).
/// Two ways to write it:
/// <list type="bullet">
/// <item>the explicit form, 0-based as on the wire: <c>holding:0</c>, <c>input:9</c>, <c>coil:100</c>, <c>discrete:7</c>;</item>
/// <item>the 5- or 6-digit convention of device manuals, 1-based: the first digit is the table (0 coil, 1 discrete
/// input, 3 input register, 4 holding register) and the rest the register number, counted from 1. So <c>40001</c> and
/// <c>400001</c> are <c>holding:0</c>, <c>300010</c> is <c>input:9</c>, <c>00101</c> is <c>coil:100</c>.</item>
/// </list>
/// The pitfall: a manual that lists "register 100" may mean protocol address 100 (<c>holding:100</c>) or the 100th
/// register (<c>40100</c> = <c>holding:99</c>); reading one register too far is the classic commissioning mistake,
/// and `gateway modbus scan` shows both neighbours.
/// </summary>
public readonly record struct RegisterAddress(ModbusTable Table, int Offset)
{
    public bool IsBit => Table is ModbusTable.Coil or ModbusTable.DiscreteInput;

    public ModbusFunction Function => Table switch
    {
        ModbusTable.Coil => ModbusFunction.ReadCoils,
        ModbusTable.DiscreteInput => ModbusFunction.ReadDiscreteInputs,
        ModbusTable.InputRegister => ModbusFunction.ReadInputRegisters,
        _ => ModbusFunction.ReadHoldingRegisters,
    };

    public static RegisterAddress Parse(string text) =>
        TryParse(text, out var address, out var why) ? address : throw new FormatException(why);

    public static bool TryParse(string text, out RegisterAddress address, out string why)
    {
        address = default;
        var written = text.Trim();
        var colon = written.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            var table = written[..colon].Trim().ToLowerInvariant() switch
            {
                "holding" or "hr" => ModbusTable.HoldingRegister,
                "input" or "ir" => ModbusTable.InputRegister,
                "coil" or "co" => ModbusTable.Coil,
                "discrete" or "di" => ModbusTable.DiscreteInput,
                _ => (ModbusTable?)null,
            };
            if (table is null)
            {
                why = $"'{text}': the table before ':' is holding, input, coil or discrete";
                return false;
            }

            if (!int.TryParse(written[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var offset) || offset > 65535)
            {
                why = $"'{text}': the address after ':' is 0..65535 (0-based, as on the wire)";
                return false;
            }

            address = new RegisterAddress(table.Value, offset);
            why = "";
            return true;
        }

        if (written.Length is not (5 or 6) || !written.All(char.IsAsciiDigit))
        {
            why = $"'{text}' is neither TABLE:ADDRESS (holding:0, input:9, coil:100, discrete:7; 0-based) nor a 5/6-digit register number (40001, 300010; 1-based)";
            return false;
        }

        var kind = written[0] switch
        {
            '0' => ModbusTable.Coil,
            '1' => ModbusTable.DiscreteInput,
            '3' => ModbusTable.InputRegister,
            '4' => ModbusTable.HoldingRegister,
            _ => (ModbusTable?)null,
        };
        var number = int.Parse(written.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture);
        if (kind is null)
        {
            why = $"'{text}': the first digit of a register number is 0 (coil), 1 (discrete input), 3 (input register) or 4 (holding register)";
            return false;
        }

        if (number < 1 || number > 65536)
        {
            why = $"'{text}': register numbers count from 1 ({written[0]}0001) to 65536; write {written[0]}{new string('0', written.Length - 2)}1 for the first";
            return false;
        }

        address = new RegisterAddress(kind.Value, number - 1);
        why = "";
        return true;
    }

    /// <summary>The explicit form, e.g. holding:0.</summary>
    public override string ToString() => $"{TableName(Table)}:{Offset}";

    public static string TableName(ModbusTable table) => table switch
    {
        ModbusTable.Coil => "coil",
        ModbusTable.DiscreteInput => "discrete",
        ModbusTable.InputRegister => "input",
        _ => "holding",
    };
}
