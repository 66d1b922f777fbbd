using System.Globalization;
using System.Text.RegularExpressions;
using Gateway.Configuration.Model;
using Gateway.Testing;

namespace Gateway.Deploy.Tests;

/// <summary>
/// deploy/linux/gateway.service checked by systemd's own tools. systemd is not PID 1 here, so the unit is never
/// started: `verify` and `security --offline` read it, and the syscall test runs the gateway under strace.
/// </summary>
[Collection(PublishedGatewayCollection.Name)]
public sealed partial class SystemdUnitTests(PublishedGateway gateway) : IDisposable
{
    private const string ShippedExecStart = "ExecStart=/opt/gateway/gateway ";
    private static readonly string UnitPath = RepositoryPaths.Combine("deploy", "linux", "gateway.service");
    private readonly string _dir = RepositoryPaths.NewTempDirectory("deploy-unit");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Verify_accepts_the_unit_without_a_warning()
    {
        var result = Analyze("verify", "--man=no", UnitCopyRunningThePublishedBinary());

        Assert.True(result.ExitCode == 0, result.Output);
        // verify exits 0 on unknown keys and unparsable values, and only says so on stderr.
        Assert.True(result.Output.Trim().Length == 0, $"systemd-analyze verify complained:\n{result.Output}");
    }

    [Fact]
    public void Verify_reports_what_is_wrong_in_a_broken_copy()
    {
        // The check above is only worth something if verify speaks up here.
        var path = UnitCopyRunningThePublishedBinary();
        File.WriteAllText(path, File.ReadAllText(path).Replace("ProtectSystem=strict", "ProtectSystem=strict\nProtectKernelTunabels=yes\nRestartSec=soon", StringComparison.Ordinal));

        var result = Analyze("verify", "--man=no", path);

        Assert.Contains("ProtectKernelTunabels", result.Output, StringComparison.Ordinal);
        Assert.Contains("soon", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Security_exposure_is_at_most_2_of_10()
    {
        var result = Analyze("security", "--offline=yes", "--no-pager", UnitCopyRunningThePublishedBinary());

        var match = ExposureLine().Match(result.Output);
        Assert.True(match.Success, result.Output);
        var exposure = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(exposure <= 2.0, $"exposure {exposure}:\n{result.Output}");
    }

    [Fact]
    public void Unit_runs_the_gateway_as_the_issue_and_the_JIT_need()
    {
        var unit = SystemdUnit.Read(UnitPath);

        Assert.Equal("notify", unit.Value("Service", "Type"));
        Assert.Equal("gateway", unit.Value("Service", "User"));
        Assert.Equal("/opt/gateway/gateway run --config /etc/gateway/gateway.yaml", unit.Value("Service", "ExecStart"));
        Assert.Contains("GATEWAY_DATA=/var/lib/gateway", unit.Values("Service", "Environment"));
        Assert.Equal("gateway", unit.Value("Service", "StateDirectory"));
        Assert.Equal("gateway", unit.Value("Service", "ConfigurationDirectory"));
        Assert.Equal("on-failure", unit.Value("Service", "Restart"));
        Assert.Equal("strict", unit.Value("Service", "ProtectSystem"));
        Assert.Equal("AF_INET AF_INET6 AF_UNIX", unit.Value("Service", "RestrictAddressFamilies"));
        foreach (var key in new[] { "NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices" })
        {
            Assert.Equal("yes", unit.Value("Service", key));
        }

        // The JIT writes code then executes it: this option would stop the service at start.
        Assert.Empty(unit.Values("Service", "MemoryDenyWriteExecute"));
        // systemd must wait longer than the gateway's own graceful stop, or it SIGKILLs a committing buffer.
        var stopSeconds = int.Parse(unit.Value("Service", "TimeoutStopSec"), CultureInfo.InvariantCulture);
        Assert.InRange(stopSeconds, new GatewaySection().ShutdownTimeoutSeconds + 5, new GatewaySection().ShutdownTimeoutSeconds + 30);
        Assert.Equal("multi-user.target", unit.Value("Install", "WantedBy"));
    }

    [Fact]
    public async Task Every_system_call_of_a_real_run_is_allowed_by_the_units_filter()
    {
        var strace = DebianTools.Require("strace", "strace");
        var allowed = AllowedSystemCalls(SystemdUnit.Read(UnitPath).Values("Service", "SystemCallFilter"));
        var config = EmbeddedDefault.Prepare(Path.Combine(gateway.Directory, "config", "gateway.yaml"), _dir);
        var summary = Path.Combine(_dir, "syscalls.txt");

        using (var run = RunningProgram.Start(strace, ["-f", "-qq", "-c", "-o", summary, "--", gateway.Executable, "run", "--config", config.ConfigPath], _dir,
            config.Environment.ToDictionary()))
        {
            await run.WaitForOutputAsync(" running: ", TimeSpan.FromSeconds(90));
            // Let the steady state happen too: commits, timers, the monitoring listener.
            using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) })
            {
                var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{config.HttpPort}/metrics"));
                Assert.Contains("gateway_", metrics, StringComparison.Ordinal);
            }

            await Task.Delay(TimeSpan.FromSeconds(3));
            var child = Assert.Single(run.ChildIds());
            RunningProgram.Signal(child, "TERM");
            var exit = await run.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.True(exit == 0, $"exit code {exit}\n{run.Output}");
        }

