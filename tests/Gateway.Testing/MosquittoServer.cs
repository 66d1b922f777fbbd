using System.Diagnostics;
using System.Text;

namespace Gateway.Testing;

/// <summary>What a <see cref="MosquittoServer"/> requires of its clients.</summary>
public sealed record MosquittoSettings
{
    public bool AllowAnonymous { get; init; } = true;

    /// <summary>User name → password; written to a password file with mosquitto_passwd.</summary>
    public IReadOnlyDictionary<string, string>? Users { get; init; }

    /// <summary>TLS listener: PEM files of the CA, the server certificate and its key.</summary>
    public string? CaFile { get; init; }

    public string? CertFile { get; init; }

    public string? KeyFile { get; init; }

    /// <summary>Ask clients for a certificate signed by <see cref="CaFile"/>.</summary>
    public bool RequireCertificate { get; init; }

    /// <summary>
    /// QoS 1/2 messages mosquitto queues per subscriber beyond those in flight; beyond it, it drops them for that
    /// subscriber. Unlimited (0) by default, so a test's subscriber never loses what a publisher got acknowledged.
    /// </summary>
    public int MaxQueuedMessages { get; init; }

    /// <summary>More mosquitto.conf lines.</summary>
    public IReadOnlyList<string> ExtraLines { get; init; } = [];
}

/// <summary>
/// A real mosquitto broker (the Debian package) on 127.0.0.1 on a free port, configured by a mosquitto.conf in
/// a temp directory, persistence off. It can be stopped and started again on the same port (outage tests).
/// </summary>
public sealed class MosquittoServer : IAsyncDisposable
{
    private ServerProcess? _process;

    private MosquittoServer(string directory, int port, string configFile)
    {
        Directory = directory;
        Port = port;
        ConfigFile = configFile;
    }

    public int Port { get; }

    public string Directory { get; }

    public string ConfigFile { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The broker's process id, e.g. to freeze it with SIGSTOP (a broker that accepts TCP and answers nothing).</summary>
    public int ProcessId => _process?.ProcessId ?? throw new InvalidOperationException("mosquitto is not running");

    /// <summary>Everything mosquitto printed so far (for failure messages).</summary>
    public string Output => _process?.Output ?? "";

    public static async Task<MosquittoServer> StartAsync(MosquittoSettings? settings = null)
    {
        settings ??= new MosquittoSettings();
        var directory = RepositoryPaths.NewTempDirectory("mosquitto");
        var port = FreePort.Next();
        var config = new StringBuilder();
        config.AppendLine("persistence false");
        config.AppendLine("log_dest stdout");
        config.AppendLine("log_type error");
        config.AppendLine("log_type warning");
        config.AppendLine("log_type notice");

        // Started as root, mosquitto would switch to the `mosquitto` user and might not read the test's files.
        if (Environment.UserName == "root")
        {
            config.AppendLine("user root");
        }

        config.AppendLine($"max_queued_messages {settings.MaxQueuedMessages}");
        config.AppendLine($"listener {port} 127.0.0.1");
        config.AppendLine($"allow_anonymous {(settings.AllowAnonymous ? "true" : "false")}");
        if (settings.Users is { Count: > 0 })
        {
            var passwordFile = Path.Combine(directory, "passwords");
            await File.WriteAllTextAsync(passwordFile, "");
            foreach (var (user, password) in settings.Users)
            {
                await RunAsync("mosquitto_passwd", "-b", passwordFile, user, password);
            }

            config.AppendLine($"password_file {passwordFile}");
        }

        if (settings.CertFile is not null)
        {
            config.AppendLine($"cafile {settings.CaFile}");
            config.AppendLine($"certfile {settings.CertFile}");
            config.AppendLine($"keyfile {settings.KeyFile}");
            config.AppendLine($"require_certificate {(settings.RequireCertificate ? "true" : "false")}");
        }

        foreach (var line in settings.ExtraLines)
        {
            config.AppendLine(line);
        }

        var configFile = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(configFile, config.ToString());
        var server = new MosquittoServer(directory, port, configFile);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts mosquitto (again) on the same port with the same configuration.</summary>
    public async Task StartAgainAsync()
    {
        if (IsRunning)
        {
            return;
        }

        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        _process = await ServerProcess.StartAsync("mosquitto", "mosquitto", ["-c", ConfigFile], Port, Directory);
    }

    /// <summary>Stops the broker hard (SIGKILL): clients see their connections drop, as in a crash or power cut.</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.KillAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var path = ServerProcess.Which(program) ?? throw new InvalidOperationException(
            $"'{program}' is not installed. Run tests/servers/install.sh first.");
        var info = new ProcessStartInfo(path) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}");
        }
    }
}
