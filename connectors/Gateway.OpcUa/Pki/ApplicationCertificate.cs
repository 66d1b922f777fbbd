using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.OpcUa.Pki;

/// <summary>Who this application is, for its application instance certificate (Part 6, 6.2.2).</summary>
public sealed record ApplicationCertificateSettings
{
    /// <summary>The subject's common name (Part 6, Table 50: "should be the applicationName").</summary>
    public string ApplicationName { get; init; } = "Changwon Edge Gateway";

    /// <summary>Must equal the ApplicationUri the client sends in CreateSession; servers compare the two.</summary>
    public required string ApplicationUri { get; init; }

    /// <summary>The subject's organization: who runs this gateway (Part 6, Table 50: usually not the vendor).</summary>
    public string Organization { get; init; } = "Changwon DX Center";

    /// <summary>DNS names and addresses for the subjectAltName; empty means this host's name, its FQDN and its addresses.</summary>
    public IReadOnlyList<string> HostNames { get; init; } = [];

    /// <summary>
    /// How long a new certificate is valid. Five years: every renewal means every server administrator must trust the
    /// new certificate, so it should be rare, but not so long that a leaked key stays usable for a decade.
    /// </summary>
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromDays(5 * 365);

    /// <summary>A certificate this close to its expiry is replaced at start-up, before servers start refusing it.</summary>
    public TimeSpan RenewBefore { get; init; } = TimeSpan.FromDays(30);

    public const int KeySize = 2048;
}

/// <summary>
/// This gateway's application instance certificate with its private key, loaded from own/ or created there on first
/// start. It is never replaced while it is valid, matches the configured ApplicationUri and has a key of at least
/// 2048 bits, so a server's administrator trusts it once; otherwise a new one (with a new key) is made, and a log
/// line says why.
/// </summary>
public sealed class ApplicationCertificate
{
    private ApplicationCertificate(X509Certificate2 certificate, string certificateFile, string privateKeyFile, bool created)
    {
        Certificate = certificate;
        CertificateFile = certificateFile;
        PrivateKeyFile = privateKeyFile;
        Created = created;
    }

    /// <summary>The certificate with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>own/certs/&lt;name&gt; [&lt;thumbprint&gt;].der: the file to give to a server's administrator.</summary>
    public string CertificateFile { get; }

    /// <summary>own/private/&lt;name&gt; [&lt;thumbprint&gt;].pem (mode 600 on Linux).</summary>
    public string PrivateKeyFile { get; }

    /// <summary>True when this call made a new certificate.</summary>
    public bool Created { get; }

    /// <summary>
    /// The newest usable certificate in own/, or a new one when there is none. <paramref name="log"/> receives one line
    /// when a certificate is created and why.
    /// </summary>
    public static ApplicationCertificate LoadOrCreate(PkiDirectory pki, ApplicationCertificateSettings settings, Action<string>? log = null, TimeProvider? time = null)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        pki.EnsureCreated();
        var reasons = new List<string>();
        foreach (var stored in pki.Own().OrderByDescending(s => s.Certificate.NotAfter))
        {
            var problem = ProblemWith(stored.Certificate, settings, now);
            if (problem is not null)
            {
                reasons.Add($"{Path.GetFileName(stored.Path)} {problem}");
                continue;
            }

            var keyFile = PrivateKeyFileFor(pki, stored.Path);
            var loaded = TryLoadWithKey(stored.Certificate, keyFile, out var keyProblem);
            if (loaded is null)
            {
                reasons.Add($"{Path.GetFileName(stored.Path)}: {keyProblem}");
                continue;
            }

            RestrictToOwner(keyFile);
            return new ApplicationCertificate(loaded, stored.Path, keyFile, created: false);
        }

