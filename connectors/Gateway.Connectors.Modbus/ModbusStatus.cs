using Gateway.Modbus;

namespace Gateway.Connectors.Modbus;

/// <summary>
/// The status a reading carries when Modbus could not give its value. Readings carry OPC UA status codes (Part 4,
/// 7.39) whatever the protocol, so sinks and dashboards need no Modbus knowledge; the name says what happened.
/// </summary>
public static class ModbusStatus
{
    public const uint Good = 0;
    public const uint BadResourceUnavailable = 0x80040000;
    public const uint BadCommunicationError = 0x80050000;
    public const uint BadTimeout = 0x800A0000;
    public const uint BadNoCommunication = 0x80310000;
    public const uint BadDataEncodingInvalid = 0x80380000;
    public const uint BadOutOfRange = 0x803C0000;
    public const uint BadNotSupported = 0x803D0000;
    public const uint BadNotConnected = 0x808A0000;
    public const uint BadDeviceFailure = 0x808B0000;
    public const uint BadInvalidArgument = 0x80AB0000;

    /// <summary>The status of an exception response (Application Protocol 7).</summary>
    public static uint Of(ModbusExceptionCode code) => code switch
    {
        ModbusExceptionCode.IllegalFunction => BadNotSupported,
        ModbusExceptionCode.IllegalDataAddress => BadOutOfRange,
        ModbusExceptionCode.IllegalDataValue => BadInvalidArgument,
        ModbusExceptionCode.ServerDeviceBusy or ModbusExceptionCode.Acknowledge => BadResourceUnavailable,
        ModbusExceptionCode.GatewayPathUnavailable or ModbusExceptionCode.GatewayTargetDeviceFailedToRespond => BadNoCommunication,
        _ => BadDeviceFailure,
    };

    public static string NameOf(uint status) => status switch
    {
        Good => "Good",
        BadResourceUnavailable => "BadResourceUnavailable",
        BadCommunicationError => "BadCommunicationError",
        BadTimeout => "BadTimeout",
        BadNoCommunication => "BadNoCommunication",
        BadDataEncodingInvalid => "BadDataEncodingInvalid",
        BadOutOfRange => "BadOutOfRange",
        BadNotSupported => "BadNotSupported",
        BadNotConnected => "BadNotConnected",
        BadDeviceFailure => "BadDeviceFailure",
        BadInvalidArgument => "BadInvalidArgument",
        _ => $"0x{status:X8}",
    };
}
