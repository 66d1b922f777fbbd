using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>A throw-away CA, a broker certificate for 127.0.0.1/localhost and a client certificate, as PEM files for mosquitto.</summary>
public sealed class TestCertificates
{
    private TestCertificates(string directory)
    {
        CaFile = Path.Combine(directory, "ca.pem");
        ServerCertFile = Path.Combine(directory, "server.pem");
        ServerKeyFile = Path.Combine(directory, "server.key");
        ClientCertFile = Path.Combine(directory, "client.pem");
        ClientKeyFile = Path.Combine(directory, "client.key");
        OtherCaFile = Path.Combine(directory, "other-ca.pem");
    }

    public string CaFile { get; }

    public string ServerCertFile { get; }

    public string ServerKeyFile { get; }

    public string ClientCertFile { get; }

    public string ClientKeyFile { get; }

    /// <summary>A CA that signed nothing here: trusting only it must fail.</summary>
    public string OtherCaFile { get; }

    public static TestCertificates Create(string directory)
    {
        var files = new TestCertificates(directory);
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = CreateCa("CN=Gateway Test CA", caKey, now);
        File.WriteAllText(files.CaFile, ca.ExportCertificatePem());
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = CreateCa("CN=Some Other CA", otherKey, now);
        File.WriteAllText(files.OtherCaFile, other.ExportCertificatePem());

        var serverNames = new SubjectAlternativeNameBuilder();
        serverNames.AddIpAddress(IPAddress.Loopback);
        serverNames.AddDnsName("localhost");
        Issue(ca, "CN=localhost", serverNames, X509KeyUsageFlags.DigitalSignature, "1.3.6.1.5.5.7.3.1", now, files.ServerCertFile, files.ServerKeyFile);
        Issue(ca, "CN=gateway-client", null, X509KeyUsageFlags.DigitalSignature, "1.3.6.1.5.5.7.3.2", now, files.ClientCertFile, files.ClientKeyFile);
        return files;
    }

    private static X509Certificate2 CreateCa(string subject, ECDsa key, DateTimeOffset now)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now, now.AddDays(2));
    }

    private static void Issue(X509Certificate2 ca, string subject, SubjectAlternativeNameBuilder? names, X509KeyUsageFlags usage, string extendedUsage, DateTimeOffset now, string certFile, string keyFile)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(extendedUsage)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (names is not null)
        {
            request.CertificateExtensions.Add(names.Build());
        }

        using var certificate = request.Create(ca, now, now.AddDays(1), RandomNumberGenerator.GetBytes(12));
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
    }
}
