namespace Gateway.Melsec.Frames;

/// <summary>The MC protocol frames (MC protocol reference manual, "Frames"; SLMP uses 3E and 4E).</summary>
public enum FrameType
{
    /// <summary>QnA-compatible 3E frame: Q/L/iQ-R/iQ-F built-in Ethernet and QJ71E71; the default.</summary>
    Frame3E,

    /// <summary>4E frame: 3E plus a serial number that the response echoes.</summary>
    Frame4E,

    /// <summary>A-compatible 1E frame: FX3U-ENET(-ADP), batch reads only.</summary>
    Frame1E,
}

/// <summary>A frame type and its code: binary (the default) or ASCII, as set for the port in the PLC's Ethernet settings.</summary>
public sealed record FrameFormat(FrameType Type = FrameType.Frame3E, bool Ascii = false)
{
    public static readonly FrameFormat Binary3E = new();

    public override string ToString() => $"{Type switch { FrameType.Frame4E => "4E", FrameType.Frame1E => "1E", _ => "3E" }} {(Ascii ? "ASCII" : "binary")}";
}

/// <summary>
/// Where a request goes (3E/4E "access route"): the network and station numbers, the request destination module I/O
/// number and multidrop station number. The defaults reach the CPU the Ethernet port belongs to ("own station":
/// network 0, station FFh, module 03FFh, multidrop 0).
/// </summary>
public sealed record AccessRoute(byte Network = 0, byte Station = 0xFF, ushort ModuleIo = 0x03FF, byte Multidrop = 0)
{
    public static readonly AccessRoute OwnStation = new();
}
