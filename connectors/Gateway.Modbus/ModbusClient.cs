namespace Gateway.Modbus;

/// <summary>How a client talks to one device (or one line of devices behind a gateway).</summary>
public sealed record ModbusClientOptions
{
    /// <summary>How long one request waits for its answer.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Requests waiting for an answer at once (TCP and UDP only; a serial line carries one).</summary>
    public int MaxInFlight { get; init; } = 1;
}

/// <summary>
/// The read functions of Modbus (1-4) over any <see cref="IModbusTransport"/>: checks the quantities, sends the
/// request, and returns registers or bits after checking the answer against the request.
/// </summary>
public sealed class ModbusClient(IModbusTransport transport, ModbusClientOptions options) : IAsyncDisposable
{
    public IModbusTransport Transport => transport;

    public string Endpoint => transport.Endpoint;

    public static ModbusClient Tcp(string host, int port, ModbusClientOptions options) =>
        new(new MbapTcpTransport(host, port, options.ConnectTimeout, options.MaxInFlight), options);

    public static ModbusClient Udp(string host, int port, ModbusClientOptions options) =>
        new(new MbapUdpTransport(host, port, options.MaxInFlight), options);

    public static ModbusClient RtuOverTcp(string host, int port, ModbusClientOptions options, TimeSpan silence) =>
        new(RtuTransport.OverTcp(host, port, options.ConnectTimeout, silence), options);

    public static ModbusClient RtuSerial(SerialLineSettings line, ModbusClientOptions options) =>
        new(RtuTransport.Serial(line), options);

    public Task ConnectAsync(CancellationToken cancellationToken) => transport.ConnectAsync(cancellationToken);

    /// <summary>Function 3 or 4: <paramref name="count"/> registers from <paramref name="start"/> (0-based protocol address).</summary>
    public async Task<ushort[]> ReadRegistersAsync(ModbusFunction function, byte unit, ushort start, ushort count, CancellationToken cancellationToken)
    {
        if (ModbusPdu.IsBitFunction(function))
        {
            throw new ArgumentException($"function {(byte)function} reads bits, not registers", nameof(function));
        }

        var data = await ReadAsync(function, unit, start, count, cancellationToken);
        return ModbusPdu.Registers(ModbusPdu.ReadResponseData(data, function, count, unit));
    }

    /// <summary>Function 1 or 2: <paramref name="count"/> coils or discrete inputs from <paramref name="start"/>.</summary>
    public async Task<bool[]> ReadBitsAsync(ModbusFunction function, byte unit, ushort start, ushort count, CancellationToken cancellationToken)
    {
        if (!ModbusPdu.IsBitFunction(function))
        {
            throw new ArgumentException($"function {(byte)function} reads registers, not bits", nameof(function));
        }

        var data = await ReadAsync(function, unit, start, count, cancellationToken);
        return ModbusPdu.Bits(ModbusPdu.ReadResponseData(data, function, count, unit), count);
    }

    public Task<ushort[]> ReadHoldingRegistersAsync(byte unit, ushort start, ushort count, CancellationToken cancellationToken) =>
        ReadRegistersAsync(ModbusFunction.ReadHoldingRegisters, unit, start, count, cancellationToken);

    public Task<ushort[]> ReadInputRegistersAsync(byte unit, ushort start, ushort count, CancellationToken cancellationToken) =>
        ReadRegistersAsync(ModbusFunction.ReadInputRegisters, unit, start, count, cancellationToken);

    public Task<bool[]> ReadCoilsAsync(byte unit, ushort start, ushort count, CancellationToken cancellationToken) =>
        ReadBitsAsync(ModbusFunction.ReadCoils, unit, start, count, cancellationToken);

    public Task<bool[]> ReadDiscreteInputsAsync(byte unit, ushort start, ushort count, CancellationToken cancellationToken) =>
        ReadBitsAsync(ModbusFunction.ReadDiscreteInputs, unit, start, count, cancellationToken);

    private async Task<byte[]> ReadAsync(ModbusFunction function, byte unit, ushort start, ushort count, CancellationToken cancellationToken)
    {
        var request = new byte[ModbusPdu.ReadRequestLength];
        ModbusPdu.WriteReadRequest(request, function, start, count);
        var answer = await transport.ExchangeAsync(unit, request, options.RequestTimeout, cancellationToken);
        try
        {
            ModbusPdu.ReadResponseData(answer, function, count, unit);
        }
        catch (ModbusFrameException because)
        {
            // The channel cannot be trusted after an answer that does not fit its request.
            transport.Refuse(because);
            throw;
        }

        return answer;
    }

    public ValueTask DisposeAsync() => transport.DisposeAsync();
}
