namespace Gateway.OpcUa.Status;

/// <summary>Named StatusCodes: the constants and the name table are generated from StatusCode.csv (StatusCodes.Generated.cs).</summary>
public static partial class StatusCodes
{
    /// <summary>The symbolic name of a code (info bits ignored), or its hex value when unknown.</summary>
    public static string NameOf(uint code) => Names.TryGetValue(code & 0xFFFF0000, out var name) ? name : $"0x{code:X8}";
}
