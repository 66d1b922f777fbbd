using System.Security.Cryptography.X509Certificates;
using Gateway.OpcUa.Security;
using Gateway.OpcUa.Services;

namespace Gateway.OpcUa.SecureChannel;

/// <summary>How a secure channel is secured: the policy and mode of the chosen endpoint, and the certificates of both ends.</summary>
public sealed record ChannelSecurity
{
    public static ChannelSecurity None { get; } = new() { Policy = SecurityPolicy.None, Mode = MessageSecurityMode.None };

    public required SecurityPolicy Policy { get; init; }

    public required MessageSecurityMode Mode { get; init; }

    /// <summary>This application's instance certificate, with its private key.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    public IReadOnlyList<X509Certificate2> ClientCertificateChain { get; init; } = [];

    /// <summary>The server certificate as the endpoint description carries it (DER; the leaf, possibly followed by its issuers).</summary>
    public byte[]? ServerCertificate { get; init; }

    /// <summary>Asked before anything is sent to the server; no validator means the server cannot be trusted.</summary>
    public IServerCertificateValidator? ServerCertificateValidator { get; init; }

    /// <summary>The ApplicationUri from the endpoint description, for the validator.</summary>
    public string? ServerApplicationUri { get; init; }

    public bool IsNone => Policy.IsNone;
}
