using System.Buffers;
using System.Collections.Concurrent;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Transport;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.SecureChannel;

/// <summary>
/// The client end of a secure channel (Part 6, 6.7): opens it, sends requests and matches responses by request id
/// (many in flight at once), renews the token at 75% of its lifetime, and closes it. Any transport or decoding error
/// faults the channel: every pending request fails with the typed error and <see cref="Faulted"/> is raised once.
/// </summary>
public sealed class ClientSecureChannel : IAsyncDisposable
{
    private readonly UaTcpConnection _connection;
    private readonly ISecurityPolicy _policy;
    private readonly DecodingLimits _limits;
    private readonly ConcurrentDictionary<uint, TaskCompletionSource<IServiceMessage>> _pending = new();
    private readonly ChunkAssembler _assembler;
    private readonly CancellationTokenSource _stop = new();
    private readonly uint _requestedLifetime;
    private Task? _receiveLoop;
    private Timer? _renewal;
    private uint _channelId;
    private uint _tokenId;
    private int _requestId;
    private int _sequenceNumber;
    private int _requestHandle;
    private int _faulted;

    private ClientSecureChannel(UaTcpConnection connection, ISecurityPolicy policy, DecodingLimits limits, uint requestedLifetime)
    {
        _connection = connection;
        _policy = policy;
        _limits = limits;
        _requestedLifetime = requestedLifetime;
        _assembler = new ChunkAssembler(connection.Local);
    }

    public string EndpointUrl => _connection.EndpointUrl;

    public uint ChannelId => _channelId;

    public uint TokenId => _tokenId;

    /// <summary>Set when the channel broke; later requests fail at once with this error.</summary>
    public UaException? Fault { get; private set; }

    /// <summary>Raised once when the channel breaks (connection lost, malformed message, renewal refused).</summary>
    public event Action<UaException>? Faulted;

    /// <summary>How many token renewals succeeded (for tests and metrics).</summary>
    public int Renewals { get; private set; }

    public static async Task<ClientSecureChannel> OpenAsync(string endpointUrl, ChannelOptions options, CancellationToken cancellationToken)
    {
        MessageTypes.EnsureRegistered();
        var connection = await UaTcpConnection.ConnectAsync(endpointUrl, options.Transport, options.RequestTimeout, cancellationToken);
        var channel = new ClientSecureChannel(connection, SecurityPolicyNone.Instance, options.DecodingLimits, (uint)options.TokenLifetime.TotalMilliseconds);
        channel._receiveLoop = Task.Run(channel.ReceiveLoopAsync, CancellationToken.None);
        try
        {
            await channel.OpenOrRenewAsync(SecurityTokenRequestType.Issue, options.RequestTimeout, cancellationToken);
        }
        catch
        {
            await channel.DisposeAsync();
            throw;
        }

        return channel;
    }

    private async Task OpenOrRenewAsync(SecurityTokenRequestType type, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var request = new OpenSecureChannelRequest
        {
            RequestType = type,
            SecurityMode = MessageSecurityMode.None,
            RequestedLifetime = _requestedLifetime,
            ClientNonce = [],
        };
        var response = await SendAsync<OpenSecureChannelResponse>(request, ChunkHeader.OpenChannel, timeout, cancellationToken);
        _channelId = response.ChannelId;
        _tokenId = response.TokenId;
        if (type == SecurityTokenRequestType.Renew)
        {
            Renewals++;
        }

        // Part 6, 6.7.4: renew before the token expires; 75% of the revised lifetime leaves room for a slow server.
        var lifetime = TimeSpan.FromMilliseconds(Math.Max(1000, response.RevisedLifetime));
        var renewIn = lifetime * 0.75;
        _renewal?.Dispose();
        _renewal = new Timer(_ => _ = RenewAsync(timeout), null, renewIn, Timeout.InfiniteTimeSpan);
    }

