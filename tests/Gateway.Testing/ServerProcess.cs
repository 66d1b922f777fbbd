using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Gateway.Testing;

/// <summary>
/// A real server started by a test (mosquitto, influxd, victoria-metrics, node): a child process that
/// listens on 127.0.0.1, with its output kept for the failure message, and killed on dispose.
/// The binaries are installed by tests/servers/install.sh, which the test command runs first.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the program and waits until <paramref name="port"/> accepts TCP connections on 127.0.0.1.</summary>
    public static async Task<ServerProcess> StartAsync(
        string name,
        string fileName,
        IEnumerable<string> arguments,
        int port,
        string? workingDirectory = null,
        IDictionary<string, string>? environment = null,
        TimeSpan? startTimeout = null,
        Func<string, bool>? readyWhen = null)
    {
        var resolved = Which(fileName) ?? throw new InvalidOperationException(
            $"{name}: '{fileName}' is not installed. Run tests/servers/install.sh (the README's test command does) first.");
        var info = new ProcessStartInfo(resolved)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var server = new ServerProcess(process, name);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            if (readyWhen is null)
            {
                await WaitForPortAsync(port, startTimeout ?? TimeSpan.FromSeconds(30), () => process.HasExited);
            }
            else
            {
                // A server that listens on no TCP port (UDP, a serial line) says when it is ready on its output.
                var deadline = DateTime.UtcNow + (startTimeout ?? TimeSpan.FromSeconds(30));
                while (!readyWhen(server.Output))
                {
                    if (process.HasExited || DateTime.UtcNow > deadline)
                    {
                        throw new InvalidOperationException(process.HasExited ? "the process exited" : "no ready line");
                    }

                    await Task.Delay(50);
                }
            }
        }
        catch (Exception e)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"{name} did not start listening on 127.0.0.1:{port}: {e.Message}\n{server.Output}", e);
        }

        return server;
    }

    public static async Task WaitForPortAsync(int port, TimeSpan timeout, Func<bool>? hasExited = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (hasExited?.Invoke() == true)
            {
                throw new InvalidOperationException("the process exited");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Sends SIGKILL (for crash tests) and waits for the exit.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // never started
        }

        _process.Dispose();
    }

    public static string? Which(string fileName)
    {
        if (Path.IsPathRooted(fileName))
        {
            return File.Exists(fileName) ? fileName : null;
        }

        var path = (Environment.GetEnvironmentVariable("PATH") ?? "") + ":/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/bin";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, fileName))
            .FirstOrDefault(File.Exists);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            // Keep the tail only: a chatty server must not grow test memory without bound.
            if (_output.Length > 200_000)
            {
                _output.Remove(0, 100_000);
            }

            _output.AppendLine(line);
        }
    }
}
