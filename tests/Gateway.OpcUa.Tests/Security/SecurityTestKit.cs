using System.Security.Cryptography.X509Certificates;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Security;
using Gateway.OpcUa.Session;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;
using Gateway.Testing;

namespace Gateway.OpcUa.Tests.Security;

/// <summary>Certificates with private keys and a thumbprint validator for the security tests.</summary>
public static class SecurityTestKit
{
    public const string ClientUri = "urn:gateway-tests:secure-client";

    /// <summary>An application instance certificate for the client, with its key; its SAN URI is <see cref="ClientUri"/>.</summary>
    public static X509Certificate2 ClientCertificate(int keySize = 2048, string uri = ClientUri) => Create("CN=Gateway test client, O=Tests", uri, keySize);

    /// <summary>An X.509 user certificate with its key.</summary>
    public static X509Certificate2 UserCertificate() => Create("CN=operator1, O=Tests", "urn:gateway-tests:user:operator1", 2048);

    public static X509Certificate2 Create(string subject, string uri, int keySize) => NodeOpcUaSecureServer.CreateCertificate(subject, uri, keySize);

    /// <summary>Options for a secured connection to <paramref name="thumbprint"/>'s server.</summary>
    public static OpcUaClientOptions Options(X509Certificate2 client, string thumbprint, SecurityModeChoice mode = SecurityModeChoice.Best, string? policy = null, UserIdentity? identity = null) => new()
    {
        ApplicationUri = ClientUri,
        ApplicationCertificate = client,
        ServerCertificateValidator = new ThumbprintValidator(thumbprint),
        SecurityMode = mode,
        SecurityPolicyUri = policy,
        Identity = identity ?? UserIdentity.Anonymous,
        KeepAliveInterval = TimeSpan.Zero,
        Channel = new() { RequestTimeout = TimeSpan.FromSeconds(20) },
    };
}

/// <summary>Trusts exactly one certificate, by SHA-1 thumbprint; counts the calls.</summary>
public sealed class ThumbprintValidator(string thumbprint) : IServerCertificateValidator
{
    private int _calls;

    public int Calls => _calls;

    public string? LastHost { get; private set; }

    public void Validate(X509Certificate2 serverCertificate, IReadOnlyList<X509Certificate2> chain, string? expectedApplicationUri, string endpointHost)
    {
        Interlocked.Increment(ref _calls);
        LastHost = endpointHost;
        if (!string.Equals(serverCertificate.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase))
        {
            throw new UaCertificateException(StatusCodes.BadCertificateUntrusted, $"not trusted: {serverCertificate.Thumbprint}");
        }
    }
}

/// <summary>Refuses every certificate with one exception instance, so a test can check it arrives unchanged.</summary>
public sealed class RefusingValidator : IServerCertificateValidator
{
    public UaCertificateException Error { get; } = new(StatusCodes.BadCertificateUntrusted, "untrusted by the test; move the file into trusted/", "/tmp/rejected/server.der");

    public void Validate(X509Certificate2 serverCertificate, IReadOnlyList<X509Certificate2> chain, string? expectedApplicationUri, string endpointHost) => throw Error;
}
