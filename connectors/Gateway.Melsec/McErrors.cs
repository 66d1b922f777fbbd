namespace Gateway.Melsec;

/// <summary>Everything the MC protocol stack throws: the caller catches this one type (plus IOException for a lost socket and TimeoutException).</summary>
public class McException : Exception
{
    public McException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>
/// The CPU (or the Ethernet module) answered with an end code other than 0: the request was refused, the connection is
/// still good. <see cref="EndCode"/> is the code as sent (3E/4E: 2 bytes; 1E: the end code byte, or 5Bh's abnormal code).
/// </summary>
public sealed class McEndCodeException : McException
{
    public McEndCodeException(ushort endCode, string context)
        : base($"{context}: the PLC answered end code {EndCodes.Describe(endCode)}")
    {
        EndCode = endCode;
    }

    public ushort EndCode { get; }

    /// <summary>The address itself was refused (out of range, a device the CPU does not have): splitting the request around it helps.</summary>
    public bool IsAddressError => EndCodes.IsAddressError(EndCode);
}

/// <summary>
/// Bytes that are not an MC protocol frame: too short, too long, a wrong subheader, a length that disagrees with the
/// data, characters that are not hexadecimal in an ASCII frame. The connection that carried it is no longer usable.
/// </summary>
public sealed class McFrameException : McException
{
    public McFrameException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// End codes with their meaning (SLMP reference manual and MC protocol reference manual, "Error codes"; 1E frame end
/// codes). Names are ours, short enough for a log line; the description says what to check.
/// </summary>
public static class EndCodes
{
    public const ushort Normal = 0x0000;
    public const ushort AsciiNotConvertible = 0xC050;
    public const ushort PointsOutOfRange = 0xC051;
    public const ushort WordPointsOutOfRange = 0xC052;
    public const ushort BitPointsOutOfRange = 0xC053;
    public const ushort RandomPointsOutOfRange = 0xC054;
    public const ushort DeviceOutOfRange = 0xC056;
    public const ushort LengthMismatch = 0xC058;
    public const ushort CommandNotSupported = 0xC059;
    public const ushort DeviceCannotBeAccessed = 0xC05B;
    public const ushort RequestContentError = 0xC05C;
    public const ushort NotExecutableOnTarget = 0xC05F;
    public const ushort RequestDataError = 0xC061;
    public const ushort ExtensionNotSupported = 0xC070;
    public const ushort RemotePasswordLocked = 0xC200;

    /// <summary>1E frame end codes (one byte; 5Bh means an abnormal code follows).</summary>
    public const byte OneECommandError = 0x50;
    public const byte OneEDeviceError = 0x56;
    public const byte OneEPointsError = 0x57;
    public const byte OneERangeError = 0x58;
    public const byte OneEAbnormalFollows = 0x5B;

    private static readonly Dictionary<ushort, (string Name, string Meaning)> Known = new()
    {
        [AsciiNotConvertible] = ("AsciiNotConvertible", "ASCII data that cannot be converted to binary; check the ASCII/binary setting of the port"),
        [PointsOutOfRange] = ("PointsOutOfRange", "number of points out of range"),
        [WordPointsOutOfRange] = ("WordPointsOutOfRange", "number of word points out of range"),
        [BitPointsOutOfRange] = ("BitPointsOutOfRange", "number of bit points out of range"),
        [RandomPointsOutOfRange] = ("RandomPointsOutOfRange", "number of random read points out of range"),
        [DeviceOutOfRange] = ("DeviceOutOfRange", "the address exceeds the largest device number; check the device sizes in the PLC parameters"),
        [LengthMismatch] = ("LengthMismatch", "request data length does not match the number of data"),
        [CommandNotSupported] = ("CommandNotSupported", "command or subcommand not supported by this CPU (iQ-R extension on a Q CPU?)"),
        [DeviceCannotBeAccessed] = ("DeviceCannotBeAccessed", "the CPU cannot read this device"),
        [RequestContentError] = ("RequestContentError", "request content error (a bit device read as words at a number not a multiple of 16?)"),
        [NotExecutableOnTarget] = ("NotExecutableOnTarget", "request not executable on the target station"),
        [RequestDataError] = ("RequestDataError", "request data length error"),
        [ExtensionNotSupported] = ("ExtensionNotSupported", "device extension not supported by the target station"),
        [RemotePasswordLocked] = ("RemotePasswordLocked", "remote password locked; unlock it or disable the remote password"),
        [OneECommandError] = ("CommandError1E", "1E: command or response type not as specified"),
        [OneEDeviceError] = ("DeviceError1E", "1E: device specification error"),
        [OneEPointsError] = ("PointsError1E", "1E: number of points error"),
        [OneERangeError] = ("RangeError1E", "1E: head device plus points exceeds the device range"),
        [OneEAbnormalFollows] = ("AbnormalCode1E", "1E: abnormal end"),
    };

    /// <summary>The code's name, e.g. "DeviceOutOfRange", or "EndCodeXXXX" for one not in the table.</summary>
    public static string NameOf(ushort code) => Known.TryGetValue(code, out var known) ? known.Name
        : code is >= 0x4000 and <= 0x4FFF ? $"CpuError{code:X4}"
        : $"EndCode{code:X4}";

    /// <summary>"C056h DeviceOutOfRange (the address exceeds ...)".</summary>
    public static string Describe(ushort code) => Known.TryGetValue(code, out var known)
        ? $"{code:X4}h {known.Name} ({known.Meaning})"
        : code is >= 0x4000 and <= 0x4FFF ? $"{code:X4}h {NameOf(code)} (an error the CPU detected; see its error code list)"
        : $"{code:X4}h {NameOf(code)}";

    public static bool IsAddressError(ushort code) =>
        code is DeviceOutOfRange or DeviceCannotBeAccessed or RequestContentError or OneEDeviceError or OneERangeError;
}
