namespace Gateway.Sinks.Mqtt;

/// <summary>
/// The keys that say how to reach a broker (address, protocol, credentials, TLS, timeouts, reconnect backoff). The
/// `mqtt` and `sparkplug` sinks both have them, with the same names and meanings, so <see cref="BrokerConnection"/>,
/// TLS setup and their checks are written once.
/// </summary>
public interface IBrokerConnectionOptions
{
    string Host { get; }

    int Port { get; }

    string? Username { get; }

    string? Password { get; }

    bool Tls { get; }

    string? CaFile { get; }

    string? CertFile { get; }

    string? KeyFile { get; }

    bool CheckServerName { get; }

    string? ServerName { get; }

    string ProtocolVersion { get; }

    int KeepAliveSeconds { get; }

    int TimeoutMs { get; }

    int ReconnectDelayMs { get; }

    int ReconnectMaxDelayMs { get; }
}
