using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.OpcUa.Pki;

/// <summary>A certificate file in the PKI directory, with the certificate it holds.</summary>
public sealed record StoredCertificate(string Path, X509Certificate2 Certificate);

/// <summary>
/// The PKI directory, in the layout of Part 12, Annex F (the one OPC UA tools and servers use):
/// <code>
/// own/certs        this gateway's application instance certificate (DER)
/// own/private      its private key (PEM, PKCS#8, readable by the owner only)
/// trusted/certs    server certificates (or CA certificates) the operator trusts
/// trusted/crl      revocation lists of the trusted CAs
/// issuers/certs    CA certificates needed to build a chain, not trusted by themselves
/// issuers/crl      revocation lists of those CAs
/// rejected/certs   server certificates that were refused, waiting for the operator's decision
/// </code>
/// Annex F names the CA store `issuer`; we use `issuers`, like node-opcua, and read both. Files are named
/// `&lt;common name&gt; [&lt;thumbprint&gt;].der`, so two certificates with the same name never overwrite each other.
/// The directory is read on every use: a file moved into trusted/certs works on the next connection, without a restart.
/// </summary>
public sealed class PkiDirectory
{
    private static readonly string[] CertificateExtensions = [".der", ".cer", ".crt", ".pem"];
    private static readonly string[] CrlExtensions = [".crl", ".der", ".pem"];

