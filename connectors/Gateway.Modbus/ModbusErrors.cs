namespace Gateway.Modbus;

/// <summary>The read functions this stack implements (Modbus Application Protocol v1.1b3, 6.1-6.4).</summary>
public enum ModbusFunction : byte
{
    ReadCoils = 1,
    ReadDiscreteInputs = 2,
    ReadHoldingRegisters = 3,
    ReadInputRegisters = 4,
}

/// <summary>The exception codes of an exception response (Application Protocol, 7).</summary>
public enum ModbusExceptionCode : byte
{
    IllegalFunction = 0x01,
    IllegalDataAddress = 0x02,
    IllegalDataValue = 0x03,
    ServerDeviceFailure = 0x04,
    Acknowledge = 0x05,
    ServerDeviceBusy = 0x06,
    MemoryParityError = 0x08,
    GatewayPathUnavailable = 0x0A,
    GatewayTargetDeviceFailedToRespond = 0x0B,
}

/// <summary>Every error this stack throws derives from this, so a caller catches the protocol's faults in one clause.</summary>
public abstract class ModbusException : Exception
{
    protected ModbusException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>The device answered with an exception response: the request reached it and it refused.</summary>
public sealed class ModbusDeviceException(ModbusFunction function, ModbusExceptionCode code, byte unit)
    : ModbusException($"unit {unit} answered function {(byte)function} with exception {(byte)code} ({NameOf(code)})")
{
    public ModbusFunction Function => function;

    public ModbusExceptionCode Code => code;

    public byte Unit => unit;

    /// <summary>The specification's name, e.g. "ILLEGAL DATA ADDRESS"; an unknown code by its number.</summary>
    public static string NameOf(ModbusExceptionCode code) => code switch
    {
        ModbusExceptionCode.IllegalFunction => "ILLEGAL FUNCTION",
        ModbusExceptionCode.IllegalDataAddress => "ILLEGAL DATA ADDRESS",
        ModbusExceptionCode.IllegalDataValue => "ILLEGAL DATA VALUE",
        ModbusExceptionCode.ServerDeviceFailure => "SERVER DEVICE FAILURE",
        ModbusExceptionCode.Acknowledge => "ACKNOWLEDGE",
        ModbusExceptionCode.ServerDeviceBusy => "SERVER DEVICE BUSY",
        ModbusExceptionCode.MemoryParityError => "MEMORY PARITY ERROR",
        ModbusExceptionCode.GatewayPathUnavailable => "GATEWAY PATH UNAVAILABLE",
        ModbusExceptionCode.GatewayTargetDeviceFailedToRespond => "GATEWAY TARGET DEVICE FAILED TO RESPOND",
        _ => $"code 0x{(byte)code:X2}",
    };
}

/// <summary>
/// A frame that is not a valid answer (a short frame, a bad CRC, an unexpected transaction id, a byte count that does
/// not match the request): the channel that received it is reset, since what follows on it cannot be trusted.
/// </summary>
public sealed class ModbusFrameException(string message) : ModbusException(message);

/// <summary>No answer within the request timeout.</summary>
public sealed class ModbusTimeoutException(string message) : ModbusException(message);

/// <summary>The connection could not be opened, or was closed or failed while a request waited for its answer.</summary>
public sealed class ModbusConnectionException(string message, Exception? inner = null) : ModbusException(message, inner);
