using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

using Gateway.Core;

namespace Gateway.Sinks.Mqtt;

/// <summary>One account of the embedded broker (an item of `users`).</summary>
public sealed class EmbeddedBrokerUser
{
    [Required]
    [Description("User name the client sends.")]
    public string Name { get; set; } = "";

    [Required]
    [Secret]
    [Description("PBKDF2-SHA256 hash of the password, `$pbkdf2-sha256$i=...$...$...`, from `gateway mqtt-password`; put it in a file and write ${file:PATH}.")]
    public string PasswordHash { get; set; } = "";

    [Description("Topic filters under the gateway's own topics this user may publish to (e.g. `factory/plant1/+/setpoint`). Outside the gateway's topics any user may publish; under them, by default, nobody but the gateway.")]
    public List<string> Publish { get; set; } = [];
}

/// <summary>The embedded broker's TLS listener (`brokerTls`).</summary>
public sealed class EmbeddedBrokerTlsOptions
{
    [Description("Address of the TLS listener; default the same as `bind`.")]
    public string? Bind { get; set; }

    [Range(1, 65535)]
    [Description("TCP port of the TLS listener (must differ from `port`).")]
    public int Port { get; set; } = 8883;

    [Required]
    [Description("PEM certificate the broker presents.")]
    public string CertFile { get; set; } = "";

    [Required]
    [Description("PEM private key of the certificate; readable by the service user only.")]
    public string KeyFile { get; set; } = "";
}
