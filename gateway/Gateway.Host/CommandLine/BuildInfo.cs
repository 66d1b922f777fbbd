using System.Reflection;

namespace Gateway.Host.CommandLine;

/// <summary>The version stamped into the build (deploy/publish.sh sets it).</summary>
public static class BuildInfo
{
    public static string Version { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(BuildInfo).Assembly.GetName().Version?.ToString()
        ?? "0.0.0";

    public static DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
}
