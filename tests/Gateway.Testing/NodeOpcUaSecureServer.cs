using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Gateway.Testing;

/// <summary>
/// The node-opcua server of tests/servers/opcua-secure/server.js: endpoints for None and for Basic256Sha256,
/// Aes128_Sha256_RsaOaep and Aes256_Sha256_RsaPss in Sign and SignAndEncrypt; anonymous, user1/password1 and X.509
/// users; optionally a second, None-only port whose user name policy asks for no encryption. Its PKI lives in a temp
/// folder removed on dispose. Slow to start (it makes its certificate): share one per test class.
/// </summary>
public sealed partial class NodeOpcUaSecureServer : IAsyncDisposable
{
    private readonly ServerProcess _process;
    private readonly string _pki;

    private NodeOpcUaSecureServer(ServerProcess process, string pki, int port, int plainPort)
    {
        _process = process;
        _pki = pki;
        Port = port;
        PlainPort = plainPort;
    }

    public const string UserName = "user1";

    public const string Password = "password1";

    public int Port { get; }

    /// <summary>The None-only port with a clear-text user name policy; 0 when not started.</summary>
    public int PlainPort { get; }

    public string EndpointUrl => $"opc.tcp://127.0.0.1:{Port}";

    public string PlainEndpointUrl => $"opc.tcp://127.0.0.1:{PlainPort}";

    public string Output => _process.Output;

    /// <summary>The SHA-1 thumbprint (upper-case hex) of the server's certificate, as it printed it.</summary>
    public string CertificateThumbprint => Line(CertificateLine(), "cert");

    /// <summary>The namespace index of "urn:gateway:tests".</summary>
    public ushort TestNamespace => ushort.Parse(Line(ReadyLine(), "ready"), CultureInfo.InvariantCulture);

    /// <param name="tokenLifetime">The longest security token lifetime the server grants (at least 2.5 s).</param>
    /// <param name="plainPort">Also open the None-only port with the clear-text user name policy.</param>
    /// <param name="doubles">How many Doubles.NNNNN variables (value = index) to create.</param>
    public static async Task<NodeOpcUaSecureServer> StartAsync(TimeSpan? tokenLifetime = null, bool plainPort = false, int doubles = 1000)
    {
        var port = FreePort.Next();
        var plain = plainPort ? FreePort.Next() : 0;
        var pki = Path.Combine(Path.GetTempPath(), "gateway-opcua-secure-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(pki);
        var invariant = CultureInfo.InvariantCulture;
        var script = RepositoryPaths.Combine("tests", "servers", "opcua-secure", "server.js");
        var process = await ServerProcess.StartAsync(
            "node-opcua (secure)",
            "node",
            [script, "--port", port.ToString(invariant), "--pki", pki,
             "--plain-port", plain.ToString(invariant),
             "--token-lifetime", ((int)(tokenLifetime ?? TimeSpan.FromMinutes(10)).TotalMilliseconds).ToString(invariant),
             "--doubles", doubles.ToString(invariant)],
            port,
            startTimeout: TimeSpan.FromMinutes(4));
        for (var i = 0; i < 100 && !ReadyLine().IsMatch(process.Output); i++)
        {
            await Task.Delay(100);
        }

        return new NodeOpcUaSecureServer(process, pki, port, plain);
    }

    /// <summary>
    /// A self-signed certificate with its private key that this server accepts: for a client application (its SAN URI
    /// must equal the client's ApplicationUri) or for an X.509 user.
    /// </summary>
    public static X509Certificate2 CreateCertificate(string subject, string uri, int keySize = 2048)
    {
        using var key = RSA.Create(keySize);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(uri));
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    private string Line(Regex pattern, string what)
    {
        var match = pattern.Match(_process.Output);
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"node-opcua did not print its {what} line:\n{_process.Output}");
    }

    [GeneratedRegex(@"^ready \S+ ns=(\d+)", RegexOptions.Multiline)]
    private static partial Regex ReadyLine();

    [GeneratedRegex(@"^cert ([0-9A-F]{40})", RegexOptions.Multiline)]
    private static partial Regex CertificateLine();

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_pki, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