    private async Task RenewAsync(TimeSpan timeout)
    {
        try
        {
            await OpenOrRenewAsync(SecurityTokenRequestType.Renew, timeout, _stop.Token);
        }
        catch (UaException e)
        {
            Fail(new UaTransportException(e.StatusCode, $"{EndpointUrl}: renewing the secure channel token failed: {e.Message}", e));
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Sends a service request and waits for its response; throws <see cref="UaServiceException"/> on a bad service result.</summary>
    public Task<TResponse> SendRequestAsync<TResponse>(ServiceRequest request, TimeSpan timeout, CancellationToken cancellationToken)
        where TResponse : ServiceResponse =>
        SendAsync<TResponse>(request, ChunkHeader.Message, timeout, cancellationToken);

    private async Task<TResponse> SendAsync<TResponse>(ServiceRequest request, uint messageType, TimeSpan timeout, CancellationToken cancellationToken)
        where TResponse : ServiceResponse
    {
        if (Fault is not null)
        {
            throw Fault;
        }

        request.RequestHeader.RequestHandle = (uint)Interlocked.Increment(ref _requestHandle);
        request.RequestHeader.Timestamp = DateTime.UtcNow;
        request.RequestHeader.TimeoutHint = (uint)Math.Min(uint.MaxValue, timeout.TotalMilliseconds);
        var requestId = (uint)Interlocked.Increment(ref _requestId);
        var body = new ArrayBufferWriter<byte>(256);
        MessageTypes.Encode(new UaBinaryWriter(body), request);
        var chunks = ChunkCodec.Encode(
            messageType,
            _channelId,
            _tokenId,
            _policy.Uri,
            requestId,
            body.WrittenSpan,
            _connection.SendChunkSize,
            _connection.Remote,
            () => (uint)Interlocked.Increment(ref _sequenceNumber));

        var completion = new TaskCompletionSource<IServiceMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[requestId] = completion;
        try
        {
            await _connection.WriteAsync(chunks, cancellationToken);
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timer.CancelAfter(timeout);
            IServiceMessage message;
            try
            {
                message = await completion.Task.WaitAsync(timer.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new UaServiceException(StatusCodes.BadTimeout, $"{EndpointUrl}: no answer to {request.GetType().Name.Replace("Request", "", StringComparison.Ordinal)} within {timeout.TotalSeconds:0.#} s");
            }

            if (message is ServiceFault fault)
            {
                throw new UaServiceException(fault.ResponseHeader.ServiceResult.Code, $"{EndpointUrl}: {request.GetType().Name.Replace("Request", "", StringComparison.Ordinal)} failed: {fault.ResponseHeader.ServiceResult}");
            }

            if (message is not TResponse response)
            {
                throw new UaServiceException(StatusCodes.BadUnknownResponse, $"{EndpointUrl}: expected {typeof(TResponse).Name}, got {message.GetType().Name}");
            }

            if (response.ResponseHeader.ServiceResult.IsBad)
            {
                throw new UaServiceException(response.ResponseHeader.ServiceResult.Code, $"{EndpointUrl}: {typeof(TResponse).Name.Replace("Response", "", StringComparison.Ordinal)} failed: {response.ResponseHeader.ServiceResult}");
            }

            return response;
        }
        finally
        {
            _pending.TryRemove(requestId, out _);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var chunk = await _connection.ReadChunkAsync(_stop.Token);
                try
                {
                    HandleChunk(chunk);
                }
                finally
                {
                    UaTcpConnection.Release(chunk);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (UaException e)
        {
            Fail(e);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            Fail(new UaTransportException(StatusCodes.BadConnectionClosed, $"{EndpointUrl}: the connection closed: {e.Message}", e));
        }
    }

    private void HandleChunk(ReceivedChunk chunk)
    {
        ParsedChunk parsed;
        try
        {
            parsed = ChunkCodec.Parse(chunk, _limits);
        }
        catch (UaDecodingException e)
        {
            throw new UaTransportException(e.StatusCode, $"{EndpointUrl}: malformed chunk header: {e.Message}", e);
        }

        if (chunk.Header.ChunkType == ChunkHeader.Abort)
        {
            _assembler.Discard(parsed.RequestId);
            var (code, reason) = ChunkCodec.ParseAbort(parsed.Body);
            Complete(parsed.RequestId, new UaServiceException(code, $"{EndpointUrl}: the server aborted the response: {StatusCodes.NameOf(code)} {reason}"));
            return;
        }

        byte[]? message;
        try
        {
            message = _assembler.Add(parsed.RequestId, parsed.Body, chunk.Header.ChunkType == ChunkHeader.Final);
        }
        catch (UaTransportException e)
        {
            // Too large for our limits: fail this request, keep the channel (the rest of its chunks are dropped).
            Complete(parsed.RequestId, e);
            return;
        }

        if (message is null)
        {
            return;
        }

        IServiceMessage decoded;
        try
        {
            var reader = new UaBinaryReader(message, _limits);
            decoded = MessageTypes.Decode(ref reader);
        }
        catch (UaDecodingException e)
        {
            // A message we cannot decode means the stream can no longer be trusted: close the channel.
            throw new UaTransportException(e.StatusCode, $"{EndpointUrl}: malformed response: {e.Message}", e);
        }

        if (_pending.TryGetValue(parsed.RequestId, out var completion))
        {
            completion.TrySetResult(decoded);
        }
    }

    private void Complete(uint requestId, Exception error)
    {
        if (_pending.TryGetValue(requestId, out var completion))
        {
            completion.TrySetException(error);
        }
    }

    private void Fail(UaException error)
    {
        if (Interlocked.Exchange(ref _faulted, 1) != 0)
        {
            return;
        }

        Fault = error;
        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(error);
        }

        Faulted?.Invoke(error);
    }

    /// <summary>Sends CloseSecureChannel (no response is expected) and closes the connection.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (Fault is null)
        {
            try
            {
                var body = new ArrayBufferWriter<byte>(64);
                MessageTypes.Encode(new UaBinaryWriter(body), new CloseSecureChannelRequest());
                var chunks = ChunkCodec.Encode(ChunkHeader.CloseChannel, _channelId, _tokenId, _policy.Uri, (uint)Interlocked.Increment(ref _requestId), body.WrittenSpan, _connection.SendChunkSize, _connection.Remote, () => (uint)Interlocked.Increment(ref _sequenceNumber));
                await _connection.WriteAsync(chunks, cancellationToken);
            }
            catch (UaException)
            {
                // closing anyway
            }
        }

        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        _renewal?.Dispose();
        await _connection.DisposeAsync();
        if (_receiveLoop is not null)
        {
            await _receiveLoop;
        }

        Fail(new UaTransportException(StatusCodes.BadSecureChannelClosed, $"{EndpointUrl}: the secure channel was closed"));
    }
}

/// <summary>Settings of a secure channel.</summary>
public sealed record ChannelOptions
{
    public TransportLimits Transport { get; init; } = new();

    public DecodingLimits DecodingLimits { get; init; } = DecodingLimits.Default;

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Requested security token lifetime; the server may revise it.</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(1);
}
