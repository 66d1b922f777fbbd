using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

using Gateway.Core;

namespace Gateway.Connectors.OpcUa;

/// <summary>The keys of a `type: opcua` source besides the common ones (name, enabled, labels, normalize, machines).</summary>
[Description("One OPC UA server connection.")]
public sealed class OpcUaSourceOptions
{
    [Required]
    [RegularExpression("^opc\\.tcp://.+", ErrorMessage = "an OPC UA endpoint starts with opc.tcp://, e.g. opc.tcp://192.168.0.10:4840")]
    [Description("The server's endpoint URL, e.g. opc.tcp://192.168.0.10:4840.")]
    public string Endpoint { get; set; } = "";

    public OpcUaSecurityOptions Security { get; set; } = new();

    public OpcUaIdentityOptions Identity { get; set; } = new();

    [Range(1000, 3_600_000)]
    [Description("Requested session timeout in milliseconds.")]
    public int SessionTimeoutMs { get; set; } = 60_000;

    [Range(100, 600_000)]
    [Description("Timeout for one service call in milliseconds.")]
    public int RequestTimeoutMs { get; set; } = 10_000;

    [Range(1, 16)]
    [Description("Most sessions the gateway may hold on this server at once.")]
    public int MaxSessions { get; set; } = 1;

    public OpcUaReconnectOptions Reconnect { get; set; } = new();

    [Description("Groups with the same interval share one OPC UA subscription (their monitored items packed together), so many machines fit the server's subscriptions per session (often 5 to 100). false: one subscription per machine group.")]
    public bool ShareSubscriptions { get; set; } = true;

    /// <summary>Items per shared subscription unless set (or the server publishes a lower MaxMonitoredItemsPerSubscription).</summary>
    public const int DefaultMaxItemsPerSubscription = 10_000;

    [Range(1, 1_000_000)]
    [Description("Most monitored items the gateway puts in one shared subscription before it opens another of the same interval; the server's MaxMonitoredItemsPerSubscription wins when it publishes a lower one. A group larger than this keeps one subscription of its own.")]
    public int MaxItemsPerSubscription { get; set; } = DefaultMaxItemsPerSubscription;

    [Description("Allow `gateway ack` to acknowledge and confirm this server's alarms (with the source's identity). Off by default: the gateway only reads.")]
    public bool AllowAck { get; set; }
}

public sealed class OpcUaSecurityOptions
{
    /// <summary>The security policies the OPC UA stack implements (Part 7 profiles), by short name.</summary>
    public static readonly IReadOnlyList<string> KnownPolicies = ["None", "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"];

    public const string PolicyUriPrefix = "http://opcfoundation.org/UA/SecurityPolicy#";

    [AllowedValues("best", "none", "sign", "signAndEncrypt")]
    [Description("`best` (default: the most secure endpoint offered that we support), `none`, `sign` or `signAndEncrypt`.")]
    public string Mode { get; set; } = "best";

    [Description("Security policy: Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss or None, by name or full SecurityPolicyUri, in any case; empty picks the best for the mode.")]
    public string? Policy { get; set; }

    [Description("Accept a server certificate that is not trusted. Off by default; logs a warning each time it is used.")]
    public bool AutoAcceptServerCertificate { get; set; }

    [Description("Check that the server certificate names the endpoint's host.")]
    public bool CheckHostName { get; set; } = true;

    /// <summary>
    /// The short name of a security policy written as its short name or its full SecurityPolicyUri, in any case
    /// (`basic256sha256`, `http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256`); null when it is not one we implement.
    /// </summary>
    public static string? PolicyName(string nameOrUri)
    {
        var name = nameOrUri.Trim();
        if (name.StartsWith(PolicyUriPrefix, StringComparison.OrdinalIgnoreCase))
        {
            name = name[PolicyUriPrefix.Length..];
        }

        return KnownPolicies.FirstOrDefault(p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase));
    }
}

public sealed class OpcUaIdentityOptions
{
    [AllowedValues("anonymous", "username", "certificate")]
    [Description("`anonymous`, `username` or `certificate`.")]
    public string Type { get; set; } = "anonymous";

    public string? Username { get; set; }

    [Description("Use ${ENV} or ${file:PATH}; never written in clear in the YAML.")]
    [Secret]
    public string? Password { get; set; }

    [FilePath]
    [Description("User certificate (PEM or DER) for `certificate` identity.")]
    public string? Certificate { get; set; }

    [FilePath]
    [Description("Private key file for the user certificate.")]
    public string? PrivateKey { get; set; }

    [Description("Allow sending the password unencrypted when the server's token policy asks for none. Off by default.")]
    public bool AllowPlainTextPassword { get; set; }
}

public sealed class OpcUaReconnectOptions
{
    [Range(100, 600_000)]
    public int InitialDelayMs { get; set; } = 1000;

    [Range(100, 3_600_000)]
    public int MaxDelayMs { get; set; } = 60_000;
}
