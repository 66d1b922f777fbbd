using Gateway.Host.CommandLine;
using Gateway.Simulator;
using Gateway.Testing;

namespace Gateway.Host.Tests.CommandLine;

/// <summary>The security and identity options of `gateway read` and `gateway browse` (against the built-in simulator).</summary>
public sealed class ConnectionOptionsTests : IDisposable
{
    private readonly string _root = RepositoryPaths.NewTempDirectory("gw-connection");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("--password", "x", "--password needs --user")]
    [InlineData("--user-key", "k.pem", "--user-key needs --user-cert")]
    public async Task Options_that_do_not_fit_together_exit_64_with_the_reason(string option, string value, string expected)
    {
        var (exit, _, error) = await CommandLineRunner.RunAsync("read", "opc.tcp://127.0.0.1:1", "i=2258", option, value, "--pki", _root);
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains($"gateway read: {expected}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_and_a_user_certificate_together_are_refused()
    {
        var (exit, _, error) = await CommandLineRunner.RunAsync("browse", "opc.tcp://127.0.0.1:1", "--user", "op", "--user-cert", "u.der", "--pki", _root);
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("two different identities", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_mode_is_a_usage_error()
    {
        var (exit, _, error) = await CommandLineRunner.RunAsync("read", "opc.tcp://127.0.0.1:1", "i=2258", "--security-mode", "encrypt");
        Assert.NotEqual(ExitCodes.Ok, exit);
        Assert.Contains("encrypt", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mode_best_with_a_pki_directory_makes_the_certificate_there_once_and_reads()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, Machines = 1 });
        var pki = Path.Combine(_root, "pki");

        var (exit, output, error) = await CommandLineRunner.RunAsync("read", simulator.EndpointUrl, "i=2258", "--pki", pki);
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains("Good", output, StringComparison.Ordinal);
        Assert.Contains("Created the application instance certificate", error, StringComparison.Ordinal);
        var certificate = Assert.Single(Directory.GetFiles(Path.Combine(pki, "own", "certs")));

        var (again, _, secondError) = await CommandLineRunner.RunAsync("browse", simulator.EndpointUrl, "--depth", "1", "--pki", pki);
        Assert.True(again == ExitCodes.Ok, secondError);
        Assert.DoesNotContain("Created", secondError, StringComparison.Ordinal);
        Assert.Equal(certificate, Assert.Single(Directory.GetFiles(Path.Combine(pki, "own", "certs"))));
    }

    [Fact]
    public async Task Mode_none_needs_no_certificate()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, Machines = 1 });
        var pki = Path.Combine(_root, "pki");

        var (exit, _, error) = await CommandLineRunner.RunAsync("read", simulator.EndpointUrl, "i=2258", "--security-mode", "none", "--pki", pki);

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.False(Directory.Exists(Path.Combine(pki, "own", "certs")));
    }

    [Theory]
    [InlineData("SignAndEncrypt", "signAndEncrypt")]
    [InlineData("signandencrypt", "signAndEncrypt")]
    [InlineData("None", "none")]
    [InlineData("SIGN", "sign")]
    [InlineData("Best", "best")]
    public void Security_mode_accepts_the_spec_spelling_in_any_case(string given, string expected)
    {
        var (parse, options) = Parse("--security-mode", given);
        Assert.Empty(parse.Errors);
        Assert.Equal(expected, options.Security(parse).Mode);
    }

    [Theory]
    [InlineData("basic256sha256", "Basic256Sha256")]
    [InlineData("AES128_SHA256_RSAOAEP", "Aes128_Sha256_RsaOaep")]
    [InlineData("http://opcfoundation.org/UA/SecurityPolicy#Aes256_Sha256_RsaPss", "Aes256_Sha256_RsaPss")]
    [InlineData("http://opcfoundation.org/UA/SecurityPolicy#basic256sha256", "Basic256Sha256")]
    [InlineData("none", "None")]
    public void Security_policy_accepts_short_name_or_uri_in_any_case(string given, string expected)
    {
        var (parse, options) = Parse("--security-policy", given);
        Assert.Empty(parse.Errors);
        Assert.Equal(expected, options.Security(parse).Policy);
    }

    [Fact]
    public void Without_the_options_the_mode_is_best_and_the_policy_open()
    {
        var (parse, options) = Parse();
        Assert.Empty(parse.Errors);
        Assert.Equal("best", options.Security(parse).Mode);
        Assert.Null(options.Security(parse).Policy);
    }

    [Fact]
    public async Task A_malformed_node_id_is_a_usage_error_before_any_connection_or_certificate()
    {
        var pki = Path.Combine(_root, "pki");
        var (exit, _, error) = await CommandLineRunner.RunAsync("read", $"opc.tcp://127.0.0.1:{FreePort.Next()}", "i=2258", "ns=x;s=Speed", "--pki", pki);
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("'ns=x;s=Speed'", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(pki));
    }

    [Fact]
    public async Task An_unknown_policy_is_a_usage_error_that_lists_the_known_ones()
    {
        var (exit, _, error) = await CommandLineRunner.RunAsync("read", "opc.tcp://127.0.0.1:1", "i=2258", "--security-policy", "Basic128Rsa15");
        Assert.NotEqual(ExitCodes.Ok, exit);
        Assert.Contains("'Basic128Rsa15' is not a valid --security-policy", error, StringComparison.Ordinal);
        Assert.Contains("Aes256_Sha256_RsaPss", error, StringComparison.Ordinal);
    }

    private static (System.CommandLine.ParseResult Parse, ConnectionOptions Options) Parse(params string[] args)
    {
        var options = new ConnectionOptions();
        var command = new System.CommandLine.RootCommand();
        options.AddTo(command);
        return (command.Parse(args), options);
    }
}
