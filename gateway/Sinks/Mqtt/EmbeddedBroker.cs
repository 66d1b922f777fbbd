using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

using Microsoft.Extensions.Logging;

using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Gateway.Sinks.Mqtt;

/// <summary>
/// An MQTT broker inside the gateway (MQTTnet server), so the default setup needs no external broker:
/// the sink publishes into it over loopback and any MQTT tool can subscribe to it.
/// It listens on `bind` only (loopback by default), checks `users` when there are any, serves TLS on `brokerTls`,
/// and lets no client but the gateway's own sink publish under the gateway's topics unless a user is allowed to.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private const string GatewaySessionKey = "gateway.sink";
    private const string UserSessionKey = "gateway.user";

    private readonly MqttServer _server;
    private readonly ILogger _logger;
    private readonly IPEndPoint? _tlsEndPoint;
    private readonly Dictionary<string, (EmbeddedBrokerUser User, BrokerPasswordHash Hash)> _users = new(StringComparer.Ordinal);
    private readonly BrokerPasswordHash? _unknownUserHash;
    private readonly bool _anonymousAllowed;
    private readonly bool _anonymousOnNetwork;
    private readonly string _gatewayClientId;
    private readonly byte[] _gatewayUserName;
    private readonly byte[] _gatewayPassword;
    private readonly IReadOnlyList<string> _gatewayTopicFilters;
    private readonly ConcurrentDictionary<string, bool> _refusedPublishersLogged = new(StringComparer.Ordinal);

    /// <param name="options">The sink's options (bind, port, users, allowAnonymous, brokerTls), already validated.</param>
    /// <param name="gatewayClientId">The client id of the gateway's own sink: no other client may take it over.</param>
    /// <param name="gatewayTopicFilters">Filters covering every topic the gateway publishes (readings, batches, status).</param>
    public EmbeddedBroker(MqttSinkOptions options, string gatewayClientId, IReadOnlyList<string> gatewayTopicFilters, ILogger logger)
    {
        Bind = ParseAddress(options.Bind, "bind");
        Port = options.Port;
        _logger = logger;
        _gatewayClientId = gatewayClientId;
        _gatewayTopicFilters = gatewayTopicFilters;

        // The gateway's own sink proves who it is with a credential that lives only in this process.
        _gatewayUserName = Encoding.UTF8.GetBytes("gateway-sink-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)));
        _gatewayPassword = Encoding.UTF8.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

        foreach (var user in options.Users)
        {
            if (!BrokerPasswordHash.TryParse(user.PasswordHash, out var hash, out var problem))
            {
                throw new ArgumentException($"users: '{user.Name}': {problem}", nameof(options));
            }

            _users[user.Name] = (user, hash);
        }

        // An unknown name costs as much as a wrong password, so timing does not tell which names exist.
        _unknownUserHash = _users.Count == 0 ? null : BrokerPasswordHash.Create(Guid.NewGuid().ToString(), _users.Values.Max(u => u.Hash.Iterations));

        var builder = new MqttServerFactory().CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointPort(Port)
            .WithPersistentSessions(true);

        // MQTTnet opens an IPv4 and an IPv6 listener per endpoint unless one is bound to IPAddress.None; without this,
        // `bind: 127.0.0.1` also listened on [::]:PORT, reachable from the network.
        builder.WithDefaultEndpointBoundIPAddress(IsIPv6(Bind) ? IPAddress.None : Bind)
            .WithDefaultEndpointBoundIPV6Address(IsIPv6(Bind) ? Bind : IPAddress.None);

        var listeners = new List<IPEndPoint> { new(Bind, Port) };
        if (options.BrokerTls is { } tls)
        {
            var tlsBind = string.IsNullOrEmpty(tls.Bind) ? Bind : ParseAddress(tls.Bind, "brokerTls.bind");
            _tlsEndPoint = new IPEndPoint(tlsBind, tls.Port);
            listeners.Add(_tlsEndPoint);
            builder.WithEncryptedEndpoint()
                .WithEncryptedEndpointPort(tls.Port)
                .WithEncryptedEndpointBoundIPAddress(IsIPv6(tlsBind) ? IPAddress.None : tlsBind)
                .WithEncryptedEndpointBoundIPV6Address(IsIPv6(tlsBind) ? tlsBind : IPAddress.None)
                .WithEncryptionCertificate(LoadCertificate(tls));
        }

        Listeners = listeners;
        var onNetwork = listeners.Any(l => !IPAddress.IsLoopback(l.Address));
        _anonymousAllowed = options.AllowAnonymous || _users.Count == 0;
        _anonymousOnNetwork = _anonymousAllowed && onNetwork;
        if (onNetwork && _users.Count == 0 && !options.AllowAnonymous)
        {
            // The configuration check reports this with the file and line; this guards other callers.
            throw new ArgumentException($"the embedded broker would accept anyone on {string.Join(", ", listeners)}; set `users` or `allowAnonymous: true`", nameof(options));
        }

        _server = new MqttServerFactory().CreateMqttServer(builder.Build(), [new ClientIdAssigningServerAdapter()]);
        _server.ValidatingConnectionAsync += ValidateConnectionAsync;
        _server.InterceptingPublishAsync += AuthorizePublishAsync;
        _server.ClientDisconnectedAsync += e =>
        {
            _refusedPublishersLogged.TryRemove(e.ClientId ?? "", out _);
            return Task.CompletedTask;
        };
    }

    public IPAddress Bind { get; }

    public int Port { get; }

    /// <summary>Every address and port the broker listens on (plain first, then TLS).</summary>
    public IReadOnlyList<IPEndPoint> Listeners { get; }

    /// <summary>Where a client on this machine reaches the broker.</summary>
    public string ConnectHost =>
        Bind.Equals(IPAddress.Any) ? "127.0.0.1" : Bind.Equals(IPAddress.IPv6Any) ? "::1" : Bind.ToString();

    /// <summary>The user name and password the gateway's own sink connects with; they exist only in this process.</summary>
    public (string UserName, string Password) GatewayCredential =>
        (Encoding.UTF8.GetString(_gatewayUserName), Encoding.UTF8.GetString(_gatewayPassword));

    public bool IsStarted => _server.IsStarted;

    public async Task StartAsync()
    {
        // MQTTnet logs a listener that cannot bind and carries on; try each port first so the failure is ours to report.
        foreach (var endPoint in Listeners)
        {
            var probe = new TcpListener(endPoint) { ExclusiveAddressUse = true };
            probe.Start();
            probe.Stop();
        }

        await _server.StartAsync();
        _logger.LogInformation("Embedded MQTT broker listening on {Listeners} ({Users} user(s), anonymous clients {Anonymous})",
            string.Join(", ", Listeners.Select(l => (l == _tlsEndPoint ? "mqtts://" : "mqtt://") + l)), _users.Count, _anonymousAllowed ? "allowed" : "refused");
        if (_anonymousOnNetwork)
        {
            _logger.LogWarning(
                "Embedded MQTT broker: clients without a user name are allowed (`allowAnonymous: true`) on {Listeners}: anyone who reaches it reads every reading. Add `users` and remove `allowAnonymous` unless the network is trusted.",
                string.Join(", ", Listeners.Where(l => !IPAddress.IsLoopback(l.Address))));
        }
    }

    private Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        // MQTT 5, 3.1.3.1 and 3.2.2.3.7: an empty client id gets one from the server, returned in the CONNACK.
        // (MQTT 3.1.1 clients get theirs from ClientIdAssigningServerAdapter.)
        if (string.IsNullOrEmpty(e.ClientId))
        {
            e.AssignedClientIdentifier = ClientIdAssigningServerAdapter.NewClientId();
        }

        var userName = e.UserName ?? "";
        var password = e.RawPassword ?? [];
        if (IsGatewayCredential(userName, password))
        {
            e.SessionItems[GatewaySessionKey] = true;
            return Task.CompletedTask;
        }

        if (string.Equals(e.ClientId, _gatewayClientId, StringComparison.Ordinal))
        {
            // A client with the gateway's id would take over its session (MQTT 5, 3.1.4-3) and cut it off.
            Refuse(e, MqttConnectReasonCode.ClientIdentifierNotValid, "the client id is the gateway's own");
            return Task.CompletedTask;
        }

        if (userName.Length == 0)
        {
            if (!_anonymousAllowed)
            {
                Refuse(e, MqttConnectReasonCode.NotAuthorized, "a user name and password are required");
            }

            return Task.CompletedTask;
        }

        if (_users.TryGetValue(userName, out var account))
        {
            if (account.Hash.Verify(password))
            {
                e.SessionItems[UserSessionKey] = account.User;
                return Task.CompletedTask;
            }
        }
        else
        {
            _unknownUserHash?.Verify(password);
        }

        Refuse(e, MqttConnectReasonCode.BadUserNameOrPassword, "bad user name or password");
        return Task.CompletedTask;
    }

    private void Refuse(ValidatingConnectionEventArgs e, MqttConnectReasonCode code, string why)
    {
        e.ReasonCode = code;
        _logger.LogWarning("Embedded MQTT broker refused client '{ClientId}' from {Remote}{User}: {Why}",
            e.ClientId, e.RemoteEndPoint, string.IsNullOrEmpty(e.UserName) ? "" : $" (user '{e.UserName}')", why);
    }

    private bool IsGatewayCredential(string userName, byte[] password) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(userName), _gatewayUserName)
        & CryptographicOperations.FixedTimeEquals(password, _gatewayPassword);

    /// <summary>Only the gateway publishes under its own topics, unless a user's `publish` filters allow it.</summary>
    private Task AuthorizePublishAsync(InterceptingPublishEventArgs e)
    {
        if (e.SessionItems is { } items && items.Contains(GatewaySessionKey))
        {
            return Task.CompletedTask;
        }

        var topic = e.ApplicationMessage.Topic ?? "";
        if (!_gatewayTopicFilters.Any(f => TopicFilter.Matches(f, topic)))
        {
            return Task.CompletedTask;
        }

        if (e.SessionItems?[UserSessionKey] is EmbeddedBrokerUser user && user.Publish.Any(f => TopicFilter.Matches(f, topic)))
        {
            return Task.CompletedTask;
        }

        // MQTT 5, 3.4.2.1: PUBACK reason 0x87 Not authorized. An MQTT 3.1.1 client has no way to hear it; the message is dropped.
        e.ProcessPublish = false;
        e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
        e.Response.ReasonString = "only the gateway publishes under its topics";
        if (_refusedPublishersLogged.TryAdd(e.ClientId ?? "", true))
        {
            _logger.LogWarning("Embedded MQTT broker: client '{ClientId}'{User} may not publish to '{Topic}' (the gateway's topics); refused (logged once per connection). Allow a user with its `publish` filters.",
                e.ClientId, string.IsNullOrEmpty(e.UserName) ? "" : $" (user '{e.UserName}')", topic);
        }

        return Task.CompletedTask;
    }

    private static IPAddress ParseAddress(string text, string key) =>
        IPAddress.TryParse(text, out var address)
            ? address
            : throw new ArgumentException($"`{key}: {text}` is not an IP address; use 127.0.0.1 (this machine only) or an address of this machine.");

    private static bool IsIPv6(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6;

    private static X509Certificate2 LoadCertificate(EmbeddedBrokerTlsOptions tls)
    {
        using var pem = X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile);

        // SslStream on Windows needs a key that is not ephemeral; a PKCS#12 round trip gives one everywhere.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server.IsStarted)
        {
            await _server.StopAsync(new MqttServerStopOptions());
        }

        _server.Dispose();
    }
}
