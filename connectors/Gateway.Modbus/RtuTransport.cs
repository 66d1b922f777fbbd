using System.Diagnostics;
using System.IO.Ports;
using System.Net.Sockets;

namespace Gateway.Modbus;

/// <summary>The serial line's settings (Modbus over Serial Line v1.02, 2.5.1: 8 data bits; even parity is the default).</summary>
public sealed record SerialLineSettings(string PortName, int BaudRate = 19200, Parity Parity = Parity.Even, int DataBits = 8, StopBits StopBits = StopBits.One)
{
    /// <summary>
    /// 2.5.1.1: frames are separated by a silence of at least 3.5 character times; above 19200 baud a fixed 1.75 ms.
    /// A character is 11 bits (start, 8 data, parity or a second stop bit, stop).
    /// </summary>
    public TimeSpan InterFrameSilence => BaudRate > 19200 ? TimeSpan.FromMilliseconds(1.75) : TimeSpan.FromSeconds(3.5 * 11 / BaudRate);
}

/// <summary>
/// RTU framing (address, PDU, CRC-16) on a byte stream: a serial port, or a TCP socket to a serial-to-Ethernet gateway
/// ("RTU over TCP"). A serial line carries one request at a time, so requests are sent one after the other, each after
/// the inter-frame silence. A timeout or a malformed answer leaves unknown bytes on the line: they are drained (read
/// and dropped until the line is quiet) before the next request, and a bad frame on a TCP stream closes it.
/// </summary>
public sealed class RtuTransport : IModbusTransport
{
    private readonly Func<CancellationToken, Task<Stream>> _open;
    private readonly TimeSpan _silence;
    private readonly SemaphoreSlim _line = new(1, 1);
    private readonly Stopwatch _sinceLastFrame = Stopwatch.StartNew();
    private Stream? _stream;
    private bool _answered;
    private bool _drainFirst;

    private RtuTransport(string endpoint, Func<CancellationToken, Task<Stream>> open, TimeSpan silence)
    {
        Endpoint = endpoint;
        _open = open;
        _silence = silence;
    }

    public string Endpoint { get; }

    /// <summary>Malformed frames received (bad CRC, short, wrong address).</summary>
    public long FramesRefused => Interlocked.Read(ref _framesRefused);

    private long _framesRefused;

    /// <summary>RTU on a local serial port (System.IO.Ports).</summary>
    public static RtuTransport Serial(SerialLineSettings line) => new(
        $"modbus-rtu://{line.PortName}",
        _ =>
        {
            try
            {
                var port = new SerialPort(line.PortName, line.BaudRate, line.Parity, line.DataBits, line.StopBits);
                port.Open();
                return Task.FromResult(port.BaseStream);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                throw new ModbusConnectionException($"modbus-rtu://{line.PortName}: {e.Message}", e);
            }
        },
        line.InterFrameSilence);

    /// <summary>RTU frames carried over TCP by a serial-to-Ethernet gateway (no MBAP header).</summary>
    public static RtuTransport OverTcp(string host, int port, TimeSpan connectTimeout, TimeSpan silence) => new(
        $"modbus-rtu-tcp://{host}:{port}",
        async cancellationToken =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(connectTimeout);
                await socket.ConnectAsync(host, port, timeout.Token);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                throw new ModbusConnectionException($"modbus-rtu-tcp://{host}:{port}: {(e is SocketException s ? s.SocketErrorCode.ToString() : "no connection within the timeout")}", e);
            }
        },
        silence);

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        await _line.WaitAsync(cancellationToken);
        try
        {
            _stream ??= await _open(cancellationToken);
        }
        finally
        {
            _line.Release();
        }
    }

    public async Task<byte[]> ExchangeAsync(byte unit, ReadOnlyMemory<byte> request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await _line.WaitAsync(cancellationToken);
        try
        {
            if (_stream is null)
            {
                // Reopen only after a stream that worked: one that failed before answering waits for the caller's backoff.
                if (!_answered)
                {
                    throw new ModbusConnectionException($"{Endpoint}: not connected");
                }

                _stream = await _open(cancellationToken);
                _answered = false;
            }

            var stream = _stream;
            if (_drainFirst)
            {
                await DrainAsync(stream, cancellationToken);
                _drainFirst = false;
            }

            var wait = _silence - _sinceLastFrame.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            var frame = RtuFrame.Encode(unit, request.Span);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await stream.WriteAsync(frame, deadline.Token);
                var answer = await ReadFrameAsync(stream, deadline.Token);
                _sinceLastFrame.Restart();
                var pdu = RtuFrame.Decode(answer, unit).ToArray();
                _answered = true;
                return pdu;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                _drainFirst = true;
                throw new ModbusTimeoutException($"{Endpoint}: unit {unit} did not answer within {timeout.TotalMilliseconds:0} ms");
            }
            catch (ModbusFrameException)
            {
                Interlocked.Increment(ref _framesRefused);
                _drainFirst = true;
                _sinceLastFrame.Restart();
                throw;
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                await CloseStreamAsync();
                throw new ModbusConnectionException($"{Endpoint}: {e.Message}", e);
            }
        }
        finally
        {
            _line.Release();
        }
    }

    /// <summary>One response frame: its length is known from its first three bytes.</summary>
    private async Task<byte[]> ReadFrameAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new byte[3];
        await ReadExactlyOrShortAsync(stream, head, cancellationToken);
        var length = RtuFrame.ResponseLength(head);
        var frame = new byte[length];
        head.CopyTo(frame, 0);
        // An exception frame is 5 bytes, so its first 3 already hold address, function and code.
        await ReadExactlyOrShortAsync(stream, frame.AsMemory(3), cancellationToken);
        return frame;
    }

    private async Task ReadExactlyOrShortAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken);
        }
        catch (EndOfStreamException)
        {
            await CloseStreamAsync();
            throw new ModbusFrameException($"{Endpoint}: short frame: the stream ended inside a frame");
        }
    }

    /// <summary>Reads and drops bytes until the line has been quiet for a while (a late or broken answer).</summary>
    private async Task DrainAsync(Stream stream, CancellationToken cancellationToken)
    {
        var quiet = TimeSpan.FromMilliseconds(Math.Max(20, _silence.TotalMilliseconds * 4));
        var buffer = new byte[256];
        while (true)
        {
            using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            window.CancelAfter(quiet);
            try
            {
                if (await stream.ReadAsync(buffer, window.Token) == 0)
                {
                    await CloseStreamAsync();
                    return;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task CloseStreamAsync()
    {
        if (_stream is { } stream)
        {
            _stream = null;
            await stream.DisposeAsync();
        }
    }

    public void Refuse(ModbusFrameException because)
    {
        Interlocked.Increment(ref _framesRefused);
        _drainFirst = true;
    }

    public async ValueTask DisposeAsync()
    {
        await _line.WaitAsync();
        try
        {
            await CloseStreamAsync();
        }
        finally
        {
            _line.Release();
        }
    }
}
