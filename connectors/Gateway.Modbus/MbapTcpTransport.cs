using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Gateway.Modbus;

/// <summary>
/// Modbus over TCP (MBAP framing). Requests carry a transaction id and up to <c>maxInFlight</c> wait for their answers
/// at once (Implementation Guide 4.2.1: a server may handle several; many devices handle one, hence the default 1).
/// One receive loop matches answers to requests by transaction id; an answer that matches none, or a malformed frame,
/// resets the connection and fails what was waiting. A device that closes the socket after each answer is reconnected
/// before the next request; a connection that closes before answering anything is not reopened here (the caller's
/// backoff decides when to try again), so a booting device is never flooded with connects.
/// </summary>
public sealed class MbapTcpTransport : IModbusTransport
{
    private readonly string _host;
    private readonly int _port;
    private readonly TimeSpan _connectTimeout;
    private readonly SemaphoreSlim _inFlight;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private MbapConnection? _connection;
    private int _nextTransactionId;
    private bool _disposed;

    public MbapTcpTransport(string host, int port, TimeSpan connectTimeout, int maxInFlight = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        _host = host;
        _port = port;
        _connectTimeout = connectTimeout;
        _inFlight = new SemaphoreSlim(maxInFlight, maxInFlight);
    }

    public string Endpoint => $"modbus-tcp://{_host}:{_port}";

    /// <summary>Connections opened so far (the first one included).</summary>
    public long Connects => Interlocked.Read(ref _connects);

    /// <summary>Malformed frames received (each reset the connection).</summary>
    public long FramesRefused => Interlocked.Read(ref _framesRefused);

    private long _connects;
    private long _framesRefused;

    public async Task ConnectAsync(CancellationToken cancellationToken) => await CurrentConnectionAsync(allowFirst: true, cancellationToken);

    public async Task<byte[]> ExchangeAsync(byte unit, ReadOnlyMemory<byte> request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await _inFlight.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var connection = await CurrentConnectionAsync(allowFirst: false, cancellationToken);
                var transactionId = (ushort)Interlocked.Increment(ref _nextTransactionId);
                var frame = new byte[MbapHeader.Size + request.Length];
                MbapHeader.Write(frame, transactionId, unit, request.Length);
                request.Span.CopyTo(frame.AsSpan(MbapHeader.Size));
                try
                {
                    return await connection.ExchangeAsync(transactionId, unit, frame, timeout, cancellationToken);
                }
                catch (ModbusConnectionException) when (attempt == 0 && connection.Answered)
                {
                    // A device that closes after each answer may close (or reset) while this request was on its way:
                    // a read changes nothing, so it goes once more, on a new connection. Once: a device that is gone
                    // fails that connect, and the caller's backoff takes over.
                }
            }
        }
        catch (ModbusFrameException)
        {
            Interlocked.Increment(ref _framesRefused);
            throw;
        }
        finally
        {
            _inFlight.Release();
        }
    }

    /// <summary>
    /// The open connection, or a new one when the last was closed after it had answered (a device that closes after
    /// each answer, or a channel reset after a bad frame). A connection that never answered is not reopened here.
    /// </summary>
    private async Task<MbapConnection> CurrentConnectionAsync(bool allowFirst, CancellationToken cancellationToken)
    {
        await _connectLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is { IsOpen: true } open)
            {
                return open;
            }

            if (_connection is { } closed)
            {
                await closed.DisposeAsync();
                if (!closed.Answered)
                {
                    _connection = null;
                    throw new ModbusConnectionException($"{Endpoint}: the connection was closed before the device answered anything ({closed.ClosedBecause?.Message ?? "closed"})", closed.ClosedBecause);
                }
            }
            else if (!allowFirst && Connects > 0)
            {
                throw new ModbusConnectionException($"{Endpoint}: not connected");
            }

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_connectTimeout);
                await socket.ConnectAsync(_host, _port, timeout.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                throw new ModbusConnectionException(e is SocketException s ? $"{Endpoint}: {s.SocketErrorCode} ({s.Message})" : $"{Endpoint}: no connection within {_connectTimeout.TotalMilliseconds:0} ms", e);
            }

            if (socket.LocalEndPoint is { } local && local.Equals(socket.RemoteEndPoint))
            {
                // Linux lets a connect to a free loopback port pick that same port and connect to itself.
                socket.Dispose();
                throw new ModbusConnectionException($"{Endpoint}: nothing listens there (the connection reached itself)");
            }

            Interlocked.Increment(ref _connects);
            _connection = new MbapConnection(socket, Endpoint);
            return _connection;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    public void Refuse(ModbusFrameException because)
    {
        Interlocked.Increment(ref _framesRefused);
        Volatile.Read(ref _connection)?.Close(because);
    }

    public async ValueTask DisposeAsync()
    {
        await _connectLock.WaitAsync();
        try
        {
            _disposed = true;
            if (_connection is { } connection)
            {
                await connection.DisposeAsync();
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }
}

/// <summary>One TCP connection: its socket, its receive loop and the requests waiting on it.</summary>
internal sealed class MbapConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly string _endpoint;
    private readonly MbapDispatcher _dispatcher;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _receiving;
    private int _open = 1;

    public MbapConnection(Socket socket, string endpoint)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _endpoint = endpoint;
        _dispatcher = new MbapDispatcher(endpoint);
        _receiving = Task.Run(ReceiveAsync);
    }

    public bool IsOpen => Volatile.Read(ref _open) == 1;

    /// <summary>At least one answer came on this connection.</summary>
    public bool Answered => _dispatcher.Answered;

    public Exception? ClosedBecause { get; private set; }


    public async Task<byte[]> ExchangeAsync(ushort transactionId, byte unit, byte[] frame, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var answer = _dispatcher.Expect(transactionId, unit);
        try
        {
            await _writeLock.WaitAsync(cancellationToken);
            try
            {
                await _stream.WriteAsync(frame, cancellationToken);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            _dispatcher.Forget(transactionId);
            var lost = new ModbusConnectionException($"{_endpoint}: sending failed: {e.Message}", e);
            Close(lost);
            throw lost;
        }

        try
        {
            return await answer.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            _dispatcher.TimedOut(transactionId);
            // An answer cut off in the middle leaves the stream misaligned: only a new connection is safe.
            if (_dispatcher.MidFrame)
            {
                Close(new ModbusFrameException($"{_endpoint}: a frame stopped in the middle"));
            }

            throw new ModbusTimeoutException($"{_endpoint}: unit {unit} did not answer within {timeout.TotalMilliseconds:0} ms");
        }
        catch (ModbusFrameException e)
        {
            Close(e);
            throw;
        }
    }

    private async Task ReceiveAsync()
    {
        var header = new byte[MbapHeader.Size];
        try
        {
            while (true)
            {
                if (!await ReadFrameStartAsync(header))
                {
                    Close(new ModbusConnectionException($"{_endpoint}: the device closed the connection"));
                    return;
                }

                var parsed = MbapHeader.Read(header);
                var pdu = new byte[parsed.PduLength];
                await _stream.ReadExactlyAsync(pdu, _closing.Token);
                _dispatcher.MidFrame = false;
                _dispatcher.Deliver(parsed, pdu);
            }
        }
        catch (EndOfStreamException)
        {
            Close(new ModbusFrameException($"{_endpoint}: short frame: the connection closed inside a frame"));
        }
        catch (ModbusFrameException e)
        {
            Close(e);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Close(new ModbusConnectionException($"{_endpoint}: {e.Message}", e));
        }
    }

    /// <summary>The 7 header bytes; false when the connection ends cleanly before a frame starts.</summary>
    private async Task<bool> ReadFrameStartAsync(byte[] header)
    {
        var first = await _stream.ReadAsync(header.AsMemory(0, MbapHeader.Size), _closing.Token);
        if (first == 0)
        {
            return false;
        }

        _dispatcher.MidFrame = true;
        if (first < MbapHeader.Size)
        {
            await _stream.ReadExactlyAsync(header.AsMemory(first), _closing.Token);
        }

        return true;
    }

    public void Close(Exception because)
    {
        if (Interlocked.Exchange(ref _open, 0) == 0)
        {
            return;
        }

        ClosedBecause = because;
        _dispatcher.FailAll(because);
        _closing.Cancel();
        _socket.Close();
    }

    public async ValueTask DisposeAsync()
    {
        Close(new ModbusConnectionException($"{_endpoint}: closed"));
        await _receiving.ContinueWith(_ => { }, TaskScheduler.Default);
        await _stream.DisposeAsync();
        _closing.Dispose();
    }
}

