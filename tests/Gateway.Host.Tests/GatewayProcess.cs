using Gateway.Testing;

namespace Gateway.Host.Tests;

/// <summary>The real `gateway` executable (built beside the tests) in a child process, with its output captured.</summary>
internal static class GatewayProcess
{
    public static RunningProgram Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    public static RunningProgram Start(IDictionary<string, string> environment, params string[] args) =>
        RunningProgram.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "gateway.dll"), .. args], RepositoryPaths.Root, environment);
}