        var created = Create(pki, settings, time);
        var why = reasons.Count == 0 ? "there was none in " + pki.OwnCertificates : string.Join("; ", reasons);
        log?.Invoke($"Created the application instance certificate {created.CertificateFile} (thumbprint {created.Certificate.Thumbprint}, valid until {created.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}): {why}. Servers that must trust this gateway need this file in their trusted list.");
        return created;
    }

    /// <summary>
    /// The newest valid certificate in own/ with its key, whatever its ApplicationUri, or null. For command-line tools
    /// that borrow the service's PKI directory: they must never replace the certificate the servers already trust.
    /// </summary>
    public static ApplicationCertificate? LoadExisting(PkiDirectory pki, TimeProvider? time = null)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow().UtcDateTime;
        foreach (var stored in pki.Own().Where(s => s.Certificate.NotBefore.ToUniversalTime() <= now && s.Certificate.NotAfter.ToUniversalTime() > now).OrderByDescending(s => s.Certificate.NotAfter))
        {
            var keyFile = PrivateKeyFileFor(pki, stored.Path);
            if (TryLoadWithKey(stored.Certificate, keyFile, out _) is { } loaded)
            {
                return new ApplicationCertificate(loaded, stored.Path, keyFile, created: false);
            }
        }

        return null;
    }

    /// <summary>Makes a new certificate and key in own/, whatever is there already (`gateway cert create --force`).</summary>
    public static ApplicationCertificate Create(PkiDirectory pki, ApplicationCertificateSettings settings, TimeProvider? time = null)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        pki.EnsureCreated();
        // Not disposed: the returned certificate uses this key.
        var key = RSA.Create(ApplicationCertificateSettings.KeySize);
        var hostNames = settings.HostNames.Count > 0 ? settings.HostNames : DefaultHostNames();

        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(settings.ApplicationName);
        subject.AddOrganizationName(settings.Organization);
        var firstDnsName = hostNames.FirstOrDefault(h => !IPAddress.TryParse(h, out _));
        if (firstDnsName is not null)
        {
            subject.AddDomainComponent(firstDnsName);
        }

        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        // Part 6, Table 50: an end-entity certificate whose key signs, encrypts keys and data, and (self-signed) signs
        // itself; serverAuth and clientAuth, so the same certificate serves either role.
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation | X509KeyUsageFlags.KeyEncipherment
            | X509KeyUsageFlags.DataEncipherment | X509KeyUsageFlags.KeyCertSign,
            critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "serverAuth"), new Oid("1.3.6.1.5.5.7.3.2", "clientAuth")], critical: false));

        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(settings.ApplicationUri));
        foreach (var host in hostNames)
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
        var subjectKeyId = new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false);
        request.CertificateExtensions.Add(subjectKeyId);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(subjectKeyId));

        // A day back covers a server whose clock is a little behind ours.
        var notBefore = now.AddDays(-1);
        var certificate = request.CreateSelfSigned(notBefore, now + settings.Lifetime);

        var name = PkiDirectory.FileNameOf(certificate, "");
        var keyFile = Path.Combine(pki.OwnPrivateKeys, name + ".pem");
        var certificateFile = Path.Combine(pki.OwnCertificates, name + ".der");

        // The key first: a certificate file in own/certs always has its key beside it.
        PkiDirectory.WriteAtomically(keyFile, System.Text.Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem()), ownerOnly: true);
        PkiDirectory.WriteAtomically(certificateFile, certificate.RawData);
        return new ApplicationCertificate(certificate, certificateFile, keyFile, created: true);
    }

    /// <summary>This host's name, its fully qualified name when DNS knows one, and its non-loopback unicast addresses.</summary>
    public static IReadOnlyList<string> DefaultHostNames()
    {
        var names = new List<string> { Dns.GetHostName() };
        try
        {
            var fullName = Dns.GetHostEntry(names[0]).HostName;
            if (!string.IsNullOrEmpty(fullName) && !names.Contains(fullName, StringComparer.OrdinalIgnoreCase))
            {
                names.Add(fullName);
            }
        }
        catch (SocketException)
        {
            // No DNS entry for this host: the plain host name is all we can name.
        }

        try
        {
            foreach (var address in NetworkInterface.GetAllNetworkInterfaces()
                         .Where(n => n.OperationalStatus == OperationalStatus.Up)
                         .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                         .Select(a => a.Address)
                         .Where(a => !IPAddress.IsLoopback(a) && !a.IsIPv6LinkLocal))
            {
                names.Add(address.ToString());
            }
        }
        catch (NetworkInformationException)
        {
            // Addresses are a convenience for servers that check them; the names suffice.
        }

        return names.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>Why a stored certificate cannot be used any more, or null when it can.</summary>
    private static string? ProblemWith(X509Certificate2 certificate, ApplicationCertificateSettings settings, DateTimeOffset now)
    {
        var facts = CertificateFacts.Of(certificate);
        if (!string.Equals(facts.ApplicationUri, settings.ApplicationUri, StringComparison.Ordinal))
        {
            return $"is for ApplicationUri '{facts.ApplicationUri}', the configuration says '{settings.ApplicationUri}'";
        }

        if (certificate.NotAfter.ToUniversalTime() <= now.UtcDateTime)
        {
            return $"expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}";
        }

        if (certificate.NotAfter.ToUniversalTime() - now.UtcDateTime < settings.RenewBefore)
        {
            return $"expires on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}, within {settings.RenewBefore.TotalDays:0} days";
        }

        if (certificate.NotBefore.ToUniversalTime() > now.UtcDateTime)
        {
            return $"is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm}";
        }

        return facts.KeySize < ApplicationCertificateSettings.KeySize ? $"has a key of {facts.KeySize} bits, below {ApplicationCertificateSettings.KeySize}" : null;
    }

    private static string PrivateKeyFileFor(PkiDirectory pki, string certificateFile)
    {
        var name = Path.GetFileNameWithoutExtension(certificateFile);
        var pem = Path.Combine(pki.OwnPrivateKeys, name + ".pem");
        return File.Exists(pem) || !File.Exists(Path.Combine(pki.OwnPrivateKeys, name + ".pfx")) ? pem : Path.Combine(pki.OwnPrivateKeys, name + ".pfx");
    }

    private static X509Certificate2? TryLoadWithKey(X509Certificate2 certificate, string keyFile, out string problem)
    {
        problem = "";
        if (!File.Exists(keyFile))
        {
            problem = $"no private key {keyFile}";
            return null;
        }

        try
        {
            if (keyFile.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase))
            {
                var withKey = X509CertificateLoader.LoadPkcs12FromFile(keyFile, password: null, X509KeyStorageFlags.Exportable);
                if (withKey.Thumbprint == certificate.Thumbprint && withKey.HasPrivateKey)
                {
                    return withKey;
                }

                problem = $"{keyFile} holds another certificate";
                return null;
            }

            using var key = RSA.Create();
            key.ImportFromPem(File.ReadAllText(keyFile));
            using var publicKey = certificate.GetRSAPublicKey();
            if (publicKey is null || !publicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                problem = $"{keyFile} is not the key of this certificate";
                return null;
            }

            return certificate.CopyWithPrivateKey(key);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException)
        {
            problem = $"cannot read {keyFile}: {e.Message}";
            return null;
        }
    }

    private static void RestrictToOwner(string keyFile)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if ((File.GetUnixFileMode(keyFile) & ~ownerOnly) != 0)
        {
            File.SetUnixFileMode(keyFile, ownerOnly);
        }
    }
}
