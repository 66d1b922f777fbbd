using System.Security.Cryptography;
using Gateway.OpcUa.SecureChannel;
using Gateway.OpcUa.Security;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Session;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Client;

/// <summary>
/// A connected OPC UA session (Part 4, 5.6) over one secure channel. The API reads like the domain: Read, Browse,
/// TranslateBrowsePaths, and the subscription service calls. Large reads are split by the server's operation limits.
/// A broken connection raises <see cref="ConnectionLost"/> once; reconnecting is the caller's job (one owner of reconnects).
/// </summary>
public sealed class OpcUaClient : IAsyncDisposable
{
    private readonly OpcUaClientOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private ClientSecureChannel _channel;
    private NodeId _authenticationToken = NodeId.Null;
    // What ActivateSession needs again when the session moves to a new channel (Part 4, 5.6.3): the endpoint's token
    // policies and the server's certificate and latest nonce.
    private IReadOnlyList<UserTokenPolicy> _tokenPolicies = [];
    private ServerChallenge? _server;
    private Task? _keepAlive;
    private int _lost;

    private OpcUaClient(ClientSecureChannel channel, OpcUaClientOptions options)
    {
        _channel = channel;
        _options = options;
        _channel.Faulted += OnChannelFaulted;
    }

    public string EndpointUrl => _channel.EndpointUrl;

    public NodeId SessionId { get; private set; } = NodeId.Null;

    public TimeSpan RevisedSessionTimeout { get; private set; }

    /// <summary>The namespace table (index = namespace index): read at connect time, and again at every keep-alive.</summary>
    public IReadOnlyList<string> NamespaceArray { get; private set; } = [];

    /// <summary>
    /// Raised (on the keep-alive loop, with the previous and the new table) when the server's NamespaceArray changed
    /// inside this session: NodeIds resolved from `nsu=` and encoding ids read before may now name other nodes.
    /// </summary>
    public event Action<IReadOnlyList<string>, IReadOnlyList<string>>? NamespaceArrayChanged;

    /// <summary>The server's MaxNodesPerRead, or 0 when it sets no limit.</summary>
    public uint MaxNodesPerRead { get; private set; }

    /// <summary>The server's MaxMonitoredItemsPerCall, or 0 when it sets no limit.</summary>
    public uint MaxMonitoredItemsPerCall { get; private set; }

    /// <summary>How many Read calls <see cref="ReadAsync"/> sent (split reads count each call; the keep-alive's own reads are not counted).</summary>
    public long ReadCalls => Interlocked.Read(ref _readCalls);

    private long _readCalls;

    public TimeSpan RequestTimeout => _options.Channel.RequestTimeout;

    public ClientSecureChannel Channel => _channel;

    /// <summary>Sessions moved to a new secure channel by <see cref="ReactivateAsync"/> so far.</summary>
    public int Reactivations { get; private set; }

    /// <summary>Raised once when the channel or session is lost (connection broken, keep-alive failed); again after each <see cref="ReactivateAsync"/>.</summary>
    public event Action<UaException>? ConnectionLost;

    /// <summary>The channel's security policy and mode (what <see cref="OpcUaClientOptions.SecurityMode"/> `Best` chose).</summary>
    public ChannelSecurity Security => _channel.Security;

