using System.Net.Sockets;
using System.Security.Authentication;

using Gateway.Core;

using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;

using Polly;

namespace Gateway.Sinks.Mqtt;

/// <summary>
/// How an MQTT-based sink (`mqtt`, `sparkplug`) reaches its broker: the client options (address, protocol version,
/// credentials, TLS), the reconnect backoff, and the causes an operator reads when connecting or publishing fails.
/// The sink adds what is its own (session, Will, stream).
/// </summary>
public sealed class BrokerConnection
{
    private const string ConnectionClosedCause =
        "the connection was closed by the broker or a device in between; is the broker overloaded, or does it expect TLS?";

    private readonly BrokerConnectionOptions _options;
    private readonly Type _explainedFailure;

    /// <param name="options">The sink's broker keys.</param>
    /// <param name="host">The host to connect to (the embedded broker's loopback address, or `host`).</param>
    /// <param name="explainedFailure">The sink's own exception type: its message already says what happened and is passed on as is.</param>
    public BrokerConnection(BrokerConnectionOptions options, string host, Type explainedFailure)
    {
        _options = options;
        _explainedFailure = explainedFailure;
        Host = host;
        Endpoint = $"{(options.Tls ? "mqtts" : "mqtt")}://{host}:{options.Port}";
        if (options.Tls)
        {
            Tls = new BrokerTls(options);
        }
    }

    public string Host { get; }

    /// <summary>The broker's address for log lines, e.g. mqtts://broker:8883.</summary>
    public string Endpoint { get; }

    /// <summary>The TLS setup; null without `tls`.</summary>
    public BrokerTls? Tls { get; }

    /// <summary>
    /// Address, client id, protocol version, keep-alive, timeout, credentials and TLS; <paramref name="credential"/>
    /// replaces `username` / `password` (the embedded broker's own account).
    /// </summary>
    public MqttClientOptionsBuilder NewClientOptions(string clientId, (string UserName, string Password)? credential = null)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(Host, _options.Port)
            .WithClientId(clientId)
            .WithProtocolVersion(_options.ProtocolVersion == "3.1.1" ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_options.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromMilliseconds(_options.TimeoutMs));
        if (credential is var (userName, password))
        {
            builder.WithCredentials(userName, password);
        }
        else if (!string.IsNullOrEmpty(_options.Username))
        {
            builder.WithCredentials(_options.Username, _options.Password ?? "");
        }

        if (Tls is not null)
        {
            builder.WithTlsOptions(Tls.BuildOptions(Host));
        }

        return builder;
    }

    /// <summary>Retries connecting with backoff from `reconnectDelayMs` up to `reconnectMaxDelayMs`; <paramref name="onFailure"/> hears each failed attempt.</summary>
    public ResiliencePipeline NewReconnectPipeline(TimeProvider timeProvider, Action<Exception?> onFailure) => Resilience.Retry(
        new RetryOptions { Delay = TimeSpan.FromMilliseconds(_options.ReconnectDelayMs), MaxDelay = TimeSpan.FromMilliseconds(_options.ReconnectMaxDelayMs) },
        timeProvider,
        handles: e => e is not OperationCanceledException,
        onRetry: args =>
        {
            onFailure(args.Outcome.Exception);
            return default;
        });

    /// <summary>Why connecting or publishing failed, with the key to check.</summary>
    public string Describe(Exception exception)
    {
        if (Tls?.LastRefusal is { } tlsRefusal && !_explainedFailure.IsInstanceOfType(exception))
        {
            return "TLS: " + tlsRefusal;
        }

        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (_explainedFailure.IsInstanceOfType(e))
            {
                return e.Message;
            }

            switch (e)
            {
                case SocketException socket:
                    return socket.SocketErrorCode switch
                    {
                        SocketError.ConnectionRefused => "connection refused (is the broker running and listening on this port?)",
                        SocketError.HostNotFound or SocketError.NoData => $"host '{Host}' not found; check `host`",
                        SocketError.TimedOut => "no answer (timed out); check `host`, `port` and firewalls",
                        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.NotConnected or SocketError.Shutdown =>
                            ConnectionClosedCause,
                        _ => $"{socket.SocketErrorCode}: {socket.Message}",
                    };
                case AuthenticationException:
                    return $"TLS handshake failed: {e.Message}; check `tls`, `caFile`, `certFile` and `keyFile`";
                case MqttCommunicationTimedOutException:
                    return $"no answer within {_options.TimeoutMs} ms";
            }
        }

        // MQTTnet reports a connection that ends during CONNECT as "Error while authenticating. Connection closed."
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is MqttCommunicationException && e.Message.Contains("closed", StringComparison.OrdinalIgnoreCase))
            {
                return ConnectionClosedCause;
            }
        }

        var innermost = exception;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return innermost == exception ? exception.Message : $"{exception.Message} ({innermost.Message})";
    }

    /// <summary>Why the broker refused CONNECT, with the key to check.</summary>
    public static string DescribeRefusal(MqttClientConnectResultCode code, string? reason)
    {
        var hint = code switch
        {
            MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized =>
                "; check `username` and `password` (and the broker's password file / ACL)",
            MqttClientConnectResultCode.ClientIdentifierNotValid => "; set another `clientId`",
            MqttClientConnectResultCode.UnsupportedProtocolVersion => "; try `protocolVersion: 3.1.1`",
            _ => "",
        };
        return $"the broker refused the connection: {code}{(string.IsNullOrEmpty(reason) ? "" : " (" + reason + ")")}{hint}";
    }
}
