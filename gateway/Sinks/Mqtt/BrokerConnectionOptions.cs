namespace Gateway.Sinks.Mqtt;

/// <summary>
/// The keys that say how to reach an external broker (address, credentials, TLS). The `mqtt` and `sparkplug` sinks
/// both have them, with the same names and meanings, so TLS setup and its checks are written once.
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
}
