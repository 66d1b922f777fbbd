using System.Buffers;
using System.Threading.Channels;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.SecureChannel;
using Gateway.OpcUa.Server.Services;
using Gateway.OpcUa.Server.Sessions;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Transport;
using Gateway.OpcUa.Types;
using Microsoft.Extensions.Logging;

namespace Gateway.OpcUa.Server.Channels;

/// <summary>
/// The responder side of one secure channel (Part 6, 6.7) over one UA-TCP connection: answers OpenSecureChannel
/// (SecurityPolicy None), reassembles request chunks, hands requests to the <see cref="ServiceDispatcher"/> and sends
/// responses through one writer so sequence numbers go out in order. Anything malformed ends this channel with an
/// Error message; it never reaches the rest of the server.
/// </summary>
internal sealed class ServerChannel : IResponseChannel
{
    private static int _lastChannelId;

    private readonly UaTcpConnection _connection;
    private readonly ServiceDispatcher _dispatcher;
    private readonly ILogger _logger;
    private readonly DecodingLimits _decoding;
    private readonly Channel<Outgoing> _outgoing = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ChunkAssembler _assembler;
    private uint _tokenId;
    private uint _sequence;
    private volatile bool _open = true;

    public ServerChannel(UaTcpConnection connection, ServiceDispatcher dispatcher, ILogger logger)
    {
        _connection = connection;
        _dispatcher = dispatcher;
        _logger = logger;
        _decoding = DecodingLimits.Default;
        _assembler = new ChunkAssembler(connection.Local);
    }

    public uint ChannelId { get; private set; }

    public bool IsOpen => _open;

    public void Send(uint requestId, IServiceMessage response)
    {
        if (!_open)
        {
            return;
        }

        var body = Encode(response);
        var handle = response is ServiceResponse r ? r.ResponseHeader.RequestHandle : 0;
        _outgoing.Writer.TryWrite(new Outgoing(ChunkHeader.Message, requestId, handle, body));
    }

    private static byte[] Encode(IServiceMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        ServerMessageTypes.Encode(new UaBinaryWriter(buffer), message);
        return buffer.WrittenSpan.ToArray();
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var writer = Task.Run(() => WriteLoopAsync(cancellationToken), CancellationToken.None);
        try
        {
            await ReadLoopAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (UaDecodingException e)
        {
            await FailAsync(e.StatusCode, $"malformed message: {e.Message}");
        }
        catch (ChannelRejectedException e)
        {
            await FailAsync(e.StatusCode, e.Message);
        }
        catch (UaTransportException e) when (e.StatusCode == StatusCodes.BadConnectionClosed)
        {
            _logger.LogDebug("channel {Channel}: {Reason}", ChannelId, e.Message);
        }
        catch (UaTransportException e)
        {
            await FailAsync(e.StatusCode, e.Message);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "channel {Channel}: closing after an unexpected error", ChannelId);
            await FailAsync(StatusCodes.BadTcpInternalError, "internal error");
        }
        finally
        {
            _open = false;
            _outgoing.Writer.TryComplete();
            try
            {
                await writer;
            }
            catch (Exception e) when (e is UaTransportException or OperationCanceledException or IOException or ObjectDisposedException)
            {
            }

            await _connection.DisposeAsync();
        }
    }

    private async Task FailAsync(uint status, string reason)
    {
        _logger.LogInformation("channel {Channel} closed: {Status}: {Reason}", ChannelId, StatusCodes.NameOf(status), reason);
        _open = false;
        try
        {
            // Part 6, 7.1.2.5: tell the client why before closing.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _connection.SendErrorAsync(status, reason, timeout.Token);
        }
        catch (Exception e) when (e is UaTransportException or OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var chunk = await _connection.ReadChunkAsync(cancellationToken);
            try
            {
                if (!HandleChunk(chunk))
                {
                    return;
                }
            }
            finally
            {
                UaTcpConnection.Release(chunk);
            }
        }
    }

