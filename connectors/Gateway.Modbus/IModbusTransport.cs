namespace Gateway.Modbus;

/// <summary>
/// Moves one request PDU to a unit and its response PDU back, over one framing (MBAP on TCP or UDP, RTU on a serial
/// line or a TCP socket). It knows nothing of registers or types; <see cref="ModbusClient"/> does.
/// </summary>
public interface IModbusTransport : IAsyncDisposable
{
    /// <summary>Where it talks to, as logs show it: modbus-tcp://10.0.0.5:502, modbus-rtu:///dev/ttyUSB0.</summary>
    string Endpoint { get; }

    /// <summary>Opens the connection (or the port) now, so that a wrong address fails at once.</summary>
    Task ConnectAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Sends <paramref name="request"/> to <paramref name="unit"/> and returns the response PDU (function first),
    /// exception responses included. Throws <see cref="ModbusTimeoutException"/> after <paramref name="timeout"/>,
    /// <see cref="ModbusFrameException"/> for a malformed answer (the channel is reset), and
    /// <see cref="ModbusConnectionException"/> when the connection is lost.
    /// </summary>
    Task<byte[]> ExchangeAsync(byte unit, ReadOnlyMemory<byte> request, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>An answer that was well framed but does not fit its request (byte count, function): reset the channel.</summary>
    void Refuse(ModbusFrameException because);

    /// <summary>Malformed or unexpected frames received so far (each refused, the channel reset).</summary>
    long FramesRefused { get; }
}
