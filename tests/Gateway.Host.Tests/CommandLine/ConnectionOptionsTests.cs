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
}