    /// <summary>Handles one chunk; false when the client closed the channel.</summary>
    private bool HandleChunk(ReceivedChunk chunk)
    {
        var type = chunk.Header.MessageType;
        if (type != ChunkHeader.OpenChannel && type != ChunkHeader.Message && type != ChunkHeader.CloseChannel)
        {
            throw new ChannelRejectedException(StatusCodes.BadTcpMessageTypeInvalid, $"unexpected '{chunk.Header.TypeName}' message on an open connection");
        }

        var parsed = ChunkCodec.Parse(chunk, _decoding);
        if (type == ChunkHeader.OpenChannel)
        {
            OpenChannel(parsed);
            return true;
        }

        if (ChannelId == 0 || parsed.ChannelId != ChannelId)
        {
            throw new ChannelRejectedException(StatusCodes.BadTcpSecureChannelUnknown, $"secure channel {parsed.ChannelId} is not open on this connection");
        }

        if (parsed.TokenId != _tokenId && parsed.TokenId != _tokenId - 1)
        {
            throw new ChannelRejectedException(StatusCodes.BadSecureChannelTokenUnknown, $"security token {parsed.TokenId} is not valid on channel {ChannelId}");
        }

        if (type == ChunkHeader.CloseChannel)
        {
            // Part 6, 6.7.4: CloseSecureChannel has no response; the server closes the socket.
            _logger.LogDebug("channel {Channel} closed by the client", ChannelId);
            return false;
        }

        if (chunk.Header.ChunkType == ChunkHeader.Abort)
        {
            _assembler.Discard(parsed.RequestId);
            return true;
        }

        if (chunk.Header.ChunkType != ChunkHeader.Final && chunk.Header.ChunkType != ChunkHeader.Intermediate)
        {
            throw new ChannelRejectedException(StatusCodes.BadTcpMessageTypeInvalid, $"chunk type '{(char)chunk.Header.ChunkType}' is not F, C or A");
        }

        byte[]? message;
        try
        {
            message = _assembler.Add(parsed.RequestId, parsed.Body, chunk.Header.ChunkType == ChunkHeader.Final);
        }
        catch (UaTransportException e)
        {
            // Part 6, 6.7.3: a request over our limits fails alone (BadRequestTooLarge); the channel stays up.
            _logger.LogInformation("channel {Channel}: request {Request} refused: {Reason}", ChannelId, parsed.RequestId, e.Message);
            Send(parsed.RequestId, ServiceDispatcher.Fault(0, StatusCodes.BadRequestTooLarge));
            return true;
        }

        if (message is not null)
        {
            HandleRequest(parsed.RequestId, message);
        }

        return true;
    }

    private void HandleRequest(uint requestId, byte[] message)
    {
        if (ServerMessageTypes.Decode(message, _decoding) is not ServiceRequest request)
        {
            throw new UaDecodingException("the message is a response, not a request");
        }

        if (request is OpenSecureChannelRequest or CloseSecureChannelRequest)
        {
            throw new ChannelRejectedException(StatusCodes.BadTcpMessageTypeInvalid, "secure channel requests must come in OPN / CLO messages");
        }

        IServiceMessage? response;
        try
        {
            response = _dispatcher.Dispatch(request, new ServiceContext(this, requestId));
        }
        catch (Exception e)
        {
            // A bug in one service answers that request; the channel and the server go on.
            _logger.LogError(e, "channel {Channel}: {Service} failed", ChannelId, request.GetType().Name);
            response = ServiceDispatcher.Fault(request.RequestHeader.RequestHandle, StatusCodes.BadInternalError);
        }

        if (response is not null)
        {
            Send(requestId, response);
        }
    }

