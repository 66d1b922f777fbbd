using System.Globalization;

namespace Gateway.Melsec.Devices;

/// <summary>
/// One device point, e.g. D100, W1A, X1F, ZR10000. <see cref="Number"/> is the point's index (what goes on the wire);
/// the text form writes it in the device's own base: decimal, hexadecimal (X, Y, B, W, ...), or octal for X and Y on
/// FX3 and iQ-F CPUs, whose inputs and outputs are numbered X0-X7, X10-X17.
/// </summary>
public readonly record struct DeviceAddress(DeviceType Device, int Number)
{
    /// <summary>The largest number a 3-byte device number (3E/4E without the extension) can carry.</summary>
    public const int MaxNumber = 0xFFFFFF;

    public DeviceAddress Offset(int points) => this with { Number = Number + points };

    public override string ToString() => Format(octalInputs: false);

    /// <summary>As the programmer writes it; <paramref name="octalInputs"/>: X and Y in octal (FX).</summary>
    public string Format(bool octalInputs) => Device.Name + NumberText(Device, Number, octalInputs);

    public static string NumberText(DeviceType device, int number, bool octalInputs) =>
        octalInputs && (device == DeviceTypes.X || device == DeviceTypes.Y) ? Convert.ToString(number, 8)
        : device.HexNumbers ? number.ToString("X", CultureInfo.InvariantCulture)
        : number.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses "D100", "w1a", "X1F", "SM400", "ZR10000"; X/Y numbers are octal when <paramref name="octalInputs"/> (FX3, iQ-F).</summary>
    public static DeviceAddress Parse(string text, bool octalInputs = false) =>
        TryParse(text, octalInputs, out var address, out var why) ? address : throw new FormatException(why);

    public static bool TryParse(string text, bool octalInputs, out DeviceAddress address, out string why)
    {
        address = default;
        var written = text.Trim().ToUpperInvariant();
        foreach (var device in DeviceTypes.All)
        {
            if (!written.StartsWith(device.Name, StringComparison.Ordinal) || written.Length == device.Name.Length)
            {
                continue;
            }

            var digits = written[device.Name.Length..];
            var octal = octalInputs && (device == DeviceTypes.X || device == DeviceTypes.Y);
            var numberBase = octal ? 8 : device.HexNumbers ? 16 : 10;
            if (!TryParseNumber(digits, numberBase, out var number))
            {
                // "D1A" is not a decimal number: say which base the device uses rather than "unknown device".
                why = $"'{text}': {device.Name} numbers are {(numberBase switch { 8 => "octal on this CPU (X0-X7, X10-X17)", 16 => "hexadecimal (e.g. " + device.Name + "1F)", _ => "decimal (e.g. " + device.Name + "100)" })}, not '{digits}'";
                return false;
            }

            address = new DeviceAddress(device, number);
            why = "";
            return true;
        }

        why = $"'{text}' is not a MELSEC device; write it as in GX Works, e.g. D100, W1A, R2000, ZR10000, M100, X1F, B0, SM400, SD210, TN0, CN10, TS0 or CS0";
        return false;
    }

    private static bool TryParseNumber(string digits, int numberBase, out int number)
    {
        number = 0;
        if (digits.Length is 0 or > 8)
        {
            return false;
        }

        long value = 0;
        foreach (var c in digits)
        {
            var digit = c is >= '0' and <= '9' ? c - '0' : c is >= 'A' and <= 'F' ? c - 'A' + 10 : 99;
            if (digit >= numberBase)
            {
                return false;
            }

            value = (value * numberBase) + digit;
        }

        if (value > int.MaxValue)
        {
            return false;
        }

        number = (int)value;
        return true;
    }
}
