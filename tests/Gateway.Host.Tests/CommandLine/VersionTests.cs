using Gateway.Host.CommandLine;

namespace Gateway.Host.Tests.CommandLine;

public class VersionTests
{
    [Fact]
    public async Task Version_prints_the_stamped_version()
    {
        var (exit, output, _) = await CommandLineRunner.RunAsync("--version");
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.StartsWith(BuildInfo.Version.Split('+')[0], output.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_verb_is_a_usage_error()
    {
        var (exit, _, error) = await CommandLineRunner.RunAsync("frobnicate", "--nope");
        Assert.NotEqual(ExitCodes.Ok, exit);
        Assert.Contains("--nope", error, StringComparison.Ordinal);
    }
}
