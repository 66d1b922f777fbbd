using Gateway.Core;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Pki;
using Gateway.OpcUa.Security;
using Gateway.OpcUa.Session;
using Gateway.OpcUa.Status;
using Gateway.Testing;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>
/// A source with `security:` and `identity:` as the service runs it (OpcUaClientSecurity.ForService), against the
/// node-opcua secure server (tests/servers/opcua-secure); and the mapping of the YAML onto the client options.
/// </summary>
public sealed class SecureSourceTests : IDisposable
{
    private readonly string _data = RepositoryPaths.NewTempDirectory("gw-secure-source");

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private OpcUaClientSecurity Security(List<string> log, string uri = "urn:edge-test:gateway") =>
        OpcUaClientSecurity.ForService(new ApplicationIdentity(Path.Combine(_data, "pki"), uri, "Changwon Edge Gateway", "Changwon DX Center", ["edge-test"]), log.Add);

    [Fact]
    public async Task The_source_is_refused_until_the_operator_trusts_the_server_then_reads_without_a_restart()
    {
        await using var server = await NodeOpcUaSecureServer.StartAsync(doubles: 1);
        var source = TestSources.Source(server.EndpointUrl);
        source.Security = new OpcUaSecurityOptions { Mode = "signAndEncrypt", Policy = "Aes256_Sha256_RsaPss" };
        source.Identity = new OpcUaIdentityOptions { Type = "username", Username = NodeOpcUaSecureServer.UserName, Password = NodeOpcUaSecureServer.Password };
        var tags = new[] { TestSources.Tag("answer", "nsu=urn:gateway:tests;s=Answer", AcquisitionMode.Poll, 200) };
        var pkiLog = new List<string>();
        var log = new LogLines();
        var output = new CollectingWriter();
        using var stop = new CancellationTokenSource();
        var connector = TestSources.Connector(source, tags, log, TimeProvider.System, Security(pkiLog));
        var run = connector.RunAsync(output, stop.Token);

        var rejected = Path.Combine(_data, "pki", "rejected", "certs");
        // The PKI writes the file under a temporary name and renames it: wait for the .der itself.
        await Eventually.HoldsAsync(() => Directory.Exists(rejected) && Directory.GetFiles(rejected, "*.der").Length == 1, TimeSpan.FromSeconds(30), "the server certificate in rejected/certs");
        var file = Directory.GetFiles(rejected, "*.der")[0];
        try
        {
            await Eventually.HoldsAsync(() => log.Count(file) > 0, TimeSpan.FromSeconds(60), "a log line naming the rejected file");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} ({file}); the connector's log:\n{string.Join("\n", log.Lines.Take(40))}", e);
        }

        Assert.Contains(log.Lines, l => l.Contains(file, StringComparison.Ordinal) && l.Contains("is not trusted", StringComparison.Ordinal) && l.Contains("gateway cert trust", StringComparison.Ordinal));
        Assert.DoesNotContain(output.Readings, r => r.Quality == Quality.Good);

        new PkiDirectory(Path.Combine(_data, "pki")).Trust(file);

        await output.WaitUntilAsync(readings => readings.Any(r => r.Quality == Quality.Good && r.Value.TryGetNumber() == 42.5), TimeSpan.FromSeconds(30), "a Good reading over SignAndEncrypt after trust");
        await stop.CancelAsync();
        await run;

        // One certificate, made once, for every attempt.
        Assert.Single(Directory.GetFiles(Path.Combine(_data, "pki", "own", "certs")));
        Assert.Single(pkiLog, l => l.StartsWith("Created the application instance certificate", StringComparison.Ordinal));
    }

    [Fact]
    public void The_yaml_maps_onto_the_client_options_and_the_certificate_is_made_once()
    {
        var log = new List<string>();
        var security = Security(log);
        var baseOptions = new OpcUaClientOptions();

        var none = security.Apply(baseOptions, new OpcUaSecurityOptions { Mode = "none" }, new OpcUaIdentityOptions(), _ => { });
        Assert.Equal(SecurityModeChoice.None, none.SecurityMode);
        Assert.Null(none.ApplicationCertificate);
        Assert.Equal("urn:edge-test:gateway", none.ApplicationUri);
        Assert.Empty(log);

        var warnings = new List<string>();
        var signed = security.Apply(
            baseOptions,
            new OpcUaSecurityOptions { Mode = "sign", Policy = "Basic256Sha256", AutoAcceptServerCertificate = true, CheckHostName = false },
            new OpcUaIdentityOptions { Type = "username", Username = "op", Password = "pw", AllowPlainTextPassword = true },
            warnings.Add);
        Assert.Equal(SecurityModeChoice.Sign, signed.SecurityMode);
        Assert.Equal(SecurityPolicyUris.Basic256Sha256, signed.SecurityPolicyUri);
        Assert.Equal(new UserNameIdentity("op", "pw", true), signed.Identity);
        Assert.True(signed.ApplicationCertificate!.HasPrivateKey);
        Assert.Equal("urn:edge-test:gateway", signed.ApplicationUri);

        // The validator carries the source's choices: auto-accept (with its warning) and no host name check.
        var stranger = TestCertificates.SelfSignedServer(hosts: ["elsewhere"]);
        signed.ServerCertificateValidator!.Validate(stranger, [], TestCertificates.ServerUri, "127.0.0.9");
        Assert.Contains("autoAcceptServerCertificate is on", Assert.Single(warnings), StringComparison.Ordinal);

        var best = security.Apply(baseOptions, new OpcUaSecurityOptions(), new OpcUaIdentityOptions(), _ => { });
        Assert.Equal(SecurityModeChoice.Best, best.SecurityMode);
        Assert.Null(best.SecurityPolicyUri);
        Assert.Same(signed.ApplicationCertificate, best.ApplicationCertificate);
        Assert.Single(log);
    }

    [Fact]
    public void A_user_certificate_is_loaded_with_its_key_and_a_missing_file_is_a_configuration_error()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=operator", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var user = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var certificateFile = Path.Combine(_data, "operator.pem");
        var keyFile = Path.Combine(_data, "operator.key");
        File.WriteAllText(certificateFile, user.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());

        var identity = OpcUaClientSecurity.UserIdentityOf(new OpcUaIdentityOptions { Type = "certificate", Certificate = certificateFile, PrivateKey = keyFile });
        var loaded = Assert.IsType<CertificateIdentity>(identity).UserCertificate;
        Assert.Equal(user.Thumbprint, loaded.Thumbprint);
        Assert.True(loaded.HasPrivateKey);

        var missing = Assert.Throws<Gateway.OpcUa.Status.UaException>(() => OpcUaClientSecurity.UserIdentityOf(new OpcUaIdentityOptions { Type = "certificate", Certificate = Path.Combine(_data, "nope.der"), PrivateKey = keyFile }));
        Assert.Equal(Gateway.OpcUa.Status.StatusCodes.BadConfigurationError, missing.StatusCode);
        Assert.Contains("nope.der", missing.Message, StringComparison.Ordinal);
    }
}
