using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Status;

namespace Gateway.OpcUa.Transport;

/// <summary>
/// A UA-TCP connection (Part 6, 7.1): Hello / Acknowledge, then whole chunks in both directions. It knows nothing of
/// secure channels or sessions; both the client and the server side use it.
/// </summary>
public sealed class UaTcpConnection : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly byte[] _header = new byte[ChunkHeader.Size];
    private bool _disposed;

    private UaTcpConnection(TcpClient tcp, TransportLimits local, TransportLimits remote, string endpointUrl)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        Local = local;
        Remote = remote;
        EndpointUrl = endpointUrl;
    }

    /// <summary>What this side offered (receive size, message and chunk limits it enforces).</summary>
    public TransportLimits Local { get; }

    /// <summary>What the other side accepts: chunks sent must not exceed its ReceiveBufferSize.</summary>
    public TransportLimits Remote { get; }

    public string EndpointUrl { get; }

    /// <summary>Largest chunk this side may send.</summary>
    public int SendChunkSize => (int)Math.Min(Local.SendBufferSize, Remote.ReceiveBufferSize);

    /// <summary>Client side: connect, send Hello, wait for Acknowledge (or an Error message).</summary>
    public static async Task<UaTcpConnection> ConnectAsync(string endpointUrl, TransportLimits limits, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (host, port) = ParseEndpoint(endpointUrl);
        var tcp = new TcpClient { NoDelay = true };
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            await tcp.ConnectAsync(host, port, timer.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            tcp.Dispose();
            throw new UaTransportException(StatusCodes.BadTimeout, $"{endpointUrl}: timed out connecting after {timeout.TotalSeconds:0.#} s");
        }
        catch (SocketException e)
        {
            tcp.Dispose();
            var cause = e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused (is the server running and listening on this port?)",
                SocketError.HostNotFound or SocketError.NoData => "host not found",
                SocketError.TimedOut => "timed out",
                SocketError.NetworkUnreachable or SocketError.HostUnreachable => "host unreachable",
                _ => e.Message,
            };
            throw new UaTransportException(StatusCodes.BadNotConnected, $"{endpointUrl}: {cause}", e);
        }

        try
        {
            var stream = tcp.GetStream();
            var hello = new ArrayBufferWriter<byte>(128);
            var writer = new UaBinaryWriter(hello);
            writer.WriteUInt32(0); // header, filled below
            writer.WriteUInt32(0);
            writer.WriteUInt32(0); // ProtocolVersion
            writer.WriteUInt32(limits.ReceiveBufferSize);
            writer.WriteUInt32(limits.SendBufferSize);
            writer.WriteUInt32(limits.MaxMessageSize);
            writer.WriteUInt32(limits.MaxChunkCount);
            writer.WriteString(endpointUrl);
            var bytes = hello.WrittenSpan.ToArray();
            ChunkHeader.Write(bytes, ChunkHeader.Hello, ChunkHeader.Final, (uint)bytes.Length);
            await stream.WriteAsync(bytes, timer.Token);

            var header = new byte[ChunkHeader.Size];
            await stream.ReadExactlyAsync(header, timer.Token);
            var ack = ChunkHeader.Read(header);
            if (ack.MessageSize is < ChunkHeader.Size or > 65536)
            {
                throw new UaTransportException(StatusCodes.BadTcpMessageTooLarge, $"{endpointUrl}: the answer to Hello has an invalid size {ack.MessageSize}");
            }

            var body = new byte[ack.MessageSize - ChunkHeader.Size];
            await stream.ReadExactlyAsync(body, timer.Token);
            if (ack.MessageType == ChunkHeader.Error)
            {
                throw ErrorFrom(endpointUrl, body);
            }

            if (ack.MessageType != ChunkHeader.Acknowledge || body.Length < 20)
            {
                throw new UaTransportException(StatusCodes.BadTcpMessageTypeInvalid, $"{endpointUrl}: expected Acknowledge, got '{ack.TypeName}'");
            }

            // Part 6, 7.1.2.4: the server's receive size bounds what we send; its send size what we receive.
            var remote = new TransportLimits
            {
                ReceiveBufferSize = BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(4)),
                SendBufferSize = BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(8)),
                MaxMessageSize = BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(12)),
                MaxChunkCount = BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(16)),
            };
            if (remote.ReceiveBufferSize < 8192)
            {
                throw new UaTransportException(StatusCodes.BadTcpNotEnoughResources, $"{endpointUrl}: the server's receive buffer of {remote.ReceiveBufferSize} bytes is below the minimum of 8192");
            }

            var local = limits with { ReceiveBufferSize = Math.Min(limits.ReceiveBufferSize, Math.Max(remote.SendBufferSize, 8192)) };
            return new UaTcpConnection(tcp, local, remote, endpointUrl);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
        {
            tcp.Dispose();
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            // Say which side did what: our timer ran out waiting, or the server closed (or reset) the connection.
            if (e is OperationCanceledException)
            {
                throw new UaTransportException(
                    StatusCodes.BadTimeout,
                    FormattableString.Invariant($"{endpointUrl}: the server accepted the TCP connection but sent no Acknowledge to our Hello within {timeout.TotalSeconds:0.#} s (is it an OPC UA server, and not overloaded?)"),
                    e);
            }

            throw new UaTransportException(
                StatusCodes.BadConnectionClosed,
                $"{endpointUrl}: the server closed the connection after our Hello, without an Acknowledge ({e.Message}); is this port an OPC UA server, and does it accept opc.tcp connections?",
                e);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Server side: read the Hello of an accepted socket and answer with Acknowledge.</summary>
    public static async Task<UaTcpConnection> AcceptAsync(TcpClient tcp, TransportLimits limits, CancellationToken cancellationToken)
    {
        var stream = tcp.GetStream();
        var header = new byte[ChunkHeader.Size];
        await stream.ReadExactlyAsync(header, cancellationToken);
        var hello = ChunkHeader.Read(header);
        if (hello.MessageType != ChunkHeader.Hello || hello.MessageSize is < 32 or > 8192)
        {
            throw new UaTransportException(StatusCodes.BadTcpMessageTypeInvalid, $"expected Hello, got '{hello.TypeName}' of {hello.MessageSize} bytes");
        }

        var body = new byte[hello.MessageSize - ChunkHeader.Size];
        await stream.ReadExactlyAsync(body, cancellationToken);
        var reader = new UaBinaryReader(body);
        reader.ReadUInt32();
        var remote = new TransportLimits
        {
            ReceiveBufferSize = reader.ReadUInt32(),
            SendBufferSize = reader.ReadUInt32(),
            MaxMessageSize = reader.ReadUInt32(),
            MaxChunkCount = reader.ReadUInt32(),
        };
        var url = reader.ReadString() ?? "";
        if (remote.ReceiveBufferSize < 8192)
        {
            throw new UaTransportException(StatusCodes.BadTcpNotEnoughResources, $"the client's receive buffer of {remote.ReceiveBufferSize} bytes is below 8192");
        }

        var local = limits with
        {
            ReceiveBufferSize = Math.Min(limits.ReceiveBufferSize, remote.SendBufferSize),
            SendBufferSize = Math.Min(limits.SendBufferSize, remote.ReceiveBufferSize),
        };
        var ack = new byte[28];
        ChunkHeader.Write(ack, ChunkHeader.Acknowledge, ChunkHeader.Final, 28);
        BinaryPrimitives.WriteUInt32LittleEndian(ack.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(ack.AsSpan(12), local.ReceiveBufferSize);
        BinaryPrimitives.WriteUInt32LittleEndian(ack.AsSpan(16), local.SendBufferSize);
        BinaryPrimitives.WriteUInt32LittleEndian(ack.AsSpan(20), local.MaxMessageSize);
        BinaryPrimitives.WriteUInt32LittleEndian(ack.AsSpan(24), local.MaxChunkCount);
        await stream.WriteAsync(ack, cancellationToken);
        return new UaTcpConnection(tcp, local, remote, url);
    }

    /// <summary>Reads the next whole chunk. Its size is checked against what this side offered before it is read.</summary>
    public async Task<ReceivedChunk> ReadChunkAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _stream.ReadExactlyAsync(_header, cancellationToken);
        }
        catch (EndOfStreamException e)
        {
            throw new UaTransportException(StatusCodes.BadConnectionClosed, $"{EndpointUrl}: the connection was closed by the other side", e);
        }
        catch (IOException e)
        {
            throw new UaTransportException(StatusCodes.BadConnectionClosed, $"{EndpointUrl}: the connection broke: {e.Message}", e);
        }

        var header = ChunkHeader.Read(_header);
        if (header.MessageSize < ChunkHeader.Size + 4 || header.MessageSize > Local.ReceiveBufferSize)
        {
            throw new UaTransportException(
                StatusCodes.BadTcpMessageTooLarge,
                $"{EndpointUrl}: received a '{header.TypeName}' chunk of {header.MessageSize} bytes; the negotiated limit is {Local.ReceiveBufferSize}");
        }

        var length = (int)header.MessageSize - ChunkHeader.Size;
        var body = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            await _stream.ReadExactlyAsync(body.AsMemory(0, length), cancellationToken);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            ArrayPool<byte>.Shared.Return(body);
            throw new UaTransportException(StatusCodes.BadConnectionClosed, $"{EndpointUrl}: the connection closed in the middle of a chunk", e);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(body);
            throw;
        }

        if (header.MessageType == ChunkHeader.Error)
        {
            var error = ErrorFrom(EndpointUrl, body.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(body);
            throw error;
        }

        return new ReceivedChunk(header, body, length);
    }

    /// <summary>Returns a received chunk's buffer to the pool.</summary>
    public static void Release(ReceivedChunk chunk) => ArrayPool<byte>.Shared.Return(chunk.Body);

    /// <summary>Writes whole chunks; one writer at a time so chunks of two messages never interleave mid-chunk.</summary>
    public async Task WriteAsync(ReadOnlyMemory<byte> chunks, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await _stream.WriteAsync(chunks, cancellationToken);
        }
        catch (IOException e)
        {
            throw new UaTransportException(StatusCodes.BadConnectionClosed, $"{EndpointUrl}: sending failed: {e.Message}", e);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends an Error message (Part 6, 7.1.2.5) and leaves the closing to the caller.</summary>
    public async Task SendErrorAsync(uint statusCode, string reason, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new UaBinaryWriter(buffer);
        writer.WriteUInt32(0);
        writer.WriteUInt32(0);
        writer.WriteUInt32(statusCode);
        writer.WriteString(reason);
        var bytes = buffer.WrittenSpan.ToArray();
        ChunkHeader.Write(bytes, ChunkHeader.Error, ChunkHeader.Final, (uint)bytes.Length);
        await WriteAsync(bytes, cancellationToken);
    }

    public static (string Host, int Port) ParseEndpoint(string endpointUrl)
    {
        if (!Uri.TryCreate(endpointUrl, UriKind.Absolute, out var uri) || !string.Equals(uri.Scheme, "opc.tcp", StringComparison.OrdinalIgnoreCase))
        {
            throw new UaTransportException(StatusCodes.BadTcpEndpointUrlInvalid, $"'{endpointUrl}' is not an opc.tcp:// endpoint URL");
        }

        return (uri.Host, uri.Port > 0 ? uri.Port : 4840);
    }

    private static UaTransportException ErrorFrom(string endpointUrl, ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new UaBinaryReader(body);
            var code = reader.ReadUInt32();
            var reason = reader.ReadString();
            return new UaTransportException(code, $"{endpointUrl}: the server sent an error: {StatusCodes.NameOf(code)}{(string.IsNullOrEmpty(reason) ? "" : ": " + reason)}");
        }
        catch (UaDecodingException)
        {
            return new UaTransportException(StatusCodes.BadCommunicationError, $"{endpointUrl}: the server sent a malformed Error message");
        }
    }

    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            _tcp.Dispose();
            _writeLock.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
