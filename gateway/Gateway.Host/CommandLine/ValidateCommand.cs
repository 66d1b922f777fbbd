using System.CommandLine;
using Gateway.Configuration;

namespace Gateway.Host.CommandLine;

/// <summary>
/// `gateway validate [--config PATH]`: checks the file and every file it includes, prints every problem as
/// `PATH:LINE:COLUMN: message` (exit 1), or a one-line summary (exit 0). Never prints a secret.
/// </summary>
public static class ValidateCommand
{
    public static Command Create()
    {
        var config = GatewayCommandLine.ConfigOption();
        var command = new Command("validate", "Check the configuration and every file it includes; print every problem.") { config };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var path = ConfigPath.Resolve(parse.GetValue(config));
            var result = ConfigurationLoader.Load(path, GatewayPlugins.Create());
            if (result.Errors.Count > 0)
            {
                foreach (var problem in result.Errors)
                {
                    output.WriteLine(problem.ToString());
                }

                output.WriteLine($"{result.Errors.Count} problem(s) in {path}");
                return ExitCodes.InvalidConfiguration;
            }

            output.WriteLine($"{path}: valid: {ConfigurationSummary.Describe(result)}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
