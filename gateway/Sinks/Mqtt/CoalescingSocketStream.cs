using System.Buffers;
using System.Net;
using System.Net.Sockets;

using MQTTnet.Channel;

namespace Gateway.Sinks.Mqtt;

/// <summary>
/// Connects the MQTT client to the broker through a <see cref="CoalescingSocketStream"/> (MQTTnet layers TLS on top of it).
/// </summary>
public sealed class CoalescingStreamProvider : IMqttClientStreamProvider
{
    public async Task<Stream> ConnectAsync(EndPoint brokerEndPoint, CancellationToken cancellationToken)
    {
        // Our stream does the coalescing, so Nagle would only add delay.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(brokerEndPoint, cancellationToken);
            return new CoalescingSocketStream(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>
/// A socket stream whose writes are copied into a pending buffer and sent by one background sender, so that the many
/// small packets MQTTnet writes one after the other (a PUBLISH per reading, each awaited on its own) leave in a few large
/// sends instead of one system call each. A write returns once its bytes are queued; the sender sends them at once, so
/// nothing waits for more data to arrive. Order is kept: one buffer, one sender. Delivery is still confirmed by the
/// broker's PUBACK/PUBCOMP, never by the write.
/// </summary>
public sealed class CoalescingSocketStream : Stream, IMqttClientStreamEndPoints
{
    /// <summary>Bytes queued before a writer waits for the sender (the broker or the network is slower than we are).</summary>
    public const int MaxPendingBytes = 256 * 1024;

    private static readonly TimeSpan DrainOnCloseTimeout = TimeSpan.FromSeconds(2);

    private readonly Socket _socket;
    private readonly object _lock = new();
    private ArrayBufferWriter<byte> _pending = new(16 * 1024);
    private ArrayBufferWriter<byte> _sending = new(16 * 1024);
    private bool _senderRunning;
    private Exception? _fault;
    private TaskCompletionSource? _room;
    private TaskCompletionSource? _idle;
    private bool _disposed;
    private long _sends;

    public CoalescingSocketStream(Socket socket)
    {
        _socket = socket;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
    }

    public EndPoint? LocalEndPoint { get; }

    public EndPoint? RemoteEndPoint { get; }

    /// <summary>System calls that sent data so far (for tests and benchmarks: far fewer than the packets written).</summary>
    public long Sends => Interlocked.Read(ref _sends);

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => _socket.Receive(buffer, offset, count, SocketFlags.None);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task? room;
            lock (_lock)
            {
                ThrowIfUnusable();
                if (_pending.WrittenCount < MaxPendingBytes)
                {
                    buffer.Span.CopyTo(_pending.GetSpan(buffer.Length));
                    _pending.Advance(buffer.Length);
                    StartSenderLocked();
                    return;
                }

                room = (_room ??= NewSignal()).Task;
            }

            await room.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Waits until every queued byte was handed to the socket.</summary>
    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        Task drained;
        lock (_lock)
        {
            ThrowIfUnusable();
            if (!_senderRunning)
            {
                return;
            }

            drained = (_idle ??= NewSignal()).Task;
        }

        await drained.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Task? drained = null;
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                if (_senderRunning && _fault is null)
                {
                    drained = (_idle ??= NewSignal()).Task;
                }
            }

            // A graceful DISCONNECT (and the retained 'offline' before it) is still queued: let it leave before the socket closes.
            try
            {
                drained?.Wait(DrainOnCloseTimeout);
            }
            catch (AggregateException)
            {
            }

            try
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }

            _socket.Dispose();
        }

        base.Dispose(disposing);
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_fault is not null)
        {
            throw SendFailed(_fault);
        }
    }

    private static IOException SendFailed(Exception cause) =>
        new($"the connection to the broker failed while sending: {cause.Message}", cause);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void StartSenderLocked()
    {
        if (_senderRunning)
        {
            return;
        }

        // On another thread, so that the writer goes on queueing while this send is under way.
        _senderRunning = true;
        ThreadPool.UnsafeQueueUserWorkItem(static stream => _ = stream.SendLoopAsync(), this, preferLocal: false);
    }

    private async Task SendLoopAsync()
    {
        while (true)
        {
            TaskCompletionSource? room;
            TaskCompletionSource? idle = null;
            bool done;
            lock (_lock)
            {
                done = _pending.WrittenCount == 0;
                if (done)
                {
                    _senderRunning = false;
                    (idle, _idle) = (_idle, null);
                }
                else
                {
                    (_pending, _sending) = (_sending, _pending);
                }

                (room, _room) = (_room, null);
            }

            room?.TrySetResult();
            if (done)
            {
                idle?.TrySetResult();
                return;
            }

            try
            {
                var data = _sending.WrittenMemory;
                while (!data.IsEmpty)
                {
                    var sent = await _socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
                    Interlocked.Increment(ref _sends);
                    data = data[sent..];
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                lock (_lock)
                {
                    _fault = e;
                    _senderRunning = false;
                    (room, _room) = (_room, null);
                    (idle, _idle) = (_idle, null);
                }

                var failure = SendFailed(e);
                room?.TrySetException(failure);
                idle?.TrySetException(failure);
                return;
            }

            _sending.ResetWrittenCount();
        }
    }
}
