using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Security;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Transport;

namespace Gateway.OpcUa.SecureChannel;

/// <summary>
/// The client end of a secure channel (Part 6, 6.7): opens it (asymmetrically signed and encrypted unless the policy is
/// None), sends requests and matches responses by request id (many in flight at once), renews the token at 75% of its
/// lifetime with fresh nonces and keys, and closes it. Every chunk is signed / encrypted with the current token's
/// client keys; received chunks are verified and decrypted with the keys of the token they name, and their sequence
/// numbers must follow each other. Any transport, security or decoding error faults the channel: every pending request
/// fails with the typed error and <see cref="Faulted"/> is raised once.
/// </summary>
public sealed partial class ClientSecureChannel : IAsyncDisposable
{
    private readonly UaTcpConnection _connection;
    private readonly ChannelSecurity _security;
    private readonly DecodingLimits _limits;
    private readonly ConcurrentDictionary<uint, PendingRequest> _pending = new();
    private readonly ChunkAssembler _assembler;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Func<uint> _nextSequenceNumber;
    private readonly uint _requestedLifetime;
    private readonly OpenKeys? _open;

    // Written under _sendLock: the token and keys chunks are sent with.
    private Token? _sendToken;

    // Only the receive loop touches these: the tokens the server may still use (newest last) and the last sequence number.
    private readonly List<Token> _receiveTokens = [];
    private uint? _lastReceivedSequence;
    private byte[]? _openClientNonce;
    private Token? _issuedToken;

    private Task? _receiveLoop;
    private Timer? _renewal;
    private uint _channelId;
    private uint _tokenId;
    private int _requestId;
    private int _sequenceNumber;
    private int _requestHandle;
    private int _faulted;

    private ClientSecureChannel(UaTcpConnection connection, ChannelSecurity security, OpenKeys? open, DecodingLimits limits, uint requestedLifetime)
    {
        _connection = connection;
        _security = security;
        _open = open;
        _limits = limits;
        _requestedLifetime = requestedLifetime;
        _assembler = new ChunkAssembler(connection.Local);
        _nextSequenceNumber = () => (uint)Interlocked.Increment(ref _sequenceNumber);
    }

    public string EndpointUrl => _connection.EndpointUrl;

    public uint ChannelId => _channelId;

    public uint TokenId => _tokenId;

    public ChannelSecurity Security => _security;

    /// <summary>The server's certificate (leaf) when the channel is secured; null for SecurityPolicy None.</summary>
    public X509Certificate2? ServerCertificate => _open?.ServerCertificate;

    /// <summary>Set when the channel broke; later requests fail at once with this error.</summary>
    public UaException? Fault { get; private set; }

    /// <summary>Raised once when the channel breaks (connection lost, malformed or tampered message, renewal refused).</summary>
    public event Action<UaException>? Faulted;

    /// <summary>How many token renewals succeeded (for tests and metrics).</summary>
    public int Renewals { get; private set; }

    /// <summary>Opens an unsecured channel (SecurityPolicy None).</summary>
    public static Task<ClientSecureChannel> OpenAsync(string endpointUrl, ChannelOptions options, CancellationToken cancellationToken) =>
        OpenAsync(endpointUrl, options, ChannelSecurity.None, cancellationToken);

