using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Testing;

/// <summary>Certificates made in a test with CertificateRequest: OPC UA servers, a CA, a CRL.</summary>
public static class TestCertificates
{
    public const string ServerUri = "urn:test:plc-1";

    /// <summary>A self-signed server certificate like a PLC's: SAN URI + DNS name localhost + 127.0.0.1.</summary>
    public static X509Certificate2 SelfSignedServer(
        string commonName = "PLC 1",
        string uri = ServerUri,
        string[]? hosts = null,
        DateTimeOffset? notBefore = null,
        DateTimeOffset? notAfter = null,
        int keySize = 2048)
    {
        using var key = RSA.Create(keySize);
        var request = ServerRequest(commonName, uri, hosts, key);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment | X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.NonRepudiation, true));
        using var certificate = request.CreateSelfSigned(notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddYears(1));
        return X509CertificateLoader.LoadCertificate(certificate.RawData);
    }

    /// <summary>A root CA with its key, able to sign server certificates and CRLs.</summary>
    public static X509Certificate2 CertificateAuthority(string commonName = "Plant CA")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        var subjectKeyId = new X509SubjectKeyIdentifierExtension(request.PublicKey, false);
        request.CertificateExtensions.Add(subjectKeyId);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddYears(5));
    }

    /// <summary>A server certificate issued by <paramref name="ca"/>.</summary>
    public static X509Certificate2 IssuedServer(X509Certificate2 ca, string commonName = "PLC 2", long serial = 1000)
    {
        using var key = RSA.Create(2048);
        var request = ServerRequest(commonName, ServerUri, null, key);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment | X509KeyUsageFlags.NonRepudiation, true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1), new BigInteger(serial).ToByteArray(isUnsigned: true, isBigEndian: true));
        return X509CertificateLoader.LoadCertificate(issued.RawData);
    }

    /// <summary>A DER CRL signed by <paramref name="ca"/> that revokes <paramref name="revoked"/>.</summary>
    public static byte[] RevocationList(X509Certificate2 ca, params X509Certificate2[] revoked)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
        {
            builder.AddEntry(certificate, DateTimeOffset.UtcNow.AddHours(-1));
        }

        return builder.Build(ca, BigInteger.One, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    private static CertificateRequest ServerRequest(string commonName, string uri, string[]? hosts, RSA key)
    {
        var request = new CertificateRequest($"CN={commonName}, O=Test Plant", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(uri));
        foreach (var host in hosts ?? ["localhost", "127.0.0.1"])
        {
            if (IPAddress.TryParse(host, out var address))
            {
                san.AddIpAddress(address);
            }
            else
            {
                san.AddDnsName(host);
            }
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request;
    }
}