    /// <summary>
    /// Connects: with security mode None, straight to an unsecured channel; otherwise GetEndpoints over an unsecured
    /// channel first, then the endpoint <see cref="EndpointSelector"/> picks. Then creates and activates a session with
    /// the configured identity, and reads the namespace table and operation limits.
    /// </summary>
    public static async Task<OpcUaClient> ConnectAsync(string endpointUrl, OpcUaClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new OpcUaClientOptions();
        EndpointDescription? endpoint = null;
        var security = ChannelSecurity.None;
        if (options.SecurityMode != SecurityModeChoice.None || (options.SecurityPolicyUri is { Length: > 0 } named && SecurityPolicyUris.Resolve(named) != SecurityPolicyUris.None))
        {
            var endpoints = await GetEndpointsAsync(endpointUrl, options.Channel, cancellationToken);
            endpoint = EndpointSelector.Select(endpoints, options.SecurityMode, options.SecurityPolicyUri, endpointUrl);
            var policy = SecurityPolicy.Find(endpoint.SecurityPolicyUri)!;
            security = policy.IsNone ? ChannelSecurity.None : new ChannelSecurity
            {
                Policy = policy,
                Mode = endpoint.SecurityMode,
                ClientCertificate = options.ApplicationCertificate,
                ClientCertificateChain = options.ApplicationCertificateChain,
                ServerCertificate = endpoint.ServerCertificate,
                ServerCertificateValidator = options.ServerCertificateValidator,
                ServerApplicationUri = endpoint.Server.ApplicationUri,
            };
        }

        var channel = await ClientSecureChannel.OpenAsync(endpointUrl, options.Channel, security, cancellationToken);
        var client = new OpcUaClient(channel, options);
        try
        {
            await client.CreateAndActivateSessionAsync(endpointUrl, endpoint, cancellationToken);
            client.NamespaceArray = await client.ReadNamespaceArrayAsync(cancellationToken);
            await client.ReadOperationLimitsAsync(cancellationToken);
            if (options.KeepAliveInterval > TimeSpan.Zero)
            {
                client._keepAlive = Task.Run(client.KeepAliveLoopAsync, CancellationToken.None);
            }
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }

        return client;
    }

    /// <summary>GetEndpoints over a session-less, unsecured channel (Part 4, 5.4.4).</summary>
    public static async Task<EndpointDescription[]> GetEndpointsAsync(string endpointUrl, ChannelOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ChannelOptions();
        await using var channel = await ClientSecureChannel.OpenAsync(endpointUrl, options, cancellationToken);
        var response = await channel.SendRequestAsync<GetEndpointsResponse>(new GetEndpointsRequest { EndpointUrl = endpointUrl }, options.RequestTimeout, cancellationToken);
        await channel.CloseAsync(cancellationToken);
        return response.Endpoints ?? [];
    }

    private async Task CreateAndActivateSessionAsync(string endpointUrl, EndpointDescription? endpoint, CancellationToken cancellationToken)
    {
        var security = _channel.Security;
        var clientCertificate = security.IsNone || _options.ApplicationCertificate is null
            ? null
            : CertificateChain.Join(_options.ApplicationCertificate, _options.ApplicationCertificateChain);
        var clientNonce = RandomNumberGenerator.GetBytes(32);
        var create = await SendAsync<CreateSessionResponse>(
            new CreateSessionRequest
            {
                ClientDescription = new ApplicationDescription
                {
                    ApplicationUri = _options.ApplicationUri,
                    ProductUri = _options.ProductUri,
                    ApplicationName = new LocalizedText(_options.ApplicationName),
                    ApplicationType = ApplicationType.Client,
                },
                EndpointUrl = endpointUrl,
                SessionName = _options.SessionName,
                ClientNonce = clientNonce,
                ClientCertificate = clientCertificate,
                RequestedSessionTimeout = _options.SessionTimeout.TotalMilliseconds,
                MaxResponseMessageSize = _options.Channel.Transport.MaxMessageSize,
            },
            cancellationToken);
        SessionId = create.SessionId;
        _authenticationToken = create.AuthenticationToken;
        RevisedSessionTimeout = TimeSpan.FromMilliseconds(create.RevisedSessionTimeout);

        var server = SessionSecurity.CheckCreateSession(create, security, _channel.ServerCertificate, clientCertificate, clientNonce, _options.ServerCertificateValidator, endpointUrl);

        _tokenPolicies = SessionSecurity.TokenPolicies(create, endpoint, security, endpointUrl);
        _server = server;
        await ActivateAsync(_channel, cancellationToken);
    }

