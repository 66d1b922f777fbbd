using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.IO.Ports;

namespace Gateway.Connectors.Modbus;

public enum ModbusTransportKind
{
    /// <summary>Modbus TCP (MBAP header), port 502.</summary>
    Tcp,

    /// <summary>Modbus over UDP (MBAP header in datagrams).</summary>
    Udp,

    /// <summary>RTU on a local serial port.</summary>
    Rtu,

    /// <summary>RTU frames over TCP, to a serial-to-Ethernet gateway in transparent mode.</summary>
    RtuOverTcp,
}

/// <summary>The keys of a `type: modbus` source besides the common ones (name, enabled, labels, normalize, machines).</summary>
[Description("One Modbus device, or one serial line of devices behind a gateway.")]
public sealed class ModbusSourceOptions
{
    [Description("`tcp` (default), `udp`, `rtu` (a local serial port, see `serial`) or `rtuOverTcp` (a serial-to-Ethernet gateway in transparent mode).")]
    public ModbusTransportKind Transport { get; set; } = ModbusTransportKind.Tcp;

    [Description("The device's or the serial gateway's host name or IP address (tcp, udp, rtuOverTcp).")]
    public string? Host { get; set; }

    [Range(1, 65535)]
    [Description("TCP or UDP port (502 is Modbus's; serial gateways often use 4001 or 8899).")]
    public int Port { get; set; } = 502;

    public ModbusSerialOptions Serial { get; set; } = new();

    [Range(0, 255)]
    [Description("The unit id (slave address) tags read by default; a tag or a tag group may name another (a line behind a gateway). 1 for most TCP devices; 255 or 0 for some.")]
    public int Unit { get; set; } = 1;

    [Description("Where the bytes of 32- and 64-bit values are: `abcd` (big-endian, the Modbus norm), `cdab` (words swapped), `badc` (bytes swapped), `dcba` (little-endian). A tag may say otherwise.")]
    public ByteOrder ByteOrder { get; set; } = ByteOrder.Abcd;

    [Range(50, 60_000)]
    [Description("How long one request waits for its answer, in milliseconds.")]
    public int RequestTimeoutMs { get; set; } = 1000;

    [Range(100, 60_000)]
    [Description("How long opening the connection may take, in milliseconds.")]
    public int ConnectTimeoutMs { get; set; } = 5000;

    [Range(1, 16)]
    [Description("Requests waiting for their answers at once (tcp, udp). 1 unless the device is known to handle more; a serial line always carries one.")]
    public int MaxInFlight { get; set; } = 1;

    [Range(1, 125)]
    [Description("Most registers read in one request (the protocol allows 125; some devices accept fewer).")]
    public int MaxRegistersPerRequest { get; set; } = 125;

    [Range(1, 2000)]
    [Description("Most coils or discrete inputs read in one request (the protocol allows 2000).")]
    public int MaxBitsPerRequest { get; set; } = 2000;

    [Range(0, 124)]
    [Description("Unused registers (or bits) a request may read between two tags to serve both at once; 0 reads only adjacent tags together.")]
    public int MaxGap { get; set; } = 16;

    [Range(0, 10)]
    [Description("Times a request that timed out is sent again, after a short backoff, before its tags are marked Bad for that poll.")]
    public int Retries { get; set; } = 1;

    public ModbusReconnectOptions Reconnect { get; set; } = new();
}

public sealed class ModbusSerialOptions
{
    [Description("The serial port, e.g. /dev/ttyUSB0 or COM3 (transport rtu).")]
    public string? Port { get; set; }

    [Range(300, 921_600)]
    public int BaudRate { get; set; } = 19200;

    [Description("`none`, `even` (the Modbus default), `odd`, `mark` or `space`.")]
    public Parity Parity { get; set; } = Parity.Even;

    [Range(7, 8)]
    public int DataBits { get; set; } = 8;

    [Description("`one` (default) or `two` (Modbus uses two when there is no parity).")]
    public StopBits StopBits { get; set; } = StopBits.One;
}

public sealed class ModbusReconnectOptions
{
    [Range(100, 600_000)]
    [Description("The first wait after a failed connection; each next one doubles, with jitter.")]
    public int InitialDelayMs { get; set; } = 1000;

    [Range(100, 3_600_000)]
    public int MaxDelayMs { get; set; } = 60_000;
}

/// <summary>The keys of a tag group of a Modbus source besides the common ones (name, intervalMs, measurement, normalize, tags).</summary>
public sealed class ModbusGroupOptions
{
    [Range(0, 255)]
    [Description("The unit id of this group's tags, when not the source's (one group per device on a serial line).")]
    public int? Unit { get; set; }
}

/// <summary>Where a tag of a Modbus source is, and how to read its value.</summary>
public sealed class ModbusTagAddress
{
    [Required]
    [Description("`holding:0`, `input:9`, `coil:100`, `discrete:7` (0-based, as on the wire) or the 5/6-digit register number of device manuals, `40001`, `300010` (1-based: 40001 is holding:0). {machine} and variables are substituted.")]
    public string Register { get; set; } = "";

    [AllowedValues("bool", "int16", "uint16", "int32", "uint32", "float32", "int64", "uint64", "float64", "string", "bcd16", "bcd32")]
    [Description("The value's type: bool, int16, uint16 (registers' default), int32, uint32, float32 (2 registers), int64, uint64, float64 (4), string (`length` registers, 2 ASCII characters each), bcd16, bcd32. Coils and discrete inputs are bool.")]
    public string? Type { get; set; }

    [Range(0, 15)]
    [Description("Read bit N (0 = least significant) of the register as a bool.")]
    public int? Bit { get; set; }

    [Range(1, 125)]
    [Description("Registers of a string.")]
    public int? Length { get; set; }

    [Description("This tag's byte order, when not the source's: abcd, cdab, badc or dcba.")]
    public ByteOrder? ByteOrder { get; set; }

    [Range(0, 255)]
    [Description("This tag's unit id, when not the group's or the source's.")]
    public int? Unit { get; set; }
}
