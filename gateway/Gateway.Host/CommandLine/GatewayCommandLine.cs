using System.CommandLine;
using System.CommandLine.Invocation;
using Gateway.Configuration;
using Gateway.Host.Logging;

namespace Gateway.Host.CommandLine;

/// <summary>
/// The `gateway` command line. `run` is the default verb; each other verb lives in its own class and adds itself here.
/// </summary>
public static class GatewayCommandLine
{
    public static async Task<int> InvokeAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        var root = Build();
        var parse = root.Parse(args);

        // Every verb prints through these, so no secret the configuration loaded reaches stdout or stderr in clear.
        using var redactedOutput = new RedactingTextWriter(output ?? Console.Out, SecretRegistry.Process);
        using var redactedError = new RedactingTextWriter(error ?? Console.Error, SecretRegistry.Process);
        var configuration = new InvocationConfiguration
        {
            Output = redactedOutput,
            Error = redactedError,
            ProcessTerminationTimeout = OwnsTermination(parse) ? TerminationHandledByCommandLine : null,
        };
        try
        {
            return await parse.InvokeAsync(configuration);
        }
        finally
        {
            redactedOutput.Flush();
            redactedError.Flush();
        }
    }

    /// <summary>How long a tool verb may take to end after Ctrl-C or SIGTERM (System.CommandLine's default).</summary>
    private static readonly TimeSpan TerminationHandledByCommandLine = TimeSpan.FromSeconds(2);

    /// <summary>
    /// False for the service (`run`, or no verb): the host handles SIGTERM and Ctrl-C itself and stops within
    /// gateway.shutdownTimeoutSeconds. System.CommandLine would otherwise end the process with 143 two seconds after
    /// SIGTERM, in the middle of a graceful stop that is still flushing to a slow broker.
    /// </summary>
    public static bool OwnsTermination(ParseResult parse) =>
        parse.CommandResult.Command is not RootCommand && parse.CommandResult.Command.Name != "run";

    public static RootCommand Build()
    {
        var root = new RootCommand(
            "Changwon Edge Gateway: reads OPC UA machines, buffers durably, publishes to MQTT and InfluxDB.");
        var run = RunCommand.Create();
        root.Subcommands.Add(run);
        root.Subcommands.Add(ValidateCommand.Create());
        root.Subcommands.Add(BufferCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(ReadCommand.Create());
        root.Subcommands.Add(BrowseCommand.Create());
        root.Subcommands.Add(MelsecCommand.Create());
        root.Subcommands.Add(ModbusCommand.Create());
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(CertCommand.Create());
        root.Subcommands.Add(MqttPasswordCommand.Create());
        root.Subcommands.Add(MqttPasswordCommand.CreateConsolePasswd());
        root.Subcommands.Add(AckCommand.Create());

        // `gateway` with no verb runs the service, with run's options.
        foreach (var option in run.Options)
        {
            root.Options.Add(option);
        }

        root.Action = run.Action;

        // The built-in --version prints the entry assembly's version, which is the test host's in tests.
        foreach (var version in root.Options.OfType<VersionOption>())
        {
            version.Action = new PrintVersionAction();
        }

        return root;
    }

    private sealed class PrintVersionAction : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(BuildInfo.Version);
            return ExitCodes.Ok;
        }
    }

    /// <summary>The `--config PATH` option shared by the verbs that read the configuration.</summary>
    public static Option<string?> ConfigOption() => new("--config", "-c")
    {
        Description = $"Path of the YAML configuration (default: {ConfigPath.DefaultRelative} in the working directory, else next to the executable).",
        HelpName = "PATH",
    };
}
