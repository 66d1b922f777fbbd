using System.Security.Cryptography.X509Certificates;
using Gateway.OpcUa.Pki;
using Gateway.OpcUa.Security;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;
using Gateway.Testing;

namespace Gateway.OpcUa.Tests.Pki;

public sealed class ServerCertificateValidatorTests : IDisposable
{
    private readonly TestPki _pki = new();

    private ServerCertificateValidator Validator(bool checkHostName = true, bool autoAccept = false, Action<string>? warn = null) =>
        new(_pki.Directory) { CheckHostName = checkHostName, AutoAcceptUntrusted = autoAccept, Warn = warn };

    private UaCertificateException Refused(X509Certificate2 certificate, string? uri = TestPki.ServerUri, string host = "localhost", ServerCertificateValidator? validator = null, params X509Certificate2[] chain) =>
        Assert.Throws<UaCertificateException>(() => (validator ?? Validator()).Validate(certificate, chain, uri, host));

    [Fact]
    public void An_untrusted_certificate_is_copied_to_rejected_and_the_message_names_the_file_and_the_command()
    {
        var server = TestCertificates.SelfSignedServer();
        var refused = Refused(server);

        var expectedFile = Path.Combine(_pki.Directory.RejectedCertificates, $"PLC 1 [{server.Thumbprint}].der");
        Assert.Equal(StatusCodes.BadCertificateUntrusted, refused.StatusCode);
        Assert.Equal(expectedFile, refused.RejectedFile);
        Assert.Equal(server.RawData, File.ReadAllBytes(expectedFile));
        Assert.Contains(expectedFile, refused.Message, StringComparison.Ordinal);
        Assert.Contains($"move that file into {_pki.Directory.TrustedCertificates}", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"gateway cert trust \"{expectedFile}\"", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trusting_the_rejected_file_makes_the_next_validation_pass()
    {
        var server = TestCertificates.SelfSignedServer();
        var validator = Validator();
        var refused = Refused(server, validator: validator);

        var trustedFile = _pki.Directory.Trust(refused.RejectedFile!);

        validator.Validate(server, [], TestPki.ServerUri, "localhost");
        Assert.Equal(Path.Combine(_pki.Directory.TrustedCertificates, Path.GetFileName(refused.RejectedFile!)), trustedFile);
        Assert.False(File.Exists(refused.RejectedFile), "the file leaves rejected/");

        // And rejecting it again refuses it again.
        _pki.Directory.Reject(server.Thumbprint[..10]);
        Assert.Equal(StatusCodes.BadCertificateUntrusted, Refused(server, validator: validator).StatusCode);
    }

    [Fact]
    public void An_expired_trusted_certificate_is_refused_as_time_invalid()
    {
        var server = TestCertificates.SelfSignedServer(notBefore: DateTimeOffset.UtcNow.AddYears(-2), notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        _pki.Put(_pki.Directory.TrustedCertificates, server);

        var refused = Refused(server);
        Assert.Equal(StatusCodes.BadCertificateTimeInvalid, refused.StatusCode);
        Assert.Contains("not now", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_not_yet_valid_trusted_certificate_is_refused_as_time_invalid()
    {
        var server = TestCertificates.SelfSignedServer(notBefore: DateTimeOffset.UtcNow.AddDays(2), notAfter: DateTimeOffset.UtcNow.AddYears(1));
        _pki.Put(_pki.Directory.TrustedCertificates, server);

        Assert.Equal(StatusCodes.BadCertificateTimeInvalid, Refused(server).StatusCode);
    }

    [Fact]
    public void A_certificate_for_another_ApplicationUri_is_refused()
    {
        var server = TestCertificates.SelfSignedServer(uri: "urn:test:someone-else");
        _pki.Put(_pki.Directory.TrustedCertificates, server);

        var refused = Refused(server, uri: TestPki.ServerUri);
        Assert.Equal(StatusCodes.BadCertificateUriInvalid, refused.StatusCode);
        Assert.Contains("urn:test:someone-else", refused.Message, StringComparison.Ordinal);

        // Without an expected URI (not known yet) the URI is not checked.
        Validator().Validate(server, [], null, "localhost");
    }

    [Fact]
    public void A_certificate_that_does_not_name_the_host_is_refused_unless_the_check_is_off()
    {
        var server = TestCertificates.SelfSignedServer(hosts: ["plc-1.plant.local", "10.0.0.7"]);
        _pki.Put(_pki.Directory.TrustedCertificates, server);

        var refused = Refused(server, host: "plc-2.plant.local");
        Assert.Equal(StatusCodes.BadCertificateHostNameInvalid, refused.StatusCode);
        Assert.Contains("plc-1.plant.local, 10.0.0.7", refused.Message, StringComparison.Ordinal);
        Assert.Contains("checkHostName: false", refused.Message, StringComparison.Ordinal);

        Validator().Validate(server, [], TestPki.ServerUri, "PLC-1.plant.local");
        Validator().Validate(server, [], TestPki.ServerUri, "10.0.0.7");
        Validator(checkHostName: false).Validate(server, [], TestPki.ServerUri, "plc-2.plant.local");
        Assert.Equal(StatusCodes.BadCertificateHostNameInvalid, Refused(server, host: "127.0.0.1").StatusCode);
    }

    [Fact]
    public void Dialing_a_loopback_address_matches_a_certificate_that_names_this_machine()
    {
        var local = TestCertificates.SelfSignedServer(hosts: [System.Net.Dns.GetHostName()]);
        _pki.Put(_pki.Directory.TrustedCertificates, local);

        Validator().Validate(local, [], TestPki.ServerUri, "127.0.0.1");
        Validator().Validate(local, [], TestPki.ServerUri, "localhost");
        Validator().Validate(local, [], TestPki.ServerUri, "[::1]");
        Assert.Equal(StatusCodes.BadCertificateHostNameInvalid, Refused(local, host: "192.0.2.77").StatusCode);
    }

    [Fact]
    public void A_leaf_issued_by_a_trusted_CA_is_accepted_and_an_untrusted_CA_in_issuers_is_not_enough()
    {
        var ca = TestCertificates.CertificateAuthority();
        var server = TestCertificates.IssuedServer(ca);
        _pki.Put(_pki.Directory.IssuerCertificates, ca);

        // The CA helps build the chain, but issuers/ is not a trust list.
        Assert.Equal(StatusCodes.BadCertificateUntrusted, Refused(server).StatusCode);

        File.Delete(Path.Combine(_pki.Directory.IssuerCertificates, PkiDirectory.FileNameOf(ca)));
        _pki.Put(_pki.Directory.TrustedCertificates, ca);
        Validator().Validate(server, [], TestPki.ServerUri, "localhost");
    }

    [Fact]
    public void A_trusted_leaf_whose_CA_is_in_issuers_is_accepted_and_without_the_CA_the_chain_is_incomplete()
    {
        var ca = TestCertificates.CertificateAuthority();
        var server = TestCertificates.IssuedServer(ca);
        _pki.Put(_pki.Directory.TrustedCertificates, server);

        var refused = Refused(server);
        Assert.Equal(StatusCodes.BadCertificateInvalid, refused.StatusCode);
        Assert.Contains(_pki.Directory.IssuerCertificates, refused.Message, StringComparison.Ordinal);

        // The chain the server sends counts too.
        Validator().Validate(server, [ca], TestPki.ServerUri, "localhost");

        _pki.Put(_pki.Directory.IssuerCertificates, ca);
        Validator().Validate(server, [], TestPki.ServerUri, "localhost");
    }

    [Fact]
    public void A_certificate_revoked_by_its_CA_is_refused_and_a_CRL_signed_by_someone_else_is_ignored()
    {
        var ca = TestCertificates.CertificateAuthority();
        var server = TestCertificates.IssuedServer(ca, serial: 4242);
        var other = TestCertificates.IssuedServer(ca, "PLC 3", serial: 4343);
        _pki.Put(_pki.Directory.TrustedCertificates, ca);

        // A list that revokes another certificate changes nothing.
        File.WriteAllBytes(Path.Combine(_pki.Directory.TrustedCrls, "plant.crl"), TestCertificates.RevocationList(ca, other));
        Validator().Validate(server, [], TestPki.ServerUri, "localhost");

        // A forger with a CA of the same name cannot revoke (the signature does not verify).
        var forger = TestCertificates.CertificateAuthority();
        File.WriteAllBytes(Path.Combine(_pki.Directory.IssuerCrls, "forged.crl"), TestCertificates.RevocationList(forger, server));
        Validator().Validate(server, [], TestPki.ServerUri, "localhost");

        File.WriteAllBytes(Path.Combine(_pki.Directory.TrustedCrls, "plant.crl"), TestCertificates.RevocationList(ca, server, other));
        var refused = Refused(server);
        Assert.Equal(StatusCodes.BadCertificateRevoked, refused.StatusCode);
        Assert.Contains("Plant CA", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_below_2048_bits_is_refused_even_when_trusted()
    {
        var server = TestCertificates.SelfSignedServer(keySize: 1024);
        _pki.Put(_pki.Directory.TrustedCertificates, server);

        var refused = Refused(server);
        Assert.Equal(StatusCodes.BadCertificateInvalid, refused.StatusCode);
        Assert.Contains("1024 bits", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_pki.Directory.RejectedCertificates));
    }

    [Fact]
    public void Auto_accept_takes_an_untrusted_certificate_with_a_warning_each_time_but_not_an_expired_one()
    {
        var warnings = new List<string>();
        var validator = Validator(autoAccept: true, warn: warnings.Add);
        var server = TestCertificates.SelfSignedServer();

        validator.Validate(server, [], TestPki.ServerUri, "localhost");
        validator.Validate(server, [], TestPki.ServerUri, "localhost");

        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Contains("autoAcceptServerCertificate is on", w, StringComparison.Ordinal));
        Assert.Contains($"gateway cert trust \"{Path.Combine(_pki.Directory.RejectedCertificates, PkiDirectory.FileNameOf(server))}\"", warnings[0], StringComparison.Ordinal);

        var expired = TestCertificates.SelfSignedServer(notBefore: DateTimeOffset.UtcNow.AddYears(-2), notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        Assert.Equal(StatusCodes.BadCertificateTimeInvalid, Refused(expired, validator: validator).StatusCode);
    }

    [Fact]
    public void A_trusted_certificate_is_accepted_without_warnings_and_PEM_files_count_too()
    {
        var warnings = new List<string>();
        var server = TestCertificates.SelfSignedServer();
        File.WriteAllText(Path.Combine(_pki.Directory.TrustedCertificates, "plc1.pem"), server.ExportCertificatePem());

        Validator(autoAccept: true, warn: warnings.Add).Validate(server, [], TestPki.ServerUri, "127.0.0.1");
        Assert.Empty(warnings);
        Assert.Empty(Directory.GetFiles(_pki.Directory.RejectedCertificates));
    }

    public void Dispose() => _pki.Dispose();
}
