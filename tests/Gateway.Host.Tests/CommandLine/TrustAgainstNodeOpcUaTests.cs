using Gateway.Host.CommandLine;
using Gateway.Testing;

namespace Gateway.Host.Tests.CommandLine;

/// <summary>One node-opcua secure server (tests/servers/opcua-secure) shared by the class; each test has its own PKI.</summary>
public sealed class SecureServerFixture : IAsyncLifetime
{
    public NodeOpcUaSecureServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await NodeOpcUaSecureServer.StartAsync(doubles: 1);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// The trust procedure of docs/security.md end to end, with `gateway read` and `gateway cert` against node-opcua:
/// refused with the file named, trusted with the command the message gives, then read over SignAndEncrypt.
/// </summary>
public sealed class TrustAgainstNodeOpcUaTests(SecureServerFixture fixture) : IClassFixture<SecureServerFixture>, IDisposable
{
    private const string Answer = "nsu=urn:gateway:tests;s=Answer";

    private readonly string _pki = Path.Combine(RepositoryPaths.NewTempDirectory("gw-trust"), "pki");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_pki)!, recursive: true);

    [Fact]
    public async Task First_read_is_refused_naming_the_rejected_file_then_cert_trust_makes_the_second_read_work()
    {
        var server = fixture.Server;
        var (refused, _, refusal) = await CommandLineRunner.RunAsync("read", server.EndpointUrl, Answer, "--security-mode", "signAndEncrypt", "--pki", _pki);

        Assert.Equal(ExitCodes.ConnectionError, refused);
        Assert.Contains("BadCertificateUntrusted", refusal, StringComparison.Ordinal);
        var rejected = Assert.Single(Directory.GetFiles(Path.Combine(_pki, "rejected", "certs")));
        Assert.Contains(server.CertificateThumbprint, Path.GetFileName(rejected), StringComparison.Ordinal);
        Assert.Contains($"gateway cert trust \"{rejected}\"", refusal, StringComparison.Ordinal);

        // The command exactly as the message gives it: no --pki, the file says where the PKI directory is.
        var (trusted, trustOutput, trustError) = await CommandLineRunner.RunAsync("cert", "trust", rejected);
        Assert.True(trusted == ExitCodes.Ok, trustError);
        Assert.Contains(server.CertificateThumbprint, trustOutput, StringComparison.Ordinal);

        var (read, output, error) = await CommandLineRunner.RunAsync("read", server.EndpointUrl, Answer, "--security-mode", "signAndEncrypt", "--pki", _pki, "--json");
        Assert.True(read == ExitCodes.Ok, error);
        Assert.Contains("\"value\":42.5", output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(_pki, "rejected", "certs")));
    }

    [Fact]
    public async Task Auto_accept_reads_with_a_warning_and_a_user_name_from_a_password_file()
    {
        var server = fixture.Server;
        var passwordFile = Path.Combine(Path.GetDirectoryName(_pki)!, "password");
        await File.WriteAllTextAsync(passwordFile, NodeOpcUaSecureServer.Password + "\n");

        var (exit, output, error) = await CommandLineRunner.RunAsync(
            "read", server.EndpointUrl, Answer, "--security-mode", "sign", "--security-policy", "Aes128_Sha256_RsaOaep",
            "--user", NodeOpcUaSecureServer.UserName, "--password-file", passwordFile, "--auto-accept", "--pki", _pki);

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("42.5", output, StringComparison.Ordinal);
        Assert.Contains("warning:", error, StringComparison.Ordinal);
        Assert.Contains("autoAcceptServerCertificate is on", error, StringComparison.Ordinal);

        await File.WriteAllTextAsync(passwordFile, "wrong\n");
        var (denied, _, deniedError) = await CommandLineRunner.RunAsync(
            "read", server.EndpointUrl, Answer, "--user", NodeOpcUaSecureServer.UserName, "--password-file", passwordFile, "--auto-accept", "--pki", _pki);
        Assert.Equal(ExitCodes.ConnectionError, denied);
        Assert.Contains("BadUserAccessDenied", deniedError, StringComparison.Ordinal);
    }
}
