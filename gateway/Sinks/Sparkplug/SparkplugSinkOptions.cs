using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

using Gateway.Core;
using Gateway.Sinks.Mqtt;

namespace Gateway.Sinks.Sparkplug;

/// <summary>The YAML keys of a `type: sparkplug` sink entry (camelCase). Broker keys mean what they mean for `type: mqtt`.</summary>
public sealed class SparkplugSinkOptions : IBrokerConnectionOptions
{
    [Description("Host name or address of the MQTT broker (the Sparkplug MQTT server).")]
    public string Host { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    [Description("TCP port of the broker.")]
    public int Port { get; set; } = 1883;

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

    [Description("Sparkplug group id (first topic level after spBv1.0). Default: the gateway's `site` label.")]
    public string? GroupId { get; set; }

    [Description("Sparkplug edge node id. Default: the gateway's name.")]
    public string? EdgeNodeId { get; set; }

    [Description("Sparkplug device id of a machine, a template: {machine} (default), {source} and labels such as {line}.")]
    public string DeviceId { get; set; } = "{machine}";

    [Description("Host id of the primary host application: the node then births only while spBv1.0/STATE/{id} says online; meanwhile readings wait in the buffer.")]
    public string? PrimaryHostId { get; set; }

    [Description("Sparkplug datatype of tags, by tag name (`Count: UInt16`, `Temp: Float`); default Double, Int64, Boolean, String or their arrays after the value.")]
    public Dictionary<string, string> Datatypes { get; set; } = new(StringComparer.Ordinal);

    [Range(1024, 268_435_455)]
    [Description("Largest payload in bytes; a machine's DDATA that would be larger is split into several messages.")]
    public int MaxPayloadBytes { get; set; } = 256 * 1024;

    [Range(5, 65535)]
    [Description("MQTT keep-alive in seconds: how soon the broker notices a dead gateway and publishes its NDEATH.")]
    public int KeepAliveSeconds { get; set; } = 30;

    [Range(100, 600_000)]
    [Description("Timeout for connecting and for the broker's answer to each delivery, in milliseconds.")]
    public int TimeoutMs { get; set; } = 10_000;

    [Range(100, 600_000)]
    [Description("First delay before reconnecting after a failure, in milliseconds (doubles up to `reconnectMaxDelayMs`).")]
    public int ReconnectDelayMs { get; set; } = 1000;

    [Range(100, 3_600_000)]
    [Description("Longest delay between reconnect attempts, in milliseconds.")]
    public int ReconnectMaxDelayMs { get; set; } = 30_000;
}