    /// <summary>ActivateSession on this channel with the configured identity; keeps the server's new nonce for the next one.</summary>
    private async Task ActivateAsync(ClientSecureChannel channel, CancellationToken cancellationToken)
    {
        var server = _server!;
        var identity = IdentityTokens.Build(_options.Identity, _tokenPolicies, channel.Security.Policy, server, EndpointUrl);
        var request = new ActivateSessionRequest
        {
            ClientSignature = SessionSecurity.ClientSignature(channel.Security, server),
            UserIdentityToken = identity.Token,
            UserTokenSignature = identity.Signature,
        };
        request.RequestHeader.AuthenticationToken = _authenticationToken;
        ActivateSessionResponse activate;
        try
        {
            activate = await channel.SendRequestAsync<ActivateSessionResponse>(request, _options.Channel.RequestTimeout, cancellationToken);
        }
        catch (UaServiceException e) when (SessionSecurity.IsIdentityRejection(e.StatusCode))
        {
            throw new UaIdentityException(e.StatusCode, $"{EndpointUrl}: the server refused {_options.Identity} ({e.StatusName}); check the user name, password or user certificate and the user's rights on the server", e);
        }

        var bad = activate.Results?.Where(r => r.IsBad).Select(r => (StatusCode?)r).FirstOrDefault();
        if (bad is { } status)
        {
            throw new UaServiceException(status.Code, $"{EndpointUrl}: the server refused the session: {status}");
        }

        // Part 4, 5.6.3: the next ActivateSession signs the nonce of this response.
        _server = server with { Nonce = activate.ServerNonce };
    }

    /// <summary>
    /// Part 4, 5.6.3: moves this session to a new secure channel with ActivateSession, after its connection was lost.
    /// The server keeps the session (and its subscriptions and their queued notifications) until the session timeout;
    /// within it, nothing has to be created again. Throws <see cref="UaServiceException"/> (BadSessionIdInvalid, ...)
    /// when the server no longer holds the session, and a transport error when it cannot be reached.
    /// </summary>
    public async Task ReactivateAsync(CancellationToken cancellationToken = default)
    {
        if (SessionId.IsNull || _server is null)
        {
            throw new InvalidOperationException("no session to reactivate");
        }

        var channel = await ClientSecureChannel.OpenAsync(EndpointUrl, _options.Channel, _channel.Security, cancellationToken);
        try
        {
            await ActivateAsync(channel, cancellationToken);
        }
        catch
        {
            await channel.DisposeAsync();
            throw;
        }

        var old = _channel;
        old.Faulted -= OnChannelFaulted;
        _channel = channel;
        channel.Faulted += OnChannelFaulted;
        await old.DisposeAsync();
        Reactivations++;
        Interlocked.Exchange(ref _lost, 0);
        if (_options.KeepAliveInterval > TimeSpan.Zero && (_keepAlive is null || _keepAlive.IsCompleted))
        {
            _keepAlive = Task.Run(KeepAliveLoopAsync, CancellationToken.None);
        }
    }

    /// <summary>Sends any service request on this session (the authentication token is filled in).</summary>
    public Task<TResponse> SendAsync<TResponse>(ServiceRequest request, CancellationToken cancellationToken, TimeSpan? timeout = null)
        where TResponse : ServiceResponse
    {
        request.RequestHeader.AuthenticationToken = _authenticationToken;
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        var sent = _channel.SendRequestAsync<TResponse>(request, timeout ?? _options.Channel.RequestTimeout, cancellationToken);
        return _options.RequestTimings is null || request is PublishRequest ? sent : TimedAsync(sent, _options.RequestTimings, start);
    }

    private static async Task<TResponse> TimedAsync<TResponse>(Task<TResponse> sent, RequestTimings timings, long start)
    {
        var response = await sent;
        timings.Record(start);
        return response;
    }

