using System.CommandLine;
using Gateway.Host.Service;

namespace Gateway.Host.CommandLine;

/// <summary>`gateway run [--config PATH]`: runs the service (console, systemd or Windows service).</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var config = GatewayCommandLine.ConfigOption();
        var command = new Command("run", "Run the gateway service (the default when no verb is given).") { config };
        command.SetAction((parse, cancellationToken) =>
            GatewayHost.RunAsync(ConfigPath.Resolve(parse.GetValue(config)), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken));
        return command;
    }
}
