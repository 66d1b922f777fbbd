using Gateway.Configuration;
using Gateway.Host.CommandLine;

namespace Gateway.Host;

public static class Program
{
    public static Task<int> Main(string[] args)
    {
        AppDomain.CurrentDomain.UnhandledException += (_, e) => ReportUnhandled(e.ExceptionObject);
        return GatewayCommandLine.InvokeAsync(args);
    }

    /// <summary>
    /// The runtime would print an unhandled exception in clear (with any secret in its message) and abort. It is printed
    /// masked instead, and the process ends with the runtime-error code before the runtime prints anything.
    /// </summary>
    private static void ReportUnhandled(object exception)
    {
        Console.Error.WriteLine($"gateway: stopped on an unexpected error: {SecretRegistry.Process.Redact(exception.ToString() ?? "")}");
        Console.Error.Flush();
        Environment.Exit(ExitCodes.RuntimeError);
    }
}