    /// <summary>
    /// Reads attributes, in as many calls as the server's MaxNodesPerRead requires; a BadTooManyOperations answer halves
    /// the call size and tries again, even when the server advertised no limit. Results are in the order asked.
    /// </summary>
    public async Task<DataValue[]> ReadAsync(IReadOnlyList<ReadValueId> nodes, TimestampsToReturn timestamps = TimestampsToReturn.Both, CancellationToken cancellationToken = default)
    {
        var results = new DataValue[nodes.Count];
        var batch = MaxNodesPerRead == 0 ? _options.DefaultMaxNodesPerRead : (int)MaxNodesPerRead;
        var offset = 0;
        while (offset < nodes.Count)
        {
            var count = Math.Min(batch, nodes.Count - offset);
            var slice = new ReadValueId[count];
            for (var i = 0; i < count; i++)
            {
                slice[i] = nodes[offset + i];
            }

            ReadResponse response;
            try
            {
                Interlocked.Increment(ref _readCalls);
                response = await SendAsync<ReadResponse>(new ReadRequest { NodesToRead = slice, TimestampsToReturn = timestamps }, cancellationToken);
            }
            catch (UaServiceException e) when (e.StatusCode == StatusCodes.BadTooManyOperations && count > 1)
            {
                batch = Math.Max(1, count / 2);
                continue;
            }

            var values = response.Results ?? [];
            if (values.Length != count)
            {
                throw new UaServiceException(StatusCodes.BadUnknownResponse, $"{EndpointUrl}: Read of {count} nodes returned {values.Length} results");
            }

            values.CopyTo(results, offset);
            offset += count;
        }

        return results;
    }

    /// <summary>
    /// Call (Part 4, 5.11.2): one method on one object. Throws <see cref="UaServiceException"/> with the method's status
    /// when the server refuses it (BadUserAccessDenied, BadMethodInvalid, BadConditionAlreadyEnabled, ...).
    /// </summary>
    public async Task<Variant[]> CallAsync(NodeId objectId, NodeId methodId, IReadOnlyList<Variant> inputArguments, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync<CallResponse>(
            new CallRequest { MethodsToCall = [new CallMethodRequest { ObjectId = objectId, MethodId = methodId, InputArguments = [.. inputArguments] }] },
            cancellationToken);
        if (response.Results is not { Length: 1 } results)
        {
            throw new UaServiceException(StatusCodes.BadUnknownResponse, $"{EndpointUrl}: Call of {methodId} on {objectId} returned no result");
        }

        var status = results[0].StatusCode;
        if (status.IsBad)
        {
            var argument = results[0].InputArgumentResults?.Select((s, i) => (s, i)).FirstOrDefault(a => a.s.IsBad) is { s.IsBad: true } bad ? $" (input argument {bad.i}: {bad.s})" : "";
            throw new UaServiceException(status.Code, $"{EndpointUrl}: Call of {methodId} on {objectId} failed: {status}{argument}");
        }

        return results[0].OutputArguments ?? [];
    }

    /// <summary>Reads the Value attribute of each node.</summary>
    public Task<DataValue[]> ReadValuesAsync(IReadOnlyList<NodeId> nodes, CancellationToken cancellationToken = default) =>
        ReadAsync(nodes.Select(n => new ReadValueId(n)).ToList(), TimestampsToReturn.Both, cancellationToken);

    public async Task<IReadOnlyList<string>> ReadNamespaceArrayAsync(CancellationToken cancellationToken = default)
    {
        var values = await ReadAsync([new ReadValueId(WellKnownNodes.ServerNamespaceArray)], TimestampsToReturn.Neither, cancellationToken);
        return values[0].Value.Value is string?[] uris ? uris.Select(u => u ?? "").ToArray() : [];
    }

