namespace Gateway.OpcUa.Status;

/// <summary>An OPC UA StatusCode (Part 4, 7.39): severity in the top two bits, then the sub code, then info bits.</summary>
public readonly record struct StatusCode(uint Code)
{
    public static readonly StatusCode Good = new(0);

    public bool IsGood => (Code & 0xC0000000) == 0;

    public bool IsUncertain => (Code & 0xC0000000) == 0x40000000;

    public bool IsBad => (Code & 0x80000000) != 0;

    /// <summary>Part 4, 7.39.1: InfoType DataValue (bits 10-11 = 01) with the Overflow bit (7) set: values were lost.</summary>
    public bool Overflow => (Code & 0x00000C00) == 0x00000400 && (Code & 0x00000080) != 0;

    /// <summary>The code without the info bits, for comparison with the named codes.</summary>
    public uint Base => Code & 0xFFFF0000;

    public string Name => StatusCodes.NameOf(Code);

    public override string ToString() => Code == 0 ? "Good" : $"{Name} (0x{Code:X8})";

    public static implicit operator StatusCode(uint code) => new(code);
}
