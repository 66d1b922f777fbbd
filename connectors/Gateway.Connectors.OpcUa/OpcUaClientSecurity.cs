using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Core;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Pki;
using Gateway.OpcUa.Security;
using Gateway.OpcUa.Session;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Transport;
using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa;

/// <summary>
/// The one mapping from a source's `security:` and `identity:` (with the `pki:` section) to the OPC UA client's
/// options: mode and policy, this gateway's application certificate, a validator over the PKI directory, the user
/// identity. The service and `gateway read`/`browse` both go through it, so they connect the same way.
/// </summary>
public sealed class OpcUaClientSecurity
{
    private readonly Func<ApplicationCertificate> _loadCertificate;
    private readonly Lock _gate = new();
    private ApplicationCertificate? _certificate;

    /// <param name="pki">The PKI directory (trust lists, rejected/).</param>
    /// <param name="loadCertificate">Loads or creates this gateway's certificate; called once, at the first secure connection.</param>
    /// <param name="applicationUri">The ApplicationUri for sessions that use no certificate (null keeps the client's default).</param>
    public OpcUaClientSecurity(PkiDirectory pki, Func<ApplicationCertificate> loadCertificate, string? applicationUri = null)
    {
        Pki = pki;
        _loadCertificate = loadCertificate;
        ApplicationUri = applicationUri;
    }

    public PkiDirectory Pki { get; }

    public string? ApplicationUri { get; }

    /// <summary>For the service: the certificate of the `pki:` section, created or renewed as needed, with a log line.</summary>
    public static OpcUaClientSecurity ForService(ApplicationIdentity application, Action<string> log)
    {
        var directory = PkiSettings.Directory(application);
        var settings = PkiSettings.Certificate(application);
        return new OpcUaClientSecurity(directory, () => ApplicationCertificate.LoadOrCreate(directory, settings, log), settings.ApplicationUri);
    }

    /// <summary>
    /// For command-line tools: the certificate already in the directory, whatever its ApplicationUri (a tool must never
    /// replace the certificate servers trust), or a new one when there is none.
    /// </summary>
    public static OpcUaClientSecurity ForTool(PkiDirectory directory, ApplicationCertificateSettings settings, Action<string> log) =>
        new(directory, () => ApplicationCertificate.LoadExisting(directory) ?? ApplicationCertificate.LoadOrCreate(directory, settings, log));

    /// <summary>
    /// The options with this source's security and identity. Throws <see cref="UaException"/> (BadConfigurationError)
    /// when a file it needs cannot be read, so a connector reports it and retries like any connection problem.
    /// </summary>
    /// <param name="warn">Receives the auto-accept warning, each time an untrusted server certificate is accepted.</param>
    public OpcUaClientOptions Apply(OpcUaClientOptions options, OpcUaSecurityOptions security, OpcUaIdentityOptions identity, Action<string> warn)
    {
        var mode = security.Mode switch
        {
            "none" => SecurityModeChoice.None,
            "sign" => SecurityModeChoice.Sign,
            "signAndEncrypt" => SecurityModeChoice.SignAndEncrypt,
            _ => SecurityModeChoice.Best,
        };
        var policy = string.IsNullOrEmpty(security.Policy)
            ? null
            : SecurityPolicyUris.Resolve(security.Policy) ?? throw new UaException(StatusCodes.BadConfigurationError, $"unknown security policy '{security.Policy}'");

        options = options with
        {
            SecurityMode = mode,
            SecurityPolicyUri = policy,
            Identity = UserIdentityOf(identity),

            // Also with mode none: the password of a username identity is encrypted with the server's certificate.
            ServerCertificateValidator = new ServerCertificateValidator(Pki)
            {
                CheckHostName = security.CheckHostName,
                AutoAcceptUntrusted = security.AutoAcceptServerCertificate,
                Warn = warn,
            },
            ApplicationUri = ApplicationUri ?? options.ApplicationUri,
        };
        if (mode == SecurityModeChoice.None)
        {
            return options;
        }

        var certificate = Certificate();
        return options with
        {
            ApplicationCertificate = certificate.Certificate,
            ApplicationUri = CertificateFacts.Of(certificate.Certificate).ApplicationUri ?? options.ApplicationUri,
            ApplicationName = CertificateFacts.Of(certificate.Certificate).CommonName,
        };
    }

    /// <summary>This gateway's certificate, loaded (or created) at the first call; a failure is retried at the next.</summary>
    public ApplicationCertificate Certificate()
    {
        lock (_gate)
        {
            try
            {
                return _certificate ??= _loadCertificate();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new UaException(StatusCodes.BadConfigurationError, $"cannot load or create this gateway's certificate in {Pki.Root}: {e.Message}");
            }
        }
    }

    /// <summary>The identity for ActivateSession; a user certificate is read from its files at each call (so a replaced file is used).</summary>
    public static UserIdentity UserIdentityOf(OpcUaIdentityOptions identity) => identity.Type switch
    {
        "username" => UserIdentity.UserName(identity.Username ?? "", identity.Password ?? "", identity.AllowPlainTextPassword),
        "certificate" => UserIdentity.Certificate(LoadUserCertificate(identity.Certificate!, identity.PrivateKey ?? identity.Certificate!)),
        _ => UserIdentity.Anonymous,
    };

    private static X509Certificate2 LoadUserCertificate(string certificateFile, string keyFile)
    {
        try
        {
            var certificates = PkiDirectory.ReadCertificates(File.ReadAllBytes(certificateFile));
            var certificate = certificates.Count > 0
                ? certificates[0]
                : throw new UaException(StatusCodes.BadConfigurationError, $"the user certificate file {certificateFile} holds no certificate (DER or PEM)");
            using var key = RSA.Create();
            key.ImportFromPem(File.ReadAllText(keyFile));
            return certificate.CopyWithPrivateKey(key);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new UaException(StatusCodes.BadConfigurationError, $"cannot use the user certificate {certificateFile} with the key {keyFile}: {e.Message}");
        }
    }
}
