using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.OpcUa.Pki;

namespace Gateway.OpcUa.Tests.Pki;

public sealed class ApplicationCertificateTests : IDisposable
{
    private readonly TestPki _pki = new();

    private static ApplicationCertificateSettings Settings(string uri = "urn:edge-01:changwon-gateway") => new()
    {
        ApplicationName = "Edge 01",
        ApplicationUri = uri,
        Organization = "Test Plant",
        HostNames = ["edge-01", "edge-01.plant.local", "192.168.10.5"],
    };

    [Fact]
    public void First_start_creates_an_RSA_2048_SHA256_certificate_as_Part_6_describes_it()
    {
        var logged = new List<string>();
        var created = ApplicationCertificate.LoadOrCreate(_pki.Directory, Settings(), logged.Add);
        var certificate = created.Certificate;

        Assert.True(created.Created);
        Assert.True(certificate.HasPrivateKey);
        Assert.Equal(2048, certificate.GetRSAPublicKey()!.KeySize);
        Assert.Equal("1.2.840.113549.1.1.11", certificate.SignatureAlgorithm.Value); // sha256WithRSAEncryption
        Assert.Equal("CN=Edge 01, O=Test Plant, DC=edge-01", certificate.Subject);

        var facts = CertificateFacts.Of(certificate);
        Assert.Equal("urn:edge-01:changwon-gateway", facts.ApplicationUri);
        Assert.Equal(["edge-01", "edge-01.plant.local"], facts.DnsNames);
        Assert.Equal("192.168.10.5", Assert.Single(facts.IpAddresses).ToString());

        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.Equal(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment | X509KeyUsageFlags.KeyCertSign,
            usage.KeyUsages);
        var purposes = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).ToList();
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], purposes);
        Assert.False(certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.InRange((certificate.NotAfter - certificate.NotBefore).TotalDays, (5 * 365) + 0.5, (5 * 365) + 1.5);

        var line = Assert.Single(logged);
        Assert.Contains(created.CertificateFile, line, StringComparison.Ordinal);
        Assert.Contains("there was none", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_are_named_by_name_and_thumbprint_and_the_key_is_readable_by_the_owner_only()
    {
        var created = ApplicationCertificate.LoadOrCreate(_pki.Directory, Settings());
        var thumbprint = created.Certificate.Thumbprint;

        Assert.Equal(Path.Combine(_pki.Directory.OwnCertificates, $"Edge 01 [{thumbprint}].der"), created.CertificateFile);
        Assert.Equal(Path.Combine(_pki.Directory.OwnPrivateKeys, $"Edge 01 [{thumbprint}].pem"), created.PrivateKeyFile);
        Assert.Equal(created.Certificate.RawData, File.ReadAllBytes(created.CertificateFile));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(created.PrivateKeyFile), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(created.PrivateKeyFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_pki.Directory.OwnPrivateKeys));
        }

        foreach (var folder in new[] { "trusted/certs", "trusted/crl", "issuers/certs", "issuers/crl", "rejected/certs" })
        {
            Assert.True(Directory.Exists(Path.Combine(_pki.Root, folder)), folder);
        }
    }

    [Fact]
    public void Second_start_reuses_the_same_certificate_and_key()
    {
        var first = ApplicationCertificate.LoadOrCreate(_pki.Directory, Settings());
        var logged = new List<string>();
        var second = ApplicationCertificate.LoadOrCreate(new PkiDirectory(_pki.Root), Settings(), logged.Add);

        Assert.False(second.Created);
        Assert.Empty(logged);
        Assert.Equal(first.Certificate.Thumbprint, second.Certificate.Thumbprint);
        Assert.Single(Directory.GetFiles(_pki.Directory.OwnCertificates));

        // The loaded key is the certificate's key: what it signs, the certificate verifies.
        var data = "hello"u8.ToArray();
        var signature = second.Certificate.GetRSAPrivateKey()!.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Assert.True(first.Certificate.GetRSAPublicKey()!.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void A_changed_ApplicationUri_makes_a_new_certificate_and_says_why()
    {
        var first = ApplicationCertificate.LoadOrCreate(_pki.Directory, Settings());
        var logged = new List<string>();
        var second = ApplicationCertificate.LoadOrCreate(_pki.Directory, Settings("urn:edge-02:changwon-gateway"), logged.Add);

        Assert.True(second.Created);
        Assert.NotEqual(first.Certificate.Thumbprint, second.Certificate.Thumbprint);
        Assert.Equal("urn:edge-02:changwon-gateway", CertificateFacts.Of(second.Certificate).ApplicationUri);
        Assert.Contains("is for ApplicationUri 'urn:edge-01:changwon-gateway'", Assert.Single(logged), StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_near_its_expiry_is_renewed_with_a_new_key()
    {
        var first = ApplicationCertificate.LoadOrCreate(_pki.Directory, Settings());
        var later = new FixedTime(first.Certificate.NotAfter.ToUniversalTime().AddDays(-10));
        var logged = new List<string>();
        var renewed = ApplicationCertificate.LoadOrCreate(_pki.Directory, Settings(), logged.Add, later);

        Assert.True(renewed.Created);
        Assert.NotEqual(
            first.Certificate.GetRSAPublicKey()!.ExportSubjectPublicKeyInfo(),
            renewed.Certificate.GetRSAPublicKey()!.ExportSubjectPublicKeyInfo());
        Assert.Contains("within 30 days", Assert.Single(logged), StringComparison.Ordinal);

        // And the renewed one is then kept.
        Assert.Equal(renewed.Certificate.Thumbprint, ApplicationCertificate.LoadOrCreate(_pki.Directory, Settings(), null, later).Certificate.Thumbprint);
    }

    [Fact]
    public void A_certificate_without_its_key_is_replaced()
    {
        var first = ApplicationCertificate.LoadOrCreate(_pki.Directory, Settings());
        File.Delete(first.PrivateKeyFile);
        var logged = new List<string>();
        var second = ApplicationCertificate.LoadOrCreate(_pki.Directory, Settings(), logged.Add);

        Assert.True(second.Created);
        Assert.Contains("no private key", Assert.Single(logged), StringComparison.Ordinal);
    }

    public void Dispose() => _pki.Dispose();
}