    public PkiDirectory(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public string OwnCertificates => Path.Combine(Root, "own", "certs");

    public string OwnPrivateKeys => Path.Combine(Root, "own", "private");

    public string TrustedCertificates => Path.Combine(Root, "trusted", "certs");

    public string TrustedCrls => Path.Combine(Root, "trusted", "crl");

    public string IssuerCertificates => Path.Combine(Root, "issuers", "certs");

    public string IssuerCrls => Path.Combine(Root, "issuers", "crl");

    public string RejectedCertificates => Path.Combine(Root, "rejected", "certs");

    /// <summary>Creates every folder of the layout; own/private is readable by the owner only (Linux).</summary>
    public PkiDirectory EnsureCreated()
    {
        foreach (var folder in new[] { OwnCertificates, TrustedCertificates, TrustedCrls, IssuerCertificates, IssuerCrls, RejectedCertificates })
        {
            Directory.CreateDirectory(folder);
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(OwnPrivateKeys);
        }
        else
        {
            Directory.CreateDirectory(OwnPrivateKeys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return this;
    }

    /// <summary>`&lt;common name&gt; [&lt;thumbprint&gt;].der`, with characters a file name cannot hold replaced by '_'.</summary>
    public static string FileNameOf(X509Certificate2 certificate, string extension = ".der")
    {
        var name = CertificateFacts.Of(certificate).CommonName;
        if (string.IsNullOrWhiteSpace(name))
        {
            name = "certificate";
        }

        var invalid = Path.GetInvalidFileNameChars();
        var safe = new string(name.Select(c => invalid.Contains(c) || c == '/' || c == '\\' ? '_' : c).ToArray()).Trim();
        return $"{safe} [{certificate.Thumbprint}]{extension}";
    }

    public IReadOnlyList<StoredCertificate> Trusted() => ReadFolder(TrustedCertificates);

    public IReadOnlyList<StoredCertificate> Issuers() => [.. ReadFolder(IssuerCertificates), .. ReadFolder(Path.Combine(Root, "issuer", "certs"))];

    public IReadOnlyList<StoredCertificate> Rejected() => ReadFolder(RejectedCertificates);

    public IReadOnlyList<StoredCertificate> Own() => ReadFolder(OwnCertificates);

    /// <summary>The revocation lists (DER) of trusted/crl and issuers/crl.</summary>
    public IReadOnlyList<byte[]> RevocationLists()
    {
        var lists = new List<byte[]>();
        foreach (var folder in new[] { TrustedCrls, IssuerCrls, Path.Combine(Root, "issuer", "crl") })
        {
            foreach (var file in FilesIn(folder, CrlExtensions))
            {
                lists.AddRange(ReadDerOrPem(File.ReadAllBytes(file), "X509 CRL"));
            }
        }

        return lists;
    }

    /// <summary>Copies a refused certificate into rejected/certs (once per certificate) and returns the file's path.</summary>
    public string SaveRejected(X509Certificate2 certificate)
    {
        Directory.CreateDirectory(RejectedCertificates);
        var path = Path.Combine(RejectedCertificates, FileNameOf(certificate));
        if (!File.Exists(path))
        {
            WriteAtomically(path, certificate.RawData);
        }

        return path;
    }

    /// <summary>
    /// Trusts a certificate: a file anywhere, or a thumbprint (or its first 8+ characters) of a certificate in this
    /// directory. It is written to trusted/certs and removed from rejected/certs. Returns the trusted file's path.
    /// </summary>
    public string Trust(string fileOrThumbprint)
    {
        var found = Find(fileOrThumbprint) ?? throw new FileNotFoundException($"No certificate file or thumbprint '{fileOrThumbprint}' (looked in {Root} and the working directory).");
        Directory.CreateDirectory(TrustedCertificates);
        var target = Path.Combine(TrustedCertificates, FileNameOf(found.Certificate));
        WriteAtomically(target, found.Certificate.RawData);
        RemoveFrom(RejectedCertificates, found.Certificate.Thumbprint);
        return target;
    }

    /// <summary>Stops trusting a certificate: it leaves trusted/certs and is kept in rejected/certs. Returns the rejected file's path.</summary>
    public string Reject(string fileOrThumbprint)
    {
        var found = Find(fileOrThumbprint) ?? throw new FileNotFoundException($"No certificate file or thumbprint '{fileOrThumbprint}' (looked in {Root} and the working directory).");
        var target = SaveRejected(found.Certificate);
        RemoveFrom(TrustedCertificates, found.Certificate.Thumbprint);
        return target;
    }

    /// <summary>A certificate by file path, or by thumbprint (whole, or a prefix of at least 8 hex digits) in any folder.</summary>
    public StoredCertificate? Find(string fileOrThumbprint)
    {
        if (File.Exists(fileOrThumbprint))
        {
            var path = Path.GetFullPath(fileOrThumbprint);
            var certificates = ReadCertificates(File.ReadAllBytes(path));
            return certificates.Count > 0
                ? new StoredCertificate(path, certificates[0])
                : throw new InvalidDataException($"{path} holds no certificate (DER or PEM).");
        }

        var prefix = fileOrThumbprint.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        if (prefix.Length < 8 || !prefix.All(Uri.IsHexDigit))
        {
            return null;
        }

        return new[] { Own(), Trusted(), Issuers(), Rejected() }
            .SelectMany(list => list)
            .FirstOrDefault(c => c.Certificate.Thumbprint.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Every certificate in a DER file or a PEM file (which may hold several).</summary>
    public static IReadOnlyList<X509Certificate2> ReadCertificates(byte[] contents)
    {
        var certificates = new List<X509Certificate2>();
        foreach (var der in ReadDerOrPem(contents, "CERTIFICATE"))
        {
            try
            {
                certificates.Add(X509CertificateLoader.LoadCertificate(der));
            }
            catch (CryptographicException)
            {
                // Not a certificate (e.g. a key file beside it): skipped.
            }
        }

        return certificates;
    }

    /// <summary>Writes a file by renaming a complete temporary file over it, so a reader never sees half a certificate.</summary>
    internal static void WriteAtomically(string path, ReadOnlySpan<byte> contents, bool ownerOnly = false)
    {
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (ownerOnly && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(contents);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static IReadOnlyList<StoredCertificate> ReadFolder(string folder)
    {
        var found = new List<StoredCertificate>();
        foreach (var file in FilesIn(folder, CertificateExtensions))
        {
            byte[] contents;
            try
            {
                contents = File.ReadAllBytes(file);
            }
            catch (IOException)
            {
                continue; // removed while we looked
            }

            found.AddRange(ReadCertificates(contents).Select(c => new StoredCertificate(file, c)));
        }

        return found;
    }

    private static IEnumerable<string> FilesIn(string folder, string[] extensions) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder).Where(f => extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)
            : [];

    private static void RemoveFrom(string folder, string thumbprint)
    {
        foreach (var stored in ReadFolder(folder).Where(s => s.Certificate.Thumbprint == thumbprint))
        {
            File.Delete(stored.Path);
        }
    }

    private static List<byte[]> ReadDerOrPem(byte[] contents, string label)
    {
        var text = contents.Length > 0 && contents[0] == (byte)'-' || contents.AsSpan().IndexOf("-----BEGIN "u8) >= 0
            ? System.Text.Encoding.ASCII.GetString(contents)
            : null;
        if (text is null)
        {
            return [contents];
        }

        var blocks = new List<byte[]>();
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual(label))
            {
                blocks.Add(Convert.FromBase64String(rest[fields.Base64Data].ToString()));
            }

            rest = rest[fields.Location.End..];
        }

        return blocks;
    }
}