    /// <summary>Reads the server's OperationLimits (Part 5, 6.3.11); a missing or zero value means no limit.</summary>
    public async Task ReadOperationLimitsAsync(CancellationToken cancellationToken = default)
    {
        var values = await ReadAsync(
            [new ReadValueId(WellKnownNodes.MaxNodesPerRead), new ReadValueId(WellKnownNodes.MaxMonitoredItemsPerCall)],
            TimestampsToReturn.Neither,
            cancellationToken);
        MaxNodesPerRead = values[0].Status.IsGood && values[0].Value.TryGetInt64(out var read) && read > 0 ? (uint)read : 0;
        MaxMonitoredItemsPerCall = values[1].Status.IsGood && values[1].Value.TryGetInt64(out var items) && items > 0 ? (uint)items : 0;
    }

    /// <summary>Resolves `nsu=URI;...` through the namespace table and parses `ns=N;...`.</summary>
    public NodeId ResolveNodeId(string text)
    {
        var expanded = ExpandedNodeId.Parse(text);
        if (expanded.NamespaceUri is null)
        {
            return expanded.NodeId;
        }

        var index = NamespaceArray.ToList().IndexOf(expanded.NamespaceUri);
        if (index < 0)
        {
            throw new UaServiceException(StatusCodes.BadNodeIdUnknown, $"{EndpointUrl}: namespace '{expanded.NamespaceUri}' is not in the server's namespace table");
        }

        return WithNamespace(expanded.NodeId, (ushort)index);
    }

    private static NodeId WithNamespace(NodeId id, ushort ns) => id.IdType switch
    {
        IdType.Numeric => new NodeId(ns, id.NumericIdentifier),
        IdType.String => new NodeId(ns, id.StringIdentifier),
        IdType.Guid => new NodeId(ns, id.GuidIdentifier),
        _ => new NodeId(ns, id.OpaqueIdentifier),
    };

    /// <summary>Browses forward hierarchical references of each node (one call; use <see cref="BrowseNextAsync"/> for continuation points).</summary>
    public async Task<BrowseResult[]> BrowseAsync(IReadOnlyList<BrowseDescription> nodes, uint maxReferencesPerNode = 0, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync<BrowseResponse>(new BrowseRequest { NodesToBrowse = nodes, RequestedMaxReferencesPerNode = maxReferencesPerNode }, cancellationToken);
        return response.Results ?? [];
    }

    public async Task<BrowseResult[]> BrowseNextAsync(IReadOnlyList<byte[]?> continuationPoints, bool release = false, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync<BrowseNextResponse>(new BrowseNextRequest { ContinuationPoints = continuationPoints, ReleaseContinuationPoints = release }, cancellationToken);
        return response.Results ?? [];
    }

    /// <summary>Every forward hierarchical reference of a node, following continuation points to the end.</summary>
    public async Task<IReadOnlyList<ReferenceDescription>> BrowseAllAsync(NodeId node, uint maxReferencesPerCall = 0, CancellationToken cancellationToken = default)
    {
        var all = new List<ReferenceDescription>();
        var results = await BrowseAsync([new BrowseDescription { NodeId = node }], maxReferencesPerCall, cancellationToken);
        var result = results.Length == 1 ? results[0] : throw new UaServiceException(StatusCodes.BadUnknownResponse, "Browse returned no result");
        while (true)
        {
            if (result.StatusCode.IsBad)
            {
                throw new UaServiceException(result.StatusCode.Code, $"{EndpointUrl}: Browse of {node} failed: {result.StatusCode}");
            }

            all.AddRange(result.References ?? []);
            if (result.ContinuationPoint is not { Length: > 0 } point)
            {
                return all;
            }

            result = (await BrowseNextAsync([point], false, cancellationToken))[0];
        }
    }

    /// <summary>Resolves browse paths like `Objects/2:CNC1/2:Spindle/2:Speed` (Part 4, 5.8.4).</summary>
    public async Task<BrowsePathResult[]> TranslateBrowsePathsAsync(IReadOnlyList<BrowsePath> paths, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync<TranslateBrowsePathsToNodeIdsResponse>(new TranslateBrowsePathsToNodeIdsRequest { BrowsePaths = paths }, cancellationToken);
        return response.Results ?? [];
    }

