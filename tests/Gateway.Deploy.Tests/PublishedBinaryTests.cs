using Gateway.Testing;

namespace Gateway.Deploy.Tests;

/// <summary>The single file as deploy/publish.sh builds it: version, bundle contents, validate, and a real run.</summary>
[Collection(PublishedGatewayCollection.Name)]
public sealed partial class PublishedBinaryTests(PublishedGateway gateway) : IDisposable
{
    private readonly string _dir = RepositoryPaths.NewTempDirectory("deploy-run");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Version_is_the_one_given_to_publish()
    {
        var result = gateway.Run("--version");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(PublishedGateway.StampedVersion, result.StandardOutput.Trim());
    }

    [Fact]
    public void Bundle_is_one_executable_with_config_docs_and_installer_beside_it()
    {
        var files = Directory.GetFiles(gateway.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        // One executable: no loose assemblies, native libraries or symbols next to it.
        Assert.Equal(["gateway", "gateway.service", "install.sh"], files);
        Assert.Equal(
            File.ReadAllText(RepositoryPaths.Combine("config", "gateway.yaml")),
            File.ReadAllText(Path.Combine(gateway.Directory, "config", "gateway.yaml")));
        foreach (var shipped in ShippedConfigurations(RepositoryPaths.Combine("config")))
        {
            var relative = Path.GetRelativePath(RepositoryPaths.Combine("config"), shipped);
            Assert.True(File.Exists(Path.Combine(gateway.Directory, "config", relative)), $"config/{relative} is missing from the bundle");
        }

        Assert.True(File.Exists(Path.Combine(gateway.Directory, "docs", "deploy.md")));
        Assert.True(File.Exists(Path.Combine(gateway.Directory, "config", "schema", "gateway.schema.json")), "config/schema is missing from the bundle");
    }

    [Fact]
    public void Every_shipped_configuration_validates_with_the_published_binary()
    {
        var configs = ShippedConfigurations(Path.Combine(gateway.Directory, "config"));
        Assert.Contains(configs, c => Path.GetFileName(c) == "gateway.yaml");
        Assert.True(configs.Count >= 2, "the examples were not copied into the bundle");
        var failures = new List<string>();
        foreach (var config in configs)
        {
            var result = gateway.Run("validate", "--config", config);
            if (result.ExitCode != 0 || !result.StandardOutput.Contains(": valid:", StringComparison.Ordinal))
            {
                failures.Add($"{config} (exit {result.ExitCode}):\n{result.Output}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Without_config_the_default_beside_the_executable_is_used()
    {
        // A working directory without config/: the gateway must find the copy publish put beside it.
        var result = CommandRunner.Run(gateway.Executable, ["validate"], TimeSpan.FromSeconds(60), workingDirectory: _dir);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(Path.Combine(gateway.Directory, "config", "gateway.yaml") + ": valid:", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_configuration_exits_with_the_code_the_unit_does_not_restart_on()
    {
        var bad = Path.Combine(_dir, "bad.yaml");
        File.WriteAllText(bad, "gateway:\n  name: gw\nsinks:\n  - type: nosuchsink\n    name: x\n");

        var result = gateway.Run("validate", "--config", bad);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("bad.yaml:4:", result.Output, StringComparison.Ordinal);
        // RestartPreventExitStatus lists it: restarting cannot fix a configuration error.
        var unit = SystemdUnit.Read(RepositoryPaths.Combine("deploy", "linux", "gateway.service"));
        Assert.Contains(result.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture), unit.Values("Service", "RestartPreventExitStatus").SelectMany(v => v.Split(' ')));
    }

    [Fact]
    public async Task Embedded_default_runs_for_10_s_serves_its_broker_and_exits_0_on_SIGTERM()
    {
        var config = EmbeddedDefault.Prepare(Path.Combine(gateway.Directory, "config", "gateway.yaml"), _dir);
        var data = config.Environment["GATEWAY_DATA"];
        using var run = RunningProgram.Start(gateway.Executable, ["run", "--config", config.ConfigPath], _dir, config.Environment.ToDictionary());

        await run.WaitForOutputAsync(" running: ", TimeSpan.FromSeconds(60));
        var started = DateTime.UtcNow;
        // The embedded broker works in the single file: the sink's retained status names the stamped version.
        var port = config.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // An explicit client id: the embedded broker refuses MQTT 3.1.1 clients without one ("identifier rejected").
        var status = CommandRunner.Run("mosquitto_sub",
            ["-i", "deploy-test-status", "-h", "127.0.0.1", "-p", port, "-t", "factory/+/+/status", "-C", "1", "-W", "10"],
            TimeSpan.FromSeconds(20));
        Assert.True(status.ExitCode == 0, $"no status message from the embedded broker: {status.Output}\n{run.Output}");
        Assert.Contains("\"online\"", status.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(PublishedGateway.StampedVersion, status.StandardOutput, StringComparison.Ordinal);

        // When the default reads tags (the simulator's machines), their readings reach the broker through the buffer.
        var summary = TagCount().Match(run.Output);
        Assert.True(summary.Success, run.Output);
        var tags = int.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        if (tags > 0)
        {
            var readings = CommandRunner.Run("mosquitto_sub",
                ["-i", "deploy-test-readings", "-h", "127.0.0.1", "-p", port, "-t", "factory/+/+/+", "-T", "factory/+/+/status", "-C", "5", "-W", "15"],
                TimeSpan.FromSeconds(25));
            Assert.True(readings.ExitCode == 0, $"fewer than 5 readings within 15 s: {readings.Output}\n{run.Output}");
            Assert.All(readings.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries),
                line => Assert.Contains("\"seq\":", line, StringComparison.Ordinal));
        }

        var remaining = TimeSpan.FromSeconds(10) - (DateTime.UtcNow - started);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining);
        }

        Assert.DoesNotContain("fail:", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("crit:", run.Output, StringComparison.Ordinal);
        RunningProgram.Signal(run.Id, "TERM");
        var exit = await run.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exit == 0, $"exit {exit}:\n{run.Output}");
        // GATEWAY_DATA (what the unit sets) decided where the buffer went.
        Assert.True(Directory.Exists(data) && Directory.EnumerateFileSystemEntries(data, "*", SearchOption.AllDirectories).Any(),
            $"nothing was written under GATEWAY_DATA={data}:\n{run.Output}");
    }

    [Fact]
    public void Publish_script_rejects_an_unknown_platform_before_building()
    {
        var result = CommandRunner.Run("bash", [RepositoryPaths.Combine("deploy", "publish.sh"), "--rid", "osx-x64"], TimeSpan.FromSeconds(30));

        Assert.Equal(64, result.ExitCode);
        Assert.Contains("unsupported --rid 'osx-x64'", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("linux-arm64", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Publish_script_rejects_an_unknown_trim_mode_before_building()
    {
        var result = CommandRunner.Run("bash", [RepositoryPaths.Combine("deploy", "publish.sh"), "--rid", "linux-x64", "--trim", "some"], TimeSpan.FromSeconds(30));

        Assert.Equal(64, result.ExitCode);
        Assert.Contains("unknown --trim mode 'some'", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("framework (the default), none or all", result.StandardError, StringComparison.Ordinal);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"running: .*?(\d+) tags?")]
    private static partial System.Text.RegularExpressions.Regex TagCount();

    /// <summary>config/*.yaml and config/examples/*.yaml: the files a user starts the gateway with (the folders hold included parts).</summary>
    internal static List<string> ShippedConfigurations(string configDirectory) =>
        Directory.GetFiles(configDirectory, "*.yaml")
            .Concat(Directory.GetFiles(Path.Combine(configDirectory, "examples"), "*.yaml"))
            .Order(StringComparer.Ordinal)
            .ToList();
}
