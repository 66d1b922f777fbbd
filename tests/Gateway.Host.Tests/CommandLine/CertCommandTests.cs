using Gateway.Host.CommandLine;
using Gateway.OpcUa.Pki;
using Gateway.OpcUa.Security;
using Gateway.OpcUa.Status;
using Gateway.Testing;

namespace Gateway.Host.Tests.CommandLine;

/// <summary>`gateway cert ...` on a PKI directory in a temporary folder; server certificates are made in the test.</summary>
public sealed class CertCommandTests : IDisposable
{
    private readonly string _root = RepositoryPaths.NewTempDirectory("gw-cert");

    private string Pki => Path.Combine(_root, "pki");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>A refused connection, as the validator leaves it: the server's certificate in rejected/certs.</summary>
    private string RejectedServerFile(System.Security.Cryptography.X509Certificates.X509Certificate2 server)
    {
        var validator = new ServerCertificateValidator(new PkiDirectory(Pki).EnsureCreated());
        var refused = Assert.Throws<UaCertificateException>(() => validator.Validate(server, [], TestCertificates.ServerUri, "localhost"));
        return refused.RejectedFile!;
    }

    [Fact]
    public async Task Create_makes_the_certificate_once_and_prints_where_it_is()
    {
        var (exit, output, error) = await CommandLineRunner.RunAsync("cert", "create", "--pki", Pki);
        Assert.True(exit == ExitCodes.Ok, error);
        var file = Assert.Single(Directory.GetFiles(Path.Combine(Pki, "own", "certs")));
        Assert.Contains($"file         {file}", output, StringComparison.Ordinal);
        Assert.Contains("uri          urn:", output, StringComparison.Ordinal);
        Assert.Contains("key          RSA 2048 bits", output, StringComparison.Ordinal);

        var (again, secondOutput, _) = await CommandLineRunner.RunAsync("cert", "create", "--pki", Pki);
        Assert.Equal(ExitCodes.Ok, again);
        Assert.Contains("already has a valid certificate", secondOutput, StringComparison.Ordinal);
        Assert.Equal(file, Assert.Single(Directory.GetFiles(Path.Combine(Pki, "own", "certs"))));

        var (forced, _, _) = await CommandLineRunner.RunAsync("cert", "create", "--pki", Pki, "--force");
        Assert.Equal(ExitCodes.Ok, forced);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(Pki, "own", "certs")).Length);
    }

    [Fact]
    public async Task Trust_takes_the_file_the_error_named_without_pki_and_the_next_validation_passes()
    {
        var server = TestCertificates.SelfSignedServer();
        var rejected = RejectedServerFile(server);

        var (exit, output, error) = await CommandLineRunner.RunAsync("cert", "trust", rejected);

        Assert.True(exit == ExitCodes.Ok, error);
        var trusted = Path.Combine(Pki, "trusted", "certs", Path.GetFileName(rejected));
        Assert.Contains($"now in   {trusted}", output, StringComparison.Ordinal);
        Assert.True(File.Exists(trusted));
        Assert.False(File.Exists(rejected));
        new ServerCertificateValidator(new PkiDirectory(Pki)).Validate(server, [], TestCertificates.ServerUri, "localhost");
    }

    [Fact]
    public async Task List_shows_each_folder_with_name_thumbprint_validity_and_uri()
    {
        var refused = TestCertificates.SelfSignedServer("Press 4");
        RejectedServerFile(refused);
        var trusted = TestCertificates.SelfSignedServer("PLC 1");
        await CommandLineRunner.RunAsync("cert", "trust", RejectedServerFile(trusted));

        var (exit, output, _) = await CommandLineRunner.RunAsync("cert", "list", "--pki", Pki);

        Assert.Equal(ExitCodes.Ok, exit);
        var trustedSection = output[output.IndexOf("Trusted (trusted/certs)", StringComparison.Ordinal)..output.IndexOf("Issuers (", StringComparison.Ordinal)];
        var rejectedSection = output[output.IndexOf("Rejected (rejected/certs)", StringComparison.Ordinal)..];
        Assert.Contains("  PLC 1\n", trustedSection, StringComparison.Ordinal);
        Assert.Contains($"thumbprint  {trusted.Thumbprint}", trustedSection, StringComparison.Ordinal);
        Assert.Contains("  Press 4\n", rejectedSection, StringComparison.Ordinal);
        Assert.Contains($"uri         {TestCertificates.ServerUri}", rejectedSection, StringComparison.Ordinal);
        Assert.Matches(@"valid       \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d \(36[45] days left\)", rejectedSection);
        Assert.DoesNotContain("PLC 1", rejectedSection, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_by_thumbprint_prefix_names_hosts_uri_and_folder_and_reject_undoes_trust()
    {
        var server = TestCertificates.SelfSignedServer(hosts: ["plc-1.plant.local", "10.0.0.7"]);
        await CommandLineRunner.RunAsync("cert", "trust", RejectedServerFile(server));

        var (exit, output, error) = await CommandLineRunner.RunAsync("cert", "show", server.Thumbprint[..10].ToLowerInvariant(), "--pki", Pki);
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("hosts        plc-1.plant.local, 10.0.0.7", output, StringComparison.Ordinal);
        Assert.Contains($"uri          {TestCertificates.ServerUri}", output, StringComparison.Ordinal);
        Assert.Contains("where        trusted", output, StringComparison.Ordinal);

        var (rejectExit, rejectOutput, _) = await CommandLineRunner.RunAsync("cert", "reject", server.Thumbprint, "--pki", Pki);
        Assert.Equal(ExitCodes.Ok, rejectExit);
        Assert.Contains("No longer trusted", rejectOutput, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(Pki, "trusted", "certs")));
        Assert.Throws<UaCertificateException>(() => new ServerCertificateValidator(new PkiDirectory(Pki)).Validate(server, [], null, "localhost"));
    }

    [Fact]
    public async Task An_unknown_thumbprint_exits_64_and_says_where_it_looked()
    {
        new PkiDirectory(Pki).EnsureCreated();
        var (exit, _, error) = await CommandLineRunner.RunAsync("cert", "trust", "DEADBEEF00", "--pki", Pki);
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains($"no certificate file or thumbprint 'DEADBEEF00'", error, StringComparison.Ordinal);
        Assert.Contains(Path.GetFullPath(Pki), error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_pki_the_directory_and_the_ApplicationUri_come_from_the_configuration()
    {
        var config = Path.Combine(_root, "gateway.yaml");
        File.WriteAllText(config, """
            gateway:
              name: edge-01
              labels: { site: s }
              dataDirectory: state
            pki:
              applicationUri: urn:edge-01:line-a
              applicationName: Line A gateway
            sources:
              - name: s1
                endpoint: opc.tcp://127.0.0.1:4840
                machines:
                  - name: m1
                    groups:
                      - name: g
                        tags:
                          - { name: t, nodeId: "i=2258" }
            sinks:
              - { type: mqtt, name: mqtt, embedded: true }
            """);

        var (exit, output, error) = await CommandLineRunner.RunAsync("cert", "create", "--config", config);

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("uri          urn:edge-01:line-a", output, StringComparison.Ordinal);
        Assert.Contains("subject      CN=Line A gateway", output, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.Combine(_root, "state", "pki", "own", "certs")));
    }
}