    private void OpenChannel(ParsedChunk parsed)
    {
        if (parsed.PolicyUri != ServiceDispatcher.SecurityPolicyNoneUri)
        {
            throw new ChannelRejectedException(StatusCodes.BadSecurityPolicyRejected, $"security policy '{parsed.PolicyUri}' is not offered; this server offers None only");
        }

        if (ServerMessageTypes.Decode(parsed.Body, _decoding) is not OpenSecureChannelRequest request)
        {
            throw new UaDecodingException("an OPN message must carry an OpenSecureChannelRequest");
        }

        if (request.SecurityMode != MessageSecurityMode.None)
        {
            throw new ChannelRejectedException(StatusCodes.BadSecurityModeRejected, $"security mode {request.SecurityMode} is not offered; this server offers None only");
        }

        if (request.RequestType == SecurityTokenRequestType.Issue)
        {
            if (ChannelId != 0)
            {
                throw new ChannelRejectedException(StatusCodes.BadTcpSecureChannelUnknown, "a second Issue on a connection that already has a channel");
            }

            ChannelId = (uint)Interlocked.Increment(ref _lastChannelId);
        }
        else if (ChannelId == 0 || parsed.ChannelId != ChannelId)
        {
            throw new ChannelRejectedException(StatusCodes.BadTcpSecureChannelUnknown, $"renew of channel {parsed.ChannelId}, which is not open here");
        }

        _tokenId++;
        var lifetime = Math.Clamp(request.RequestedLifetime == 0 ? 3_600_000u : request.RequestedLifetime, 10_000u, 3_600_000u);
        var response = new OpenSecureChannelResponse
        {
            ResponseHeader = new ResponseHeader { RequestHandle = request.RequestHeader.RequestHandle },
            ServerProtocolVersion = 0,
            SecurityToken = new ChannelSecurityToken { ChannelId = ChannelId, TokenId = _tokenId, CreatedAt = DateTime.UtcNow, RevisedLifetime = lifetime },
            ServerNonce = [],
        };
        _outgoing.Writer.TryWrite(new Outgoing(ChunkHeader.OpenChannel, parsed.RequestId, request.RequestHeader.RequestHandle, Encode(response)));
    }

    private async Task WriteLoopAsync(CancellationToken cancellationToken)
    {
        await foreach (var item in _outgoing.Reader.ReadAllAsync(cancellationToken))
        {
            byte[] chunks;
            try
            {
                chunks = ChunkCodec.Encode(item.MessageType, ChannelId, _tokenId, ServiceDispatcher.SecurityPolicyNoneUri, item.RequestId, item.Body, _connection.SendChunkSize, _connection.Remote, NextSequenceNumber);
            }
            catch (UaTransportException e)
            {
                // Part 4, 7.34 / Part 6, 6.7.3: a response over the client's limits becomes a fault for that request.
                _logger.LogInformation("channel {Channel}: response to request {Request} not sent: {Reason}", ChannelId, item.RequestId, e.Message);
                var fault = Encode(ServiceDispatcher.Fault(item.RequestHandle, StatusCodes.BadResponseTooLarge));
                chunks = ChunkCodec.Encode(ChunkHeader.Message, ChannelId, _tokenId, ServiceDispatcher.SecurityPolicyNoneUri, item.RequestId, fault, _connection.SendChunkSize, _connection.Remote, NextSequenceNumber);
            }

            await _connection.WriteAsync(chunks, cancellationToken);
        }
    }

    private uint NextSequenceNumber()
    {
        // Part 6, 6.7.2.4: starts below 1024 and wraps to below 1024 after 4294966271.
        _sequence = _sequence >= 4_294_966_271u ? 1 : _sequence + 1;
        return _sequence;
    }

    private readonly record struct Outgoing(uint MessageType, uint RequestId, uint RequestHandle, byte[] Body);

    private sealed class ChannelRejectedException : Exception
    {
        public ChannelRejectedException(uint statusCode, string message)
            : base(message) => StatusCode = statusCode;

        public uint StatusCode { get; }
    }
}
