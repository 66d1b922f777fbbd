using System.CommandLine;

using Gateway.Sinks.Mqtt;

namespace Gateway.Host.CommandLine;

/// <summary>
/// `gateway mqtt-password [--password-file PATH]`: prints the PBKDF2-SHA256 hash of a password for a user of the
/// embedded MQTT broker (`users[].passwordHash`). The password comes from a file or standard input, never from the
/// command line, where other users of the machine could see it in the process list.
/// </summary>
public static class MqttPasswordCommand
{
    public static Command Create() =>
        Create("mqtt-password", "Hash a password for a user of the embedded MQTT broker (users[].passwordHash).");

    /// <summary>
    /// `gateway passwd`: the same hash for a web console user (http.console.users[].passwordHash, docs/console.md);
    /// one format and one implementation for both.
    /// </summary>
    public static Command CreateConsolePasswd() =>
        Create("passwd", "Hash a password for a web console user (http.console.users[].passwordHash).");

    private static Command Create(string name, string description)
    {
        var file = new Option<string?>("--password-file")
        {
            Description = "File whose first line is the password (default: read it from standard input).",
            HelpName = "PATH",
        };
        var command = new Command(name, description) { file };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file);
            string? password;
            try
            {
                password = path is null ? Console.In.ReadLine() : File.ReadLines(path).FirstOrDefault();
            }
            catch (IOException e)
            {
                parse.InvocationConfiguration.Error.WriteLine($"cannot read the password: {e.Message}");
                return ExitCodes.Usage;
            }

            if (string.IsNullOrEmpty(password))
            {
                parse.InvocationConfiguration.Error.WriteLine($"no password: give it on the first line of {(path is null ? "standard input" : path)}");
                return ExitCodes.Usage;
            }

            parse.InvocationConfiguration.Output.WriteLine(BrokerPasswordHash.Create(password).ToString());
            return ExitCodes.Ok;
        });
        return command;
    }
}
