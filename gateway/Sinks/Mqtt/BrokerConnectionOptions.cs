using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

using Gateway.Core;

namespace Gateway.Sinks.Mqtt;

/// <summary>
/// The YAML keys that say how to reach a broker (address, protocol, credentials, TLS, timeouts, reconnect backoff). The
/// `mqtt` and `sparkplug` sinks both have them, with the same names, defaults and meanings, so they are declared once
/// here, and <see cref="BrokerConnection"/>, TLS setup and their checks are written once. A sink whose wording of a key
/// says more (the embedded broker, NDEATH) overrides its description only.
/// </summary>
public abstract class BrokerConnectionOptions
{
    [Description("Host name or address of the broker.")]
    public virtual string Host { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    [Description("TCP port of the broker.")]
    public virtual int Port { get; set; } = 1883;

    [Description("MQTT protocol version: `5` (default) or `3.1.1`.")]
    public string ProtocolVersion { get; set; } = "5";

    [Description("Client identifier; default `gateway-{gatewayName}-{sinkName}`. Must be unique on the broker.")]
    public string? ClientId { get; set; }

    [Description("User name for the broker.")]
    public string? Username { get; set; }

    [Secret]
    [Description("Password for the broker. Use ${ENV} or ${file:PATH}; never written in clear in the YAML.")]
    public string? Password { get; set; }

    [Description("Connect with TLS.")]
    public bool Tls { get; set; }

    [Description("PEM file of the CA that signed the broker's certificate (default: the system trust store).")]
    public string? CaFile { get; set; }

    [Description("PEM client certificate, for brokers that require one (needs `keyFile`).")]
    public string? CertFile { get; set; }

    [Description("PEM private key of the client certificate.")]
    public string? KeyFile { get; set; }

    [Description("Check that the broker's certificate names the host. On by default; turn off only for testing.")]
    public bool CheckServerName { get; set; } = true;

    [Description("Name expected in the broker's certificate, when it differs from `host`.")]
    public string? ServerName { get; set; }

    [Range(5, 65535)]
    [Description("MQTT keep-alive in seconds: how soon a dead connection is noticed.")]
    public virtual int KeepAliveSeconds { get; set; } = 30;

    [Range(100, 600_000)]
    [Description("Timeout for connecting and for each acknowledgement, in milliseconds.")]
    public virtual int TimeoutMs { get; set; } = 10_000;

    [Range(100, 600_000)]
    [Description("First delay before reconnecting after a failure, in milliseconds (doubles up to `reconnectMaxDelayMs`).")]
    public int ReconnectDelayMs { get; set; } = 1000;

    [Range(100, 3_600_000)]
    [Description("Longest delay between reconnect attempts, in milliseconds.")]
    public int ReconnectMaxDelayMs { get; set; } = 30_000;
}