    /// <summary>
    /// Opens a channel secured as <paramref name="security"/> says. For a policy other than None the server certificate is
    /// given to the validator first (its <see cref="UaCertificateException"/> propagates unchanged); nothing is sent to an
    /// untrusted server.
    /// </summary>
    public static async Task<ClientSecureChannel> OpenAsync(string endpointUrl, ChannelOptions options, ChannelSecurity security, CancellationToken cancellationToken)
    {
        MessageTypes.EnsureRegistered();
        var open = security.IsNone ? null : OpenKeys.Create(endpointUrl, security);
        UaTcpConnection connection;
        try
        {
            connection = await UaTcpConnection.ConnectAsync(endpointUrl, options.Transport, options.RequestTimeout, cancellationToken);
        }
        catch
        {
            open?.Dispose();
            throw;
        }

        var channel = new ClientSecureChannel(connection, security, open, options.DecodingLimits, (uint)options.TokenLifetime.TotalMilliseconds);
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
        // Part 6, 6.7.4: a fresh nonce for every Issue and Renew; the new token's keys derive from it.
        var nonce = _security.IsNone ? [] : RandomNumberGenerator.GetBytes(_security.Policy.NonceLength);
        var request = new OpenSecureChannelRequest
        {
            RequestType = type,
            SecurityMode = _security.Mode,
            RequestedLifetime = _requestedLifetime,
            ClientNonce = nonce,
        };
        var response = await SendAsync<OpenSecureChannelResponse>(request, ChunkHeader.OpenChannel, timeout, nonce, cancellationToken);
        _channelId = response.SecurityToken.ChannelId;
        _tokenId = response.SecurityToken.TokenId;
        if (_open is not null)
        {
            // The receive loop installed the server keys of the new token already; from now on we send with its client keys.
            var token = Interlocked.Exchange(ref _issuedToken, null) ?? throw new UaTransportException(StatusCodes.BadSecurityChecksFailed, $"{EndpointUrl}: the OpenSecureChannel response carried no usable token");
            await _sendLock.WaitAsync(CancellationToken.None);
            try
            {
                _sendToken?.SendKeys.Dispose();
                _sendToken = token;
            }
            finally
            {
                _sendLock.Release();
            }
        }

        if (type == SecurityTokenRequestType.Renew)
        {
            Renewals++;
        }

        // Part 6, 6.7.4: renew before the token expires; 75% of the revised lifetime leaves room for a slow server.
        var lifetime = TimeSpan.FromMilliseconds(Math.Max(1000, response.SecurityToken.RevisedLifetime));
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
        SendAsync<TResponse>(request, ChunkHeader.Message, timeout, null, cancellationToken);

    private async Task<TResponse> SendAsync<TResponse>(ServiceRequest request, uint messageType, TimeSpan timeout, byte[]? openNonce, CancellationToken cancellationToken)
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
        var pending = new PendingRequest(request.GetType(), timeout); // the service's name is made only for a timeout's message
        _pending[requestId] = pending;
        try
        {
            await WriteMessageAsync(messageType, requestId, request, openNonce, cancellationToken);
            StartTimeout(pending, timeout); // fails the completion with BadTimeout at the deadline (ClientSecureChannel.Deadlines.cs)
            var message = await pending.Completion.Task.WaitAsync(cancellationToken);

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

    /// <summary>
    /// Encodes, secures and writes one message. Under one lock, so sequence numbers reach the wire in order
    /// (Part 6, 6.7.2.4) and the token's keys are used by one thread at a time.
    /// </summary>
    private async Task WriteMessageAsync(uint messageType, uint requestId, IServiceMessage message, byte[]? openNonce, CancellationToken cancellationToken)
    {
        var body = new ArrayBufferWriter<byte>(256);
        MessageTypes.Encode(new UaBinaryWriter(body), message);
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            if (Fault is not null)
            {
                throw Fault;
            }

            ChunkSecurity? security;
            byte[] securityHeader;
            if (messageType == ChunkHeader.OpenChannel)
            {
                Volatile.Write(ref _openClientNonce, openNonce);
                security = _open?.Sender;
                securityHeader = ChunkCodec.SecurityHeader(messageType, _channelId, 0, _security.Policy.Uri, _open?.ClientCertificateBlob, _open?.ServerThumbprint);
            }
            else if (_sendToken is { } token)
            {
                security = token.SendSecurity;
                securityHeader = token.SecurityHeader;
            }
            else
            {
                security = null;
                securityHeader = ChunkCodec.SecurityHeader(messageType, _channelId, _tokenId, _security.Policy.Uri, null, null);
            }

            using var chunks = ChunkCodec.Encode(messageType, securityHeader, requestId, body.WrittenSpan, _connection.SendChunkSize, _connection.Remote, _nextSequenceNumber, security);
            await _connection.WriteAsync(chunks.Memory, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
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
        ChunkSecurityHeader header;
        try
        {
            header = ChunkCodec.ReadSecurityHeader(chunk, _limits);
        }
        catch (UaDecodingException e)
        {
            throw new UaTransportException(e.StatusCode, $"{EndpointUrl}: malformed chunk header: {e.Message}", e);
        }

        ParsedChunk parsed;
        try
        {
            parsed = ChunkCodec.Open(chunk, header, SecurityOf(chunk.Header.MessageType, header));
        }
        catch (UaTransportException e)
        {
            throw new UaTransportException(e.StatusCode, $"{EndpointUrl}: a {chunk.Header.TypeName} chunk from the server failed the security checks ({_security.Policy.Name}, {_security.Mode}): {e.Message}; the channel is closed", e);
        }

        CheckSequenceNumber(parsed.SequenceNumber);
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

        if (decoded is OpenSecureChannelResponse { ResponseHeader.ServiceResult.IsBad: false } opened && _open is not null)
        {
            InstallToken(opened);
        }

        if (_pending.TryGetValue(parsed.RequestId, out var pending))
        {
            pending.Completion.TrySetResult(decoded);
        }
    }

    /// <summary>Which keys verify and decrypt a received chunk: the asymmetric ones for OPN, else the named token's server keys.</summary>
    private ChunkSecurity? SecurityOf(uint messageType, ChunkSecurityHeader header)
    {
        if (_open is null)
        {
            return null;
        }

        if (messageType == ChunkHeader.OpenChannel)
        {
            return _open.CheckOpenHeader(header);
        }

        if (header.ChannelId != _channelId)
        {
            throw new UaTransportException(StatusCodes.BadSecureChannelIdInvalid, $"the chunk names channel {header.ChannelId}, not {_channelId}");
        }

        var index = _receiveTokens.FindIndex(t => t.Id == header.TokenId);
        if (index < 0)
        {
            throw new UaTransportException(StatusCodes.BadSecureChannelTokenUnknown, $"the chunk names token {header.TokenId}, which this channel does not know");
        }

        // Part 6, 6.7.4: once the server uses the newest token, the older ones are done with.
        var token = _receiveTokens[index];
        if (index == _receiveTokens.Count - 1 && index > 0)
        {
            foreach (var old in _receiveTokens.Take(index))
            {
                old.ReceiveKeys.Dispose();
            }

            _receiveTokens.RemoveRange(0, index);
        }

        return token.ReceiveSecurity;
    }

    private void InstallToken(OpenSecureChannelResponse response)
    {
        var policy = _security.Policy;
        var clientNonce = Volatile.Read(ref _openClientNonce) ?? [];
        if (response.ServerNonce is not { } serverNonce || serverNonce.Length != policy.NonceLength)
        {
            throw new UaTransportException(StatusCodes.BadNonceInvalid, $"{EndpointUrl}: the server nonce has {response.ServerNonce?.Length ?? 0} bytes; {policy.Name} needs {policy.NonceLength}");
        }

        // Part 6, 6.7.5: client keys = P_SHA256(serverNonce, clientNonce), server keys = P_SHA256(clientNonce, serverNonce).
        var encrypts = _security.Mode == MessageSecurityMode.SignAndEncrypt;
        var clientKeys = policy.DeriveKeys(serverNonce, clientNonce);
        var serverKeys = policy.DeriveKeys(clientNonce, serverNonce);
        var token = new Token(
            response.SecurityToken.TokenId,
            ChunkCodec.SecurityHeader(ChunkHeader.Message, response.SecurityToken.ChannelId, response.SecurityToken.TokenId, policy.Uri, null, null),
            clientKeys,
            new SymmetricChunkSecurity(clientKeys, encrypts),
            serverKeys,
            new SymmetricChunkSecurity(serverKeys, encrypts));
        _receiveTokens.Add(token);
        Interlocked.Exchange(ref _issuedToken, token);
    }

    // Part 6, 6.7.2.4: each chunk's sequence number is one more than the last, wrapping only near UInt32.MaxValue.
    private void CheckSequenceNumber(uint sequence)
    {
        if (_lastReceivedSequence is { } last && sequence != unchecked(last + 1) && !(last > uint.MaxValue - 1024 && sequence < 1024))
        {
            throw new UaTransportException(StatusCodes.BadSequenceNumberInvalid, $"{EndpointUrl}: sequence number {sequence} follows {last}; a chunk was lost, repeated or replayed, so the channel is closed");
        }

        _lastReceivedSequence = sequence;
    }

    private void Complete(uint requestId, Exception error)
    {
        if (_pending.TryGetValue(requestId, out var pending))
        {
            pending.Completion.TrySetException(error);
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
            pending.Completion.TrySetException(error);
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
                await WriteMessageAsync(ChunkHeader.CloseChannel, (uint)Interlocked.Increment(ref _requestId), new CloseSecureChannelRequest(), null, cancellationToken);
            }
            catch (Exception e) when (e is UaException or IOException or ObjectDisposedException or OperationCanceledException)
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
        CloseDeadlines();
        await _connection.DisposeAsync();
        if (_receiveLoop is not null)
        {
            // The loop reports its own faults through Fault; what else could end it is a Faulted handler's exception,
            // and closing a channel must not fail for that (a session's recovery disposes the old client here).
            await _receiveLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Fail(new UaTransportException(StatusCodes.BadSecureChannelClosed, $"{EndpointUrl}: the secure channel was closed"));

        // A send still encoding holds the lock: wait for it, then no one can use the keys any more (Fault is set).
        await _sendLock.WaitAsync(CancellationToken.None);
        try
        {
            foreach (var token in _receiveTokens)
            {
                token.SendKeys.Dispose();
                token.ReceiveKeys.Dispose();
            }

            _receiveTokens.Clear();
            _open?.Dispose();
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>One security token: its id, the symmetric header of chunks sent with it, and the keys of both directions.</summary>
    private sealed record Token(uint Id, byte[] SecurityHeader, SymmetricKeys SendKeys, ChunkSecurity SendSecurity, SymmetricKeys ReceiveKeys, ChunkSecurity ReceiveSecurity);

    /// <summary>The asymmetric side of a secured channel: both certificates, their keys, and the OPN chunk security of each direction.</summary>
    private sealed class OpenKeys : IDisposable
    {
        private readonly RSA _clientKey;
        private readonly RSA _serverKey;
        private readonly byte[] _clientThumbprint;
        private readonly string _policyUri;

        private OpenKeys(ChannelSecurity security, X509Certificate2 client, RSA clientKey, X509Certificate2 server, RSA serverKey)
        {
            _clientKey = clientKey;
            _serverKey = serverKey;
            _policyUri = security.Policy.Uri;
            ServerCertificate = server;
            ClientCertificateBlob = CertificateChain.Join(client, security.ClientCertificateChain);
            _clientThumbprint = Thumbprint(client);
            ServerThumbprint = Thumbprint(server);
            Sender = new AsymmetricChunkSecurity(security.Policy, clientKey, serverKey);
            Receiver = new AsymmetricChunkSecurity(security.Policy, serverKey, clientKey);
        }

        public X509Certificate2 ServerCertificate { get; }

        public byte[] ClientCertificateBlob { get; }

        /// <summary>Part 6, 6.7.2.3: the SHA-1 thumbprint of the receiver's (the server's) certificate.</summary>
        public byte[] ServerThumbprint { get; }

        public ChunkSecurity Sender { get; }

        public ChunkSecurity Receiver { get; }

        public static OpenKeys Create(string endpointUrl, ChannelSecurity security)
        {
            var client = security.ClientCertificate ?? throw new UaTransportException(StatusCodes.BadSecurityChecksFailed, $"{endpointUrl}: {security.Policy.Name} needs this application's certificate (ApplicationCertificate), and none is configured");
            var clientKey = client.GetRSAPrivateKey() ?? throw new UaTransportException(StatusCodes.BadSecurityChecksFailed, $"{endpointUrl}: the application certificate {client.Subject} has no RSA private key");
            if (security.ServerCertificate is not { Length: > 0 } serverBytes)
            {
                throw new UaCertificateException(StatusCodes.BadCertificateInvalid, $"{endpointUrl}: the endpoint carries no server certificate, so {security.Policy.Name} cannot be used");
            }

            var chain = CertificateChain.Split(serverBytes);
            var validator = security.ServerCertificateValidator ?? throw new UaCertificateException(StatusCodes.BadCertificateUntrusted, $"{endpointUrl}: no server certificate validator is configured, so the server certificate {chain[0].Subject} cannot be trusted");
            validator.Validate(chain[0], chain.Skip(1).ToList(), security.ServerApplicationUri, UaTcpConnection.ParseEndpoint(endpointUrl).Host);
            var serverKey = chain[0].GetRSAPublicKey() ?? throw new UaCertificateException(StatusCodes.BadCertificateInvalid, $"{endpointUrl}: the server certificate has no RSA public key");
            return new OpenKeys(security, client, clientKey, chain[0], serverKey);
        }

        /// <summary>An OPN chunk must name our policy, come from the certificate we validated and be addressed to our certificate.</summary>
        public ChunkSecurity CheckOpenHeader(ChunkSecurityHeader header)
        {
            if (header.PolicyUri != _policyUri)
            {
                throw new UaTransportException(StatusCodes.BadSecurityPolicyRejected, $"the server answered with policy {header.PolicyUri}, not {_policyUri}");
            }

            if (header.SenderCertificate is not { } sender || CertificateChain.Split(sender)[0].RawData.AsSpan().SequenceEqual(ServerCertificate.RawData) is false)
            {
                throw new UaTransportException(StatusCodes.BadCertificateInvalid, "the OpenSecureChannel response is signed with another certificate than the endpoint's");
            }

            if (header.ReceiverCertificateThumbprint is not { } thumbprint || !thumbprint.AsSpan().SequenceEqual(_clientThumbprint))
            {
                throw new UaTransportException(StatusCodes.BadCertificateInvalid, "the OpenSecureChannel response is encrypted for another certificate than ours");
            }

            return Receiver;
        }

        // Part 6, 6.7.2.3: the thumbprint is the SHA-1 hash of the DER certificate; SHA-1 identifies here, it does not protect.
#pragma warning disable CA5350
        private static byte[] Thumbprint(X509Certificate2 certificate) => SHA1.HashData(certificate.RawData);
#pragma warning restore CA5350

        public void Dispose()
        {
            _clientKey.Dispose();
            _serverKey.Dispose();
        }
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
