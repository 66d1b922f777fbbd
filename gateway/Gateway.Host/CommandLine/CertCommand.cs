using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.OpcUa.Pki;

namespace Gateway.Host.CommandLine;

/// <summary>
/// `gateway cert list | show | trust | reject | create`: the PKI directory for the person at the machine. Which
/// certificate is this gateway's (to give to a server's administrator), which servers are trusted, which were refused
/// and wait for a decision. See docs/security.md.
/// </summary>
public static class CertCommand
{
    public static Command Create()
    {
        var command = new Command("cert", "Certificates: this gateway's own, the trusted servers, the rejected ones.");
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateShow());
        command.Subcommands.Add(CreateTrust());
        command.Subcommands.Add(CreateReject());
        command.Subcommands.Add(CreateCreate());
        return command;
    }

    private static Command CreateList()
    {
        var (pki, config) = (PkiLocation.Option(), GatewayCommandLine.ConfigOption());
        var command = new Command("list", "Every certificate in the PKI directory, by folder.") { pki, config };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (PkiLocation.Resolve(parse.GetValue(pki), parse.GetValue(config), null, parse.InvocationConfiguration.Error) is not { } location)
            {
                return ExitCodes.InvalidConfiguration;
            }

            var directory = location.Directory;
            output.WriteLine($"PKI directory: {directory.Root}");
            WriteGroup(output, "This gateway (own/certs): give this file to each server's administrator", directory.Own(), "none yet: `gateway cert create` makes it, or the gateway does on its first secure connection");
            WriteGroup(output, "Trusted (trusted/certs): servers or CAs this gateway accepts", directory.Trusted(), "none");
            WriteGroup(output, "Issuers (issuers/certs): CAs used to check chains, not trusted by themselves", directory.Issuers(), "none");
            WriteGroup(output, "Rejected (rejected/certs): refused servers; if one is right, run `gateway cert trust FILE`", directory.Rejected(), "none");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateShow() => OnOneCertificate(
        "show",
        "Everything about one certificate.",
        "A certificate file, or a thumbprint (at least its first 8 characters) of one in the PKI directory.",
        (output, directory, found) => WriteDetails(output, found, directory));

    private static Command CreateTrust() => OnOneCertificate(
        "trust",
        "Trust a server (or CA) certificate: it goes to trusted/certs and leaves rejected/certs.",
        "The certificate to trust: usually a file in rejected/certs, as the connection error named it.",
        (output, directory, found) =>
        {
            var trusted = directory.Trust(found.Path);
            output.WriteLine($"Trusted '{CertificateFacts.Of(found.Certificate).CommonName}' (thumbprint {found.Certificate.Thumbprint}).");
            output.WriteLine($"  now in   {trusted}");
            output.WriteLine("The gateway accepts this server on its next connection attempt; no restart needed.");
        });

    private static Command CreateReject() => OnOneCertificate(
        "reject",
        "Stop trusting a certificate: it leaves trusted/certs and is kept in rejected/certs.",
        "The certificate to stop trusting: a file in trusted/certs or its thumbprint.",
        (output, directory, found) =>
        {
            var rejected = directory.Reject(found.Path);
            output.WriteLine($"No longer trusted: '{CertificateFacts.Of(found.Certificate).CommonName}' (thumbprint {found.Certificate.Thumbprint}).");
            output.WriteLine($"  kept in  {rejected}");
            output.WriteLine("New connections to this server are refused; sessions already open stay until they reconnect.");
        });

    /// <summary>A verb that acts on one certificate named by file or thumbprint: finds the PKI directory and the certificate, then acts.</summary>
    private static Command OnOneCertificate(string name, string description, string argumentDescription, Action<TextWriter, PkiDirectory, StoredCertificate> act)
    {
        var (pki, config) = (PkiLocation.Option(), GatewayCommandLine.ConfigOption());
        var which = new Argument<string>("FILE|THUMBPRINT") { Description = argumentDescription };
        var command = new Command(name, description) { which, pki, config };
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            var given = parse.GetValue(which)!;
            if (PkiLocation.Resolve(parse.GetValue(pki), parse.GetValue(config), given, error) is not { } location)
            {
                return ExitCodes.InvalidConfiguration;
            }

            if (Find(location.Directory, given, error) is not { } found)
            {
                return ExitCodes.Usage;
            }

            try
            {
                act(parse.InvocationConfiguration.Output, location.Directory, found);
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Usually the PKI directory belongs to the service user: run as that user (sudo -u gateway ...).
                error.WriteLine($"gateway cert {name}: {e.Message}");
                return ExitCodes.RuntimeError;
            }
        });
        return command;
    }

    private static Command CreateCreate()
    {
        var (pki, config) = (PkiLocation.Option(), GatewayCommandLine.ConfigOption());
        var force = new Option<bool>("--force") { Description = "Make a new certificate and key even if a valid one exists (every server must then trust the new one)." };
        var command = new Command("create", "Create this gateway's application certificate now (the gateway also does on first start), and print it.") { pki, config, force };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (PkiLocation.Resolve(parse.GetValue(pki), parse.GetValue(config), null, parse.InvocationConfiguration.Error) is not { } location)
            {
                return ExitCodes.InvalidConfiguration;
            }

            var certificate = parse.GetValue(force)
                ? ApplicationCertificate.Create(location.Directory, location.Certificate)
                : ApplicationCertificate.LoadOrCreate(location.Directory, location.Certificate, output.WriteLine);
            if (!certificate.Created)
            {
                output.WriteLine("This gateway already has a valid certificate (use --force to replace it):");
            }
            else if (parse.GetValue(force))
            {
                output.WriteLine("Created a new certificate; every server that trusted the old one must now trust this one:");
            }

            WriteDetails(output, new StoredCertificate(certificate.CertificateFile, certificate.Certificate), location.Directory);
            output.WriteLine($"  private key  {certificate.PrivateKeyFile} (stays here; never copy it anywhere)");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static StoredCertificate? Find(PkiDirectory directory, string fileOrThumbprint, TextWriter error)
    {
        try
        {
            var found = directory.Find(fileOrThumbprint);
            if (found is null)
            {
                error.WriteLine($"gateway cert: no certificate file or thumbprint '{fileOrThumbprint}' (see `gateway cert list`; PKI directory {directory.Root}).");
            }

            return found;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"gateway cert: {e.Message}");
            return null;
        }
    }

    private static void WriteGroup(TextWriter output, string title, IReadOnlyList<StoredCertificate> certificates, string empty)
    {
        output.WriteLine();
        output.WriteLine($"{title}:");
        if (certificates.Count == 0)
        {
            output.WriteLine($"  ({empty})");
            return;
        }

        foreach (var stored in certificates)
        {
            var facts = CertificateFacts.Of(stored.Certificate);
            output.WriteLine($"  {facts.CommonName}");
            output.WriteLine($"    thumbprint  {stored.Certificate.Thumbprint}");
            output.WriteLine($"    valid       {Validity(stored.Certificate)}");
            output.WriteLine($"    uri         {facts.ApplicationUri ?? "(none)"}");
            output.WriteLine($"    file        {stored.Path}");
        }
    }

    private static void WriteDetails(TextWriter output, StoredCertificate stored, PkiDirectory directory)
    {
        var certificate = stored.Certificate;
        var facts = CertificateFacts.Of(certificate);
        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault()?.KeyUsages.ToString() ?? "(not restricted)";
        var isCa = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault()?.CertificateAuthority == true;
        output.WriteLine($"  subject      {certificate.Subject}");
        output.WriteLine($"  issuer       {(facts.IsSelfSigned ? "(self-signed)" : certificate.Issuer)}");
        output.WriteLine($"  thumbprint   {certificate.Thumbprint}   (SHA-1, what OPC UA tools show)");
        output.WriteLine($"  sha-256      {certificate.GetCertHashString(HashAlgorithmName.SHA256)}");
        output.WriteLine($"  serial       {certificate.SerialNumber}");
        output.WriteLine($"  valid        {Validity(certificate)}");
        output.WriteLine($"  uri          {facts.ApplicationUri ?? "(none)"}");
        output.WriteLine($"  hosts        {string.Join(", ", facts.DnsNames.Concat(facts.IpAddresses.Select(a => a.ToString())))}");
        output.WriteLine($"  key          {certificate.PublicKey.Oid.FriendlyName} {facts.KeySize} bits, signed with {certificate.SignatureAlgorithm.FriendlyName}");
        output.WriteLine($"  usage        {usage}{(isCa ? ", certificate authority" : "")}");
        output.WriteLine($"  where        {Folder(stored.Path, directory)}");
        output.WriteLine($"  file         {stored.Path}");
    }

    private static string Validity(X509Certificate2 certificate)
    {
        var from = certificate.NotBefore.ToUniversalTime();
        var to = certificate.NotAfter.ToUniversalTime();
        var now = DateTime.UtcNow;
        var state = now < from ? "NOT YET VALID" : now > to ? "EXPIRED" : $"{(int)(to - now).TotalDays} days left";
        return $"{from:yyyy-MM-dd} to {to:yyyy-MM-dd} ({state})";
    }

    private static string Folder(string path, PkiDirectory directory)
    {
        var folder = Path.GetDirectoryName(path) ?? "";
        return folder == directory.OwnCertificates ? "own: this gateway's certificate"
            : folder == directory.TrustedCertificates ? "trusted"
            : folder == directory.IssuerCertificates ? "issuers (CA, not trusted by itself)"
            : folder == directory.RejectedCertificates ? "rejected: run `gateway cert trust` with this file to trust it"
            : "outside the PKI directory";
    }
}
