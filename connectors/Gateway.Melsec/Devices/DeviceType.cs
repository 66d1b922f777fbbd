namespace Gateway.Melsec.Devices;

/// <summary>Whether a device holds one bit per number (M, X, TS) or one 16-bit word per number (D, W, TN).</summary>
public enum DeviceKind
{
    Bit,
    Word,
}

/// <summary>
/// One kind of MELSEC device as the MC protocol / SLMP names it: the name a PLC programmer writes (D, W, ZR, SM),
/// whether its numbers are written in decimal or hexadecimal (W1A, X1F, B0 are hexadecimal on Q/L/iQ-R), and its
/// codes on the wire: one byte in binary 3E/4E frames (SLMP device code table), two characters in ASCII frames ("D*"),
/// two bytes / four characters with the iQ-R device extension (subcommands 0002/0003), and the 1E frame's code.
/// </summary>
/// <param name="Name">As written in GX Works: "D", "ZR", "SM", "TN".</param>
/// <param name="BinaryCode">The binary device code of 3E/4E frames (D = A8h).</param>
/// <param name="AsciiCode">The two-character code of ASCII 3E/4E frames ("D*", "ZR").</param>
/// <param name="HexNumbers">Device numbers are hexadecimal (X, Y, B, W, SB, SW, DX, DY).</param>
/// <param name="Code1E">The A-compatible 1E frame's device code (D = 4420h, "D "), 0 when the 1E frame has none.</param>
public sealed record DeviceType(string Name, DeviceKind Kind, byte BinaryCode, string AsciiCode, bool HexNumbers, ushort Code1E = 0)
{
    public bool IsBit => Kind == DeviceKind.Bit;

    /// <summary>The iQ-R extended ASCII code: the two-character code padded with '*' to four ("D***", "ZR**").</summary>
    public string ExtendedAsciiCode => AsciiCode.TrimEnd('*').PadRight(4, '*');

    public override string ToString() => Name;
}

/// <summary>The device table (SLMP reference manual, "Device code list"; MC protocol reference manual, 1E frame device codes).</summary>
public static class DeviceTypes
{
    public static readonly DeviceType SM = new("SM", DeviceKind.Bit, 0x91, "SM", false);
    public static readonly DeviceType SD = new("SD", DeviceKind.Word, 0xA9, "SD", false);
    public static readonly DeviceType X = new("X", DeviceKind.Bit, 0x9C, "X*", true, 0x5820);
    public static readonly DeviceType Y = new("Y", DeviceKind.Bit, 0x9D, "Y*", true, 0x5920);
    public static readonly DeviceType M = new("M", DeviceKind.Bit, 0x90, "M*", false, 0x4D20);
    public static readonly DeviceType L = new("L", DeviceKind.Bit, 0x92, "L*", false);
    public static readonly DeviceType F = new("F", DeviceKind.Bit, 0x93, "F*", false, 0x4620);
    public static readonly DeviceType V = new("V", DeviceKind.Bit, 0x94, "V*", false);
    public static readonly DeviceType B = new("B", DeviceKind.Bit, 0xA0, "B*", true, 0x4220);
    public static readonly DeviceType S = new("S", DeviceKind.Bit, 0x98, "S*", false, 0x5320);
    public static readonly DeviceType D = new("D", DeviceKind.Word, 0xA8, "D*", false, 0x4420);
    public static readonly DeviceType W = new("W", DeviceKind.Word, 0xB4, "W*", true, 0x5720);
    public static readonly DeviceType TS = new("TS", DeviceKind.Bit, 0xC1, "TS", false, 0x5453);
    public static readonly DeviceType TC = new("TC", DeviceKind.Bit, 0xC0, "TC", false, 0x5443);
    public static readonly DeviceType TN = new("TN", DeviceKind.Word, 0xC2, "TN", false, 0x544E);
    public static readonly DeviceType STS = new("STS", DeviceKind.Bit, 0xC7, "SS", false);
    public static readonly DeviceType STC = new("STC", DeviceKind.Bit, 0xC6, "SC", false);
    public static readonly DeviceType STN = new("STN", DeviceKind.Word, 0xC8, "SN", false);
    public static readonly DeviceType CS = new("CS", DeviceKind.Bit, 0xC4, "CS", false, 0x4353);
    public static readonly DeviceType CC = new("CC", DeviceKind.Bit, 0xC3, "CC", false, 0x4343);
    public static readonly DeviceType CN = new("CN", DeviceKind.Word, 0xC5, "CN", false, 0x434E);
    public static readonly DeviceType SB = new("SB", DeviceKind.Bit, 0xA1, "SB", true);
    public static readonly DeviceType SW = new("SW", DeviceKind.Word, 0xB5, "SW", true);
    public static readonly DeviceType DX = new("DX", DeviceKind.Bit, 0xA2, "DX", true);
    public static readonly DeviceType DY = new("DY", DeviceKind.Bit, 0xA3, "DY", true);
    public static readonly DeviceType Z = new("Z", DeviceKind.Word, 0xCC, "Z*", false);
    public static readonly DeviceType R = new("R", DeviceKind.Word, 0xAF, "R*", false, 0x5220);
    public static readonly DeviceType ZR = new("ZR", DeviceKind.Word, 0xB0, "ZR", false);

    /// <summary>Every device, longest name first, so that "SM400" is SM and not S, "ZR10" ZR and not Z.</summary>
    public static readonly IReadOnlyList<DeviceType> All =
        [.. new[] { SM, SD, X, Y, M, L, F, V, B, S, D, W, TS, TC, TN, STS, STC, STN, CS, CC, CN, SB, SW, DX, DY, Z, R, ZR }
            .OrderByDescending(d => d.Name.Length)];

    public static DeviceType? ByBinaryCode(int code) => All.FirstOrDefault(d => d.BinaryCode == code);

    public static DeviceType? ByAsciiCode(string code)
    {
        var trimmed = code.TrimEnd('*');
        return All.FirstOrDefault(d => d.AsciiCode.TrimEnd('*') == trimmed);
    }

    public static DeviceType? By1ECode(int code) => code == 0 ? null : All.FirstOrDefault(d => d.Code1E == code);
}
