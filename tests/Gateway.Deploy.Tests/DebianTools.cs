using Gateway.Testing;

namespace Gateway.Deploy.Tests;

/// <summary>Command-line tools the deployment tests use, installed from Debian packages when missing and when we may.</summary>
public static class DebianTools
{
    private static readonly Lock Gate = new();

    /// <summary>The full path of <paramref name="command"/>, installing <paramref name="package"/> with apt-get if needed.</summary>
    public static string Require(string command, string package)
    {
        lock (Gate)
        {
            var found = ServerProcess.Which(command);
            if (found is not null)
            {
                return found;
            }

            var isRoot = CommandRunner.Run("id", ["-u"], TimeSpan.FromSeconds(10)).StandardOutput.Trim() == "0";
            if (!isRoot)
            {
                throw new InvalidOperationException($"'{command}' is missing: install the Debian package '{package}' (sudo apt-get install {package}).");
            }

            var env = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
            CommandRunner.Run("apt-get", ["update", "-qq"], TimeSpan.FromMinutes(5), environment: env);
            var install = CommandRunner.Run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", package], TimeSpan.FromMinutes(10), environment: env);
            return ServerProcess.Which(command) ?? throw new InvalidOperationException(
                $"'{command}' is still missing after apt-get install {package} (exit {install.ExitCode}):\n{install.Output}");
        }
    }
}
