using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

using MQTTnet;

namespace Gateway.Sinks.Mqtt;

/// <summary>
/// The TLS side of the broker connection: trusts the configured CA (or the system store), checks the server name
/// unless told not to, and presents the client certificate. Remembers why the last handshake was refused, for the log.
/// </summary>
public sealed class BrokerTls
{
    private readonly BrokerConnectionOptions _options;
    private readonly X509Certificate2Collection? _trustedRoots;
    private readonly X509Certificate2? _clientCertificate;

    public BrokerTls(BrokerConnectionOptions options)
    {
        _options = options;
        if (!string.IsNullOrEmpty(options.CaFile))
        {
            _trustedRoots = [];
            _trustedRoots.ImportFromPemFile(options.CaFile);
        }

        if (!string.IsNullOrEmpty(options.CertFile))
        {
            using var pem = X509Certificate2.CreateFromPemFile(options.CertFile, options.KeyFile);

            // SslStream on Windows needs a key that is not ephemeral; a PKCS#12 round trip gives one everywhere.
            _clientCertificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
    }

    /// <summary>Why the broker's certificate was last refused, or null.</summary>
    public string? LastRefusal { get; private set; }

    public MqttClientTlsOptions BuildOptions(string host)
    {
        var builder = new MqttClientTlsOptionsBuilder()
            .UseTls()
            .WithTargetHost(string.IsNullOrEmpty(_options.ServerName) ? host : _options.ServerName)
            .WithCertificateValidationHandler(Validate);
        if (_clientCertificate is not null)
        {
            builder.WithClientCertificates([_clientCertificate]);
        }

        return builder.Build();
    }

    private bool Validate(MqttClientCertificateValidationEventArgs e)
    {
        LastRefusal = null;
        if (e.Certificate is null)
        {
            LastRefusal = "the broker sent no certificate";
            return false;
        }

        var errors = e.SslPolicyErrors;
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            if (_options.CheckServerName)
            {
                LastRefusal = $"the broker's certificate ({e.Certificate.Subject}) does not name '{ExpectedName()}'; set `serverName` to a name it carries";
                return false;
            }

            errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
        }

        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (_trustedRoots is null || (errors & SslPolicyErrors.RemoteCertificateChainErrors) == 0)
        {
            LastRefusal = $"the broker's certificate ({e.Certificate.Subject}) is not trusted ({errors}); set `caFile` to the CA that signed it";
            return false;
        }

        // Build the chain again against the configured CA only, not the system store.
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_trustedRoots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (e.Chain is not null)
        {
            foreach (var element in e.Chain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var certificate = new X509Certificate2(e.Certificate);
        if (chain.Build(certificate))
        {
            return true;
        }

        var status = string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct());
        LastRefusal = $"the broker's certificate ({e.Certificate.Subject}) is not signed by the CA in {_options.CaFile}: {status}";
        return false;
    }

    private string ExpectedName() => string.IsNullOrEmpty(_options.ServerName) ? _options.Host : _options.ServerName;
}
