using Gateway.Testing;

namespace Gateway.Deploy.Tests;

/// <summary>deploy/linux/install.sh from the published bundle into a throwaway root (`--root`), never the real system.</summary>
[Collection(PublishedGatewayCollection.Name)]
public sealed class InstallScriptTests(PublishedGateway gateway) : IDisposable
{
    private readonly string _root = RepositoryPaths.NewTempDirectory("deploy-root");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string InRoot(string path) => Path.Combine(_root, path.TrimStart('/'));

    private CommandResult Install(params string[] args) =>
        CommandRunner.Run("bash", [Path.Combine(gateway.Directory, "install.sh"), "--root", _root, .. args], TimeSpan.FromSeconds(120));

    [Fact]
    public void Installs_the_layout_and_a_second_run_changes_nothing_and_keeps_an_edited_configuration()
    {
        var first = Install();
        Assert.True(first.ExitCode == 0, first.Output);

        var binary = InRoot("/opt/gateway/gateway");
        var config = InRoot("/etc/gateway/gateway.yaml");
        Assert.True(File.Exists(binary));
        Assert.Equal(File.ReadAllText(Path.Combine(gateway.Directory, "config", "gateway.yaml")), File.ReadAllText(config));
        Assert.Equal(File.ReadAllText(Path.Combine(gateway.Directory, "gateway.service")), File.ReadAllText(InRoot("/etc/systemd/system/gateway.service")));
        var wants = new FileInfo(InRoot("/etc/systemd/system/multi-user.target.wants/gateway.service"));
        Assert.Equal("/etc/systemd/system/gateway.service", wants.LinkTarget);
        foreach (var pki in new[] { "own", "trusted", "issuers", "rejected" })
        {
            Assert.True(Directory.Exists(InRoot($"/var/lib/gateway/pki/{pki}")), pki);
        }

        Assert.Equal(PublishedGateway.StampedVersion, CommandRunner.Run(binary, ["--version"], TimeSpan.FromSeconds(30)).StandardOutput.Trim());
        Assert.Contains("fake root: nothing started", first.Output, StringComparison.Ordinal);

        // The operator edits the configuration; an upgrade or a re-run must keep it.
        File.AppendAllText(config, "# edited on site\n");
        var binaryWritten = File.GetLastWriteTimeUtc(binary);

        var second = Install();

        Assert.True(second.ExitCode == 0, second.Output);
        Assert.EndsWith("# edited on site\n", File.ReadAllText(config), StringComparison.Ordinal);
        Assert.Equal(binaryWritten, File.GetLastWriteTimeUtc(binary));
        Assert.DoesNotContain("installed " + binary, second.Output, StringComparison.Ordinal);
        Assert.Single(File.ReadAllLines(InRoot("/etc/passwd")), line => line.StartsWith("gateway:", StringComparison.Ordinal));
        Assert.Single(File.ReadAllLines(InRoot("/etc/group")), line => line.StartsWith("gateway:", StringComparison.Ordinal));
        Assert.False(File.Exists(config + ".previous"));
    }

    [Fact]
    public void Uninstall_removes_the_service_and_keeps_the_buffer_and_the_configuration()
    {
        Assert.Equal(0, Install().ExitCode);
        // Readings not yet delivered, and the certificate the PLCs trust: both must survive.
        var segment = InRoot("/var/lib/gateway/buffer/00000000000000000001.seg");
        Directory.CreateDirectory(Path.GetDirectoryName(segment)!);
        var bytes = Enumerable.Range(0, 4096).Select(i => (byte)i).ToArray();
        File.WriteAllBytes(segment, bytes);
        File.WriteAllText(InRoot("/var/lib/gateway/pki/own/gateway.der"), "certificate");

        var result = Install("--uninstall");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.False(Directory.Exists(InRoot("/opt/gateway")));
        Assert.False(File.Exists(InRoot("/etc/systemd/system/gateway.service")));
        Assert.False(File.Exists(InRoot("/etc/systemd/system/multi-user.target.wants/gateway.service")));
        Assert.Equal(bytes, File.ReadAllBytes(segment));
        Assert.Equal("certificate", File.ReadAllText(InRoot("/var/lib/gateway/pki/own/gateway.der")));
        Assert.True(File.Exists(InRoot("/etc/gateway/gateway.yaml")));
        Assert.Contains("kept", result.Output, StringComparison.Ordinal);

        // Twice is fine too.
        Assert.Equal(0, Install("--uninstall").ExitCode);
        Assert.Equal(bytes, File.ReadAllBytes(segment));
    }

    [Fact]
    public void Config_option_replaces_the_configuration_and_keeps_the_old_one()
    {
        Assert.Equal(0, Install().ExitCode);
        var original = File.ReadAllText(InRoot("/etc/gateway/gateway.yaml"));
        var site = Path.Combine(_root, "site.yaml");
        File.WriteAllText(site, original.Replace("name: demo-gateway", "name: changwon-press-01", StringComparison.Ordinal));
        Assert.NotEqual(original, File.ReadAllText(site));

        var result = Install("--config", site);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(File.ReadAllText(site), File.ReadAllText(InRoot("/etc/gateway/gateway.yaml")));
        Assert.Equal(original, File.ReadAllText(InRoot("/etc/gateway/gateway.yaml.previous")));
    }

    [Fact]
    public void Invalid_configuration_is_refused_before_the_service_is_enabled()
    {
        var site = Path.Combine(_root, "broken.yaml");
        File.WriteAllText(site, "gateway:\n  name: gw\n  shutdownTimeoutSeconds: 9999\n");

        var result = Install("--config", site);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("gateway.yaml:3:", result.Output, StringComparison.Ordinal);
        Assert.Contains("fix it and run install.sh again", result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(InRoot("/etc/systemd/system/gateway.service")));
        Assert.False(File.Exists(InRoot("/etc/systemd/system/multi-user.target.wants/gateway.service")));
    }

    [Fact]
    public void Missing_build_is_explained()
    {
        var empty = Path.Combine(_root, "empty");
        Directory.CreateDirectory(empty);

        var result = Install("--from", empty);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("deploy/publish.sh --rid linux-x64", result.StandardError, StringComparison.Ordinal);
    }
}
