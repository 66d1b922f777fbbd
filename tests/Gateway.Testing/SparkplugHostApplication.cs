using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Gateway.Testing;

/// <summary>
/// The Sparkplug host application of tests/servers/sparkplug/host.js, on an independent implementation (Eclipse Tahu's
/// sparkplug-payload and MQTT.js): it decodes every message under spBv1.0/{group}/# and sends NCMD and STATE on request.
/// </summary>
public sealed class SparkplugHostApplication : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<JsonElement> _messages = [];
    private readonly Lock _lock = new();

    private SparkplugHostApplication(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data is null ? null : "stderr " + e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Every message decoded so far, in arrival order: topic, type, device, seq, timestamp, metrics[].</summary>
    public IReadOnlyList<JsonElement> Messages
    {
        get
        {
            lock (_lock)
            {
                return [.. _messages];
            }
        }
    }

    public string Output
    {
        get
        {
            lock (_lock)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<SparkplugHostApplication> StartAsync(int brokerPort, string groupId, string edgeNodeId, string? hostId = null)
    {
        var script = RepositoryPaths.Combine("tests", "servers", "sparkplug", "host.js");
        if (!Directory.Exists(RepositoryPaths.Combine("tests", "servers", "sparkplug", "node_modules")))
        {
            throw new InvalidOperationException("tests/servers/sparkplug/node_modules is missing. Run tests/servers/install.sh first.");
        }

        var node = ServerProcess.Which("node") ?? throw new InvalidOperationException("'node' is not installed. Run tests/servers/install.sh first.");
        var info = new ProcessStartInfo(node)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { script, "--port", brokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--group", groupId, "--node", edgeNodeId })
        {
            info.ArgumentList.Add(argument);
        }

        if (hostId is not null)
        {
            info.ArgumentList.Add("--host-id");
            info.ArgumentList.Add(hostId);
        }

        var host = new SparkplugHostApplication(Process.Start(info)!);
        await host.WaitForOutputAsync("ready", TimeSpan.FromSeconds(30));
        return host;
    }

    /// <summary>Sends a command of host.js (rebirth, unknown-metric, malformed, online, offline) and waits until the broker has it.</summary>
    public async Task SendAsync(string command)
    {
        var before = CountLines("done " + command);
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (CountLines("done " + command) == before)
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new TimeoutException($"host.js did not confirm '{command}':\n{Output}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Waits until the decoded messages satisfy the condition; fails with what arrived.</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForAsync(Func<IReadOnlyList<JsonElement>, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var messages = Messages;
            if (condition(messages))
            {
                return messages;
            }

            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new TimeoutException($"the Sparkplug host did not see {what} within {timeout.TotalSeconds} s; it saw {messages.Count} message(s):\n{Tail(Output, 6000)}");
            }

            await Task.Delay(20);
        }
    }

    public async Task WaitForOutputAsync(string line, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (CountLines(line) == 0)
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new TimeoutException($"host.js did not print '{line}':\n{Output}");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private int CountLines(string line)
    {
        lock (_lock)
        {
            var text = _output.ToString();
            var count = 0;
            foreach (var l in text.Split('\n'))
            {
                if (l.TrimEnd('\r') == line)
                {
                    count++;
                }
            }

            return count;
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _output.AppendLine(line);
            if (line.StartsWith("msg ", StringComparison.Ordinal))
            {
                _messages.Add(JsonDocument.Parse(line[4..]).RootElement.Clone());
            }
        }
    }

    private static string Tail(string text, int length) => text.Length <= length ? text : "..." + text[^length..];
}
