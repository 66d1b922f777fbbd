using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Gateway.Melsec.Client;
using Gateway.Melsec.Frames;

namespace Gateway.Connectors.Melsec;

/// <summary>The keys of a `type: melsec` source besides the common ones (name, enabled, labels, normalize, machines).</summary>
[Description("One MELSEC PLC port, read over the MC protocol (SLMP).")]
public sealed class MelsecSourceOptions
{
    [Required]
    [Description("The PLC's (or its Ethernet module's) IP address or host name.")]
    public string Host { get; set; } = "";

    [Range(1, 65535)]
    [Description("The port opened for the MC protocol in the PLC's Ethernet settings (GX Works: Ethernet Configuration / Open Settings); there is no fixed default.")]
    public int Port { get; set; } = 5000;

    [AllowedValues("3e", "4e", "1e")]
    [Description("`3e` (default: Q, L, iQ-R, iQ-F built-in Ethernet and QJ71E71), `4e` (3E with a serial number) or `1e` (FX3U-ENET(-ADP)).")]
    public string Frame { get; set; } = "3e";

    [Description("Use ASCII code instead of binary; must match the port's communication data code in the PLC.")]
    public bool Ascii { get; set; }

    [AllowedValues("tcp", "udp")]
    [Description("`tcp` (default) or `udp`, as the port is opened in the PLC.")]
    public string Transport { get; set; } = "tcp";

    [AllowedValues("q", "l", "iqr", "iqf", "fx3")]
    [Description("The CPU family: `q`, `l`, `iqr`, `iqf` (FX5) or `fx3`; on `iqf` and `fx3` X and Y are numbered in octal (X0-X7, X10-X17).")]
    public string Cpu { get; set; } = "q";

    [Description("Use the iQ-R device extension (subcommands 0002/0003: 4-byte device numbers, 2-byte device codes); only iQ-R CPUs accept it.")]
    public bool DeviceExtension { get; set; }

    public MelsecRouteOptions Route { get; set; } = new();

    [Range(0, 16_383_750)]
    [Description("Monitoring timer in milliseconds (sent in units of 250 ms): how long the CPU may take for a request it routes on; 0 waits forever.")]
    public int MonitoringTimerMs { get; set; } = 4000;

    [Range(100, 600_000)]
    [Description("How long to wait for one response before the connection is given up and opened again.")]
    public int RequestTimeoutMs { get; set; } = 5000;

    [Range(0, 960)]
    [Description("Unused words between two tags that are still read in one request rather than two (0: only adjacent tags share a request).")]
    public int MaxGapWords { get; set; } = 32;

    public MelsecReconnectOptions Reconnect { get; set; } = new();

    /// <summary>The client settings these options stand for.</summary>
    public McClientOptions ClientOptions() => new()
    {
        Format = new FrameFormat(Frame switch { "4e" => FrameType.Frame4E, "1e" => FrameType.Frame1E, _ => FrameType.Frame3E }, Ascii),
        Route = new AccessRoute((byte)Route.Network, (byte)Route.Station, (ushort)Route.ModuleIo, (byte)Route.Multidrop),
        Transport = Transport == "udp" ? McTransport.Udp : McTransport.Tcp,
        MonitoringTimer = (ushort)Math.Min(ushort.MaxValue, (MonitoringTimerMs + 249) / 250),
        RequestTimeout = TimeSpan.FromMilliseconds(RequestTimeoutMs),
        DeviceExtension = DeviceExtension,
    };

    /// <summary>FX3 and iQ-F number X and Y in octal.</summary>
    public bool OctalInputs => Cpu is "fx3" or "iqf";
}

/// <summary>The access route of 3E/4E requests; the defaults reach the CPU that owns the Ethernet port.</summary>
public sealed class MelsecRouteOptions
{
    [Range(0, 255)]
    [Description("Network number (0: own network).")]
    public int Network { get; set; }

    [Range(0, 255)]
    [Description("Station (PC) number (255: the connected station).")]
    public int Station { get; set; } = 255;

    [Range(0, 65535)]
    [Description("Request destination module I/O number, in decimal (1023 = 03FFh: own CPU; 992-995 = 03E0h-03E3h: CPU No. 1-4 of a multiple CPU system).")]
    public int ModuleIo { get; set; } = 1023;

    [Range(0, 255)]
    [Description("Request destination multidrop station number (0 unless reached over a multidrop link).")]
    public int Multidrop { get; set; }
}

public sealed class MelsecReconnectOptions
{
    [Range(100, 600_000)]
    public int InitialDelayMs { get; set; } = 1000;

    [Range(100, 3_600_000)]
    public int MaxDelayMs { get; set; } = 60_000;
}

/// <summary>The keys of a tag group of a MELSEC source besides the common ones (name, intervalMs, measurement, normalize, tags).</summary>
public sealed class MelsecGroupOptions
{
    [Description("Read scattered one- and two-word tags with random reads (0403, up to 192 points each) instead of one batch read per tag; 3E/4E only.")]
    public bool RandomRead { get; set; } = true;
}

/// <summary>Where a tag is in the PLC and how its words are read.</summary>
public sealed class MelsecTagAddress
{
    /// <summary>The value types a tag can have.</summary>
    public static readonly IReadOnlyList<string> Types = ["bit", "int16", "uint16", "int32", "uint32", "float32", "float64", "string", "bcd16", "bcd32"];

    [Required]
    [Description("The device as written in GX Works: D100, W1A, R2000, ZR10000, M100, X1F, Y20, B0, L10, SM400, SD210, TN0, CN10, TS0, CS0; {machine} and variables are substituted.")]
    public string Device { get; set; } = "";

    [AllowedValues("bit", "int16", "uint16", "int32", "uint32", "float32", "float64", "string", "bcd16", "bcd32")]
    [Description("`bit` (default for bit devices), `int16` (default for word devices), `uint16`, `int32`, `uint32`, `float32` (2 words, low word first), `float64` (4 words), `string` (`length` words, 2 characters each, low byte first), `bcd16` or `bcd32`.")]
    public string? Type { get; set; }

    [Range(1, 480)]
    [Description("Words of a `string` tag.")]
    public int Length { get; set; } = 1;
}