/// <summary>
/// The requests that wait for an answer, by transaction id. A late answer to a request that timed out is dropped
/// quietly (it is expected); an answer to no request at all is a frame error.
/// </summary>
internal sealed class MbapDispatcher(string endpoint)
{
    private readonly ConcurrentDictionary<ushort, (byte Unit, TaskCompletionSource<byte[]> Answer)> _waiting = new();
    private readonly ConcurrentDictionary<ushort, byte> _timedOut = new();
    private int _answered;

    public bool Answered => Volatile.Read(ref _answered) == 1;

    /// <summary>Set while the receive loop has read part of a frame.</summary>
    public volatile bool MidFrame;

    public Task<byte[]> Expect(ushort transactionId, byte unit)
    {
        var answer = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _timedOut.TryRemove(transactionId, out _);
        _waiting[transactionId] = (unit, answer);
        return answer.Task;
    }

    public void Forget(ushort transactionId) => _waiting.TryRemove(transactionId, out _);

    public void TimedOut(ushort transactionId)
    {
        if (_waiting.TryRemove(transactionId, out _))
        {
            _timedOut[transactionId] = 0;
        }
    }

    /// <summary>Hands a received frame to the request it answers; throws <see cref="ModbusFrameException"/> when it answers none.</summary>
    public void Deliver(MbapHeader header, byte[] pdu)
    {
        if (_waiting.TryRemove(header.TransactionId, out var waiting))
        {
            if (waiting.Unit != header.Unit)
            {
                var wrongUnit = new ModbusFrameException($"{endpoint}: transaction {header.TransactionId} went to unit {waiting.Unit} but the answer names unit {header.Unit}");
                waiting.Answer.TrySetException(wrongUnit);
                throw wrongUnit;
            }

            Volatile.Write(ref _answered, 1);
            waiting.Answer.TrySetResult(pdu);
            return;
        }

        if (_timedOut.TryRemove(header.TransactionId, out _))
        {
            return;
        }

        throw new ModbusFrameException($"{endpoint}: an answer with transaction id {header.TransactionId} matches no request");
    }

    public void FailAll(Exception because)
    {
        foreach (var id in _waiting.Keys)
        {
            if (_waiting.TryRemove(id, out var waiting))
            {
                waiting.Answer.TrySetException(because);
            }
        }
    }
}