    /// <summary>
    /// Builds a browse path from text: segments separated by '/', an optional leading `Objects`, each segment `ns:Name`
    /// or `Name` (then <paramref name="defaultNamespace"/> applies).
    /// </summary>
    public static BrowsePath ParseBrowsePath(string path, ushort defaultNamespace)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (segments.Count > 0 && segments[0] is "Objects" or "0:Objects")
        {
            segments.RemoveAt(0);
        }

        return new BrowsePath
        {
            StartingNode = WellKnownNodes.ObjectsFolder,
            Elements = segments.Select(s =>
            {
                var name = QualifiedName.Parse(s);
                if (!s.Contains(':', StringComparison.Ordinal))
                {
                    name = new QualifiedName(defaultNamespace, s);
                }

                return new RelativePathElement { TargetName = name };
            }).ToArray(),
        };
    }

    private async Task KeepAliveLoopAsync()
    {
        // Part 4, 5.6.2: any service call keeps the session alive; reading ServerStatus/State also proves the server works.
        var interval = TimeSpan.FromMilliseconds(Math.Min(_options.KeepAliveInterval.TotalMilliseconds, Math.Max(1000, RevisedSessionTimeout.TotalMilliseconds / 3)));
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    // Sent directly, not through ReadAsync: ReadCalls counts the reads made for the caller only.
                    // Part 3, 8.2.2: a namespace index is only valid with the NamespaceArray it was read from, and a
                    // server may add namespaces while it runs (Part 5, 6.3.1: UrisVersion changes with it). Reading the
                    // array with the keep-alive costs no extra round trip and needs no subscription.
                    var response = await SendAsync<ReadResponse>(
                        new ReadRequest { NodesToRead = [new ReadValueId(WellKnownNodes.ServerStatusState), new ReadValueId(WellKnownNodes.ServerNamespaceArray)], TimestampsToReturn = TimestampsToReturn.Neither },
                        _stop.Token);
                    var state = response.Results ?? [];
                    if (state.Length >= 1 && state[0].Value.TryGetInt64(out var serverState) && serverState != 0)
                    {
                        // ServerState: 0 Running; anything else (Failed, Shutdown...) means data will not flow.
                        Lose(new UaServiceException(StatusCodes.BadServerHalted, $"{EndpointUrl}: the server reports state {serverState} (not Running)"));
                        return;
                    }

                    if (state.Length >= 2 && state[1].Status.IsGood && state[1].Value.Value is string?[] uris)
                    {
                        var current = uris.Select(u => u ?? "").ToArray();
                        var previous = NamespaceArray;
                        if (!current.SequenceEqual(previous, StringComparer.Ordinal))
                        {
                            NamespaceArray = current;
                            NamespaceArrayChanged?.Invoke(previous, current);
                        }
                    }
                }
                catch (UaException e)
                {
                    Lose(e);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void OnChannelFaulted(UaException error) => Lose(error);

    private void Lose(UaException error)
    {
        if (Interlocked.Exchange(ref _lost, 1) == 0 && !_stop.IsCancellationRequested)
        {
            ConnectionLost?.Invoke(error);
        }
    }

    /// <summary>Closes the session (deleting its subscriptions) and the channel; never throws.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        if (_channel.Fault is null && !SessionId.IsNull)
        {
            try
            {
                await SendAsync<CloseSessionResponse>(new CloseSessionRequest { DeleteSubscriptions = true }, cancellationToken, TimeSpan.FromSeconds(2));
            }
            catch (Exception e) when (e is UaException or OperationCanceledException)
            {
                // best effort: the server times the session out anyway
            }
        }

        await _channel.CloseAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync(CancellationToken.None);
        if (_keepAlive is not null)
        {
            await _keepAlive;
        }

        _stop.Dispose();
    }
}
