using System.Security.Cryptography.X509Certificates;
using Gateway.OpcUa.SecureChannel;
using Gateway.OpcUa.Security;
using Gateway.OpcUa.Session;

namespace Gateway.OpcUa.Client;

/// <summary>Which MessageSecurityMode the client asks for; <see cref="Best"/> picks the most secure endpoint the server offers that we support.</summary>
public enum SecurityModeChoice
{
    Best = 0,
    None = 1,
    Sign = 2,
    SignAndEncrypt = 3,
}

/// <summary>How a client connects: channel limits, session timeout, security, identity of this application and of the user.</summary>
public sealed record OpcUaClientOptions
{
    public ChannelOptions Channel { get; init; } = new();

    public string ApplicationName { get; init; } = "Changwon Edge Gateway";

    /// <summary>Must equal the URI in <see cref="ApplicationCertificate"/>'s subjectAltName when security is used (servers check it).</summary>
    public string ApplicationUri { get; init; } = "urn:changwon-gateway:client";

    public string ProductUri { get; init; } = "urn:changwon-gateway";

    public string SessionName { get; init; } = "gateway";

    /// <summary>Requested session timeout; the server revises it and the keep-alive follows the revised value.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often to read ServerStatus/State to keep the session alive and notice a dead server; zero turns it off.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest number of nodes in one Read when the server advertises no MaxNodesPerRead.</summary>
    public int DefaultMaxNodesPerRead { get; init; } = 5000;

    /// <summary>
    /// The MessageSecurityMode to use. None (the library default: no GetEndpoints round trip) opens the channel unsecured;
    /// Best, Sign and SignAndEncrypt first read the server's endpoints over a None channel and pick one. The YAML's
    /// default is `best`.
    /// </summary>
    public SecurityModeChoice SecurityMode { get; init; } = SecurityModeChoice.None;

    /// <summary>A policy URI or its short name (`Basic256Sha256`); null picks the most secure the server offers for the mode.</summary>
    public string? SecurityPolicyUri { get; init; }

    /// <summary>This application's instance certificate with its private key; required for any policy other than None.</summary>
    public X509Certificate2? ApplicationCertificate { get; init; }

    /// <summary>Issuer certificates sent after <see cref="ApplicationCertificate"/> (optional).</summary>
    public IReadOnlyList<X509Certificate2> ApplicationCertificateChain { get; init; } = [];

    /// <summary>Decides whether the server certificate is trusted; required for any policy other than None (no validator: refused, never auto-accepted).</summary>
    public IServerCertificateValidator? ServerCertificateValidator { get; init; }

    /// <summary>The user identity for ActivateSession.</summary>
    public UserIdentity Identity { get; init; } = UserIdentity.Anonymous;

    /// <summary>Where to record how long service calls take (Publish excepted); null records nothing.</summary>
    public RequestTimings? RequestTimings { get; init; }
}