        var used = File.ReadLines(summary)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(cols => cols.Length >= 5 && double.TryParse(cols[0], CultureInfo.InvariantCulture, out _) && cols[^1] != "total")
            .Select(cols => cols[^1])
            .ToList();
        Assert.Contains("futex", used);
        // The /metrics request above was served, so accepting a connection is in the list.
        Assert.Contains(used, call => call is "accept4" or "accept");
        var refused = used.Where(call => !allowed.Contains(call)).ToList();
        Assert.True(refused.Count == 0, $"the unit's SystemCallFilter would refuse: {string.Join(", ", refused)} (of {used.Count} used)");
    }

    /// <summary>The unit with ExecStart on the published binary: verify needs the executable to exist.</summary>
    private string UnitCopyRunningThePublishedBinary()
    {
        var text = File.ReadAllText(UnitPath);
        Assert.Contains(ShippedExecStart, text, StringComparison.Ordinal);
        var path = Path.Combine(_dir, "gateway.service");
        File.WriteAllText(path, text.Replace(ShippedExecStart, $"ExecStart={gateway.Executable} ", StringComparison.Ordinal));
        return path;
    }

    private static CommandResult Analyze(params string[] args) =>
        CommandRunner.Run(DebianTools.Require("systemd-analyze", "systemd"), args, TimeSpan.FromSeconds(60));

    /// <summary>The system calls a list of SystemCallFilter= lines lets through (allow lists, then `~` deny lists, in order).</summary>
    private static HashSet<string> AllowedSystemCalls(IReadOnlyList<string> filters)
    {
        Assert.NotEmpty(filters);
        var groups = SystemCallGroups();
        var allowed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var filter in filters)
        {
            var deny = filter.StartsWith('~');
            var names = Expand(groups, filter.TrimStart('~').Split(' ', StringSplitOptions.RemoveEmptyEntries));
            if (deny)
            {
                allowed.ExceptWith(names);
            }
            else
            {
                allowed.UnionWith(names);
            }
        }

        return allowed;
    }

    private static Dictionary<string, List<string>> SystemCallGroups()
    {
        var result = Analyze("syscall-filter", "--no-pager");
        Assert.Equal(0, result.ExitCode);
        var groups = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string>? current = null;
        foreach (var line in result.StandardOutput.Split('\n'))
        {
            if (line.StartsWith('@'))
            {
                current = groups[line.Trim()] = [];
            }
            else if (current is not null && line.StartsWith("    ", StringComparison.Ordinal) && !line.TrimStart().StartsWith('#'))
            {
                current.Add(line.Trim());
            }
        }

        Assert.True(groups.ContainsKey("@system-service"), result.StandardOutput);
        return groups;
    }

    private static HashSet<string> Expand(Dictionary<string, List<string>> groups, IEnumerable<string> names)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (name.StartsWith('@'))
            {
                result.UnionWith(Expand(groups, groups[name]));
            }
            else
            {
                result.Add(name);
            }
        }

        return result;
    }

    [GeneratedRegex(@"exposure level for \S+: (\d+\.\d+)")]
    private static partial Regex ExposureLine();
}
