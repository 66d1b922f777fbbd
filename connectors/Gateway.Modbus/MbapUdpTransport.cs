using System.Net.Sockets;

namespace Gateway.Modbus;

/// <summary>
/// Modbus over UDP: one MBAP frame per datagram, answers matched by transaction id as over TCP. A datagram that does
/// not parse, or answers no request, is refused and dropped (there is no stream to resynchronise); the request it
/// might have answered times out.
/// </summary>
public sealed class MbapUdpTransport : IModbusTransport
{
    private readonly string _host;
    private readonly int _port;
    private readonly SemaphoreSlim _inFlight;
    private readonly MbapDispatcher _dispatcher;
    private readonly CancellationTokenSource _closing = new();
    private UdpClient? _udp;
    private Task? _receiving;
    private int _nextTransactionId;

    public MbapUdpTransport(string host, int port, int maxInFlight = 1)
    {
        _host = host;
        _port = port;
        _inFlight = new SemaphoreSlim(maxInFlight, maxInFlight);
        _dispatcher = new MbapDispatcher(Endpoint);
    }

    public string Endpoint => $"modbus-udp://{_host}:{_port}";

    /// <summary>Datagrams refused (malformed, or answering no request).</summary>
    public long FramesRefused => Interlocked.Read(ref _framesRefused);

    private long _framesRefused;

    public Task ConnectAsync(CancellationToken cancellationToken)
    {
        if (_udp is null)
        {
            try
            {
                _udp = new UdpClient(_host, _port);
            }
            catch (SocketException e)
            {
                throw new ModbusConnectionException($"{Endpoint}: {e.SocketErrorCode} ({e.Message})", e);
            }

            _receiving = Task.Run(ReceiveAsync);
        }

        return Task.CompletedTask;
    }

    public async Task<byte[]> ExchangeAsync(byte unit, ReadOnlyMemory<byte> request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await ConnectAsync(cancellationToken);
        await _inFlight.WaitAsync(cancellationToken);
        try
        {
            var transactionId = (ushort)Interlocked.Increment(ref _nextTransactionId);
            var frame = new byte[MbapHeader.Size + request.Length];
            MbapHeader.Write(frame, transactionId, unit, request.Length);
            request.Span.CopyTo(frame.AsSpan(MbapHeader.Size));
            var answer = _dispatcher.Expect(transactionId, unit);
            try
            {
                await _udp!.SendAsync(frame, cancellationToken);
            }
            catch (SocketException e)
            {
                _dispatcher.Forget(transactionId);
                throw new ModbusConnectionException($"{Endpoint}: {e.SocketErrorCode} ({e.Message})", e);
            }

            try
            {
                return await answer.WaitAsync(timeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                _dispatcher.TimedOut(transactionId);
                throw new ModbusTimeoutException($"{Endpoint}: unit {unit} did not answer within {timeout.TotalMilliseconds:0} ms");
            }
        }
        finally
        {
            _inFlight.Release();
        }
    }

    private async Task ReceiveAsync()
    {
        while (!_closing.IsCancellationRequested)
        {
            UdpReceiveResult datagram;
            try
            {
                datagram = await _udp!.ReceiveAsync(_closing.Token);
            }
            catch (SocketException)
            {
                // ICMP port unreachable surfaces here on Linux: the device is not there; the requests time out.
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            try
            {
                var header = MbapHeader.Read(datagram.Buffer);
                if (datagram.Buffer.Length != MbapHeader.Size + header.PduLength)
                {
                    throw new ModbusFrameException($"{Endpoint}: a datagram of {datagram.Buffer.Length} bytes carries MBAP length {header.Length}");
                }

                _dispatcher.Deliver(header, datagram.Buffer[MbapHeader.Size..]);
            }
            catch (ModbusFrameException)
            {
                Interlocked.Increment(ref _framesRefused);
            }
        }
    }

    public void Refuse(ModbusFrameException because) => Interlocked.Increment(ref _framesRefused);

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        _udp?.Dispose();
        if (_receiving is { } receiving)
        {
            await receiving.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        _dispatcher.FailAll(new ModbusConnectionException($"{Endpoint}: closed"));
    }
}
