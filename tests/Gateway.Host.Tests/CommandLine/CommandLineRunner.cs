using Gateway.Host.CommandLine;

namespace Gateway.Host.Tests.CommandLine;

/// <summary>Runs the real `gateway` command line in-process and captures what it prints.</summary>
internal static class CommandLineRunner
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await GatewayCommandLine.InvokeAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
