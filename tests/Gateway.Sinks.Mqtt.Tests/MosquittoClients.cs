using System.Diagnostics;

using Gateway.Testing;

namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>Runs the real mosquitto_sub / mosquitto_pub command-line clients (Debian's mosquitto-clients).</summary>
public static class MosquittoClients
{
    /// <summary>Runs the tool to its end; returns its exit code and what it printed (stdout then stderr).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(ServerProcess.Which(tool) ?? throw new InvalidOperationException($"{tool} is not installed (apt-get install mosquitto-clients)"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + error);
    }

    /// <summary>mosquitto_sub for one message on <paramref name="topic"/> (10 s at most), plus any further arguments.</summary>
    public static Task<(int ExitCode, string Output)> SubscribeOnceAsync(int port, string topic, params string[] more) =>
        RunAsync("mosquitto_sub", ["-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", topic, "-C", "1", "-W", "10", .. more]);
}
