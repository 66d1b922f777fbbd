using System.Text.RegularExpressions;
using Gateway.Host.CommandLine;
using Gateway.Testing;

namespace Gateway.Host.Tests.Service;

/// <summary>A gateway that cannot start (a valid file, but its data directory cannot be made) says why once, without a stack trace.</summary>
public sealed class StartFailureTests : IDisposable
{
    private readonly string _dir = RepositoryPaths.NewTempDirectory("start-failure");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_data_directory_under_a_file_is_reported_once_without_a_stack_and_exits_3()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "not-a-directory"), "a file where the data directory should go\n");
        var config = GatewayYaml.Named("start-failure")
            .Site("test")
            .DataDirectory("not-a-directory/data")
            .IdleSource(enabled: false)
            .Sink($"""
                - type: mqtt
                  name: mqtt
                  port: {FreePort.Next()}
                """)
            .WriteTo(_dir);

        using var gateway = GatewayProcess.Start("run", "--config", config);
        var exit = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ExitCodes.RuntimeError, exit);
        Assert.Single(Regex.Matches(gateway.Output, "not-a-directory/data"));
        Assert.Contains("Gateway could not start", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\n\s+at ", gateway.Output);
    }
}
