using System.Globalization;
using System.Text.RegularExpressions;

namespace Gateway.Testing;

/// <summary>
/// The node-opcua server of tests/servers/opcua/alarms-server.js: Alarms and Conditions (Part 9) on an independent
/// implementation. Objects/Machine holds conditions Alarm001... of MachineAlarmType (an AlarmConditionType subtype with
/// a vendor property AlarmNumber = 1000 + i), raised, cleared and acknowledged by <see cref="RunAsync"/>.
/// </summary>
public sealed class NodeOpcUaAlarmsServer : IAsyncDisposable
{
    private readonly ServerProcess _process;
    private readonly string _commands;
    private int _sent;

    private NodeOpcUaAlarmsServer(ServerProcess process, int port, string commands)
    {
        _process = process;
        Port = port;
        _commands = commands;
    }

    public int Port { get; }

    public string EndpointUrl => $"opc.tcp://127.0.0.1:{Port}";

    public string Output => _process.Output;

    /// <summary>The namespace index of urn:gateway:tests:alarms, from the ready line.</summary>
    public ushort Namespace => ushort.Parse(Regex.Match(Output, @"^ready \S+ ns=(\d+)", RegexOptions.Multiline).Groups[1].Value, CultureInfo.InvariantCulture);

    /// <param name="port">A fixed port, to start the server again where a gateway expects it.</param>
    /// <param name="values">Int32 variables Machine.V00001... that the command `values` changes all at once.</param>
    public static async Task<NodeOpcUaAlarmsServer> StartAsync(int alarms = 3, int? port = null, int values = 0)
    {
        port ??= FreePort.Next();
        var commands = Path.Combine(Path.GetTempPath(), $"alarms-{port}-{Guid.NewGuid():N}.txt");
        var process = await ServerProcess.StartAsync(
            "node-opcua alarms server",
            "node",
            [RepositoryPaths.Combine("tests", "servers", "opcua", "alarms-server.js"), "--port", port.Value.ToString(CultureInfo.InvariantCulture), "--commands", commands, "--alarms", alarms.ToString(CultureInfo.InvariantCulture), "--values", values.ToString(CultureInfo.InvariantCulture)],
            port.Value,
            startTimeout: TimeSpan.FromMinutes(4),
            readyWhen: output => output.Contains("ready opc.tcp", StringComparison.Ordinal));
        return new NodeOpcUaAlarmsServer(process, port.Value, commands);
    }

    /// <summary>Runs one command of the script (raise NAME SEVERITY TEXT, clear NAME, ack NAME COMMENT, event N, overflow, flap N) and waits until it ran.</summary>
    public async Task RunAsync(string command)
    {
        var number = Interlocked.Increment(ref _sent);
        await File.AppendAllTextAsync(_commands, command + "\n");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!Regex.IsMatch(Output, $"^(done|failed) {number}\\b", RegexOptions.Multiline))
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new TimeoutException($"the alarms server did not run '{command}':\n{Output}");
            }

            await Task.Delay(50);
        }

        if (Regex.IsMatch(Output, $"^failed {number}\\b", RegexOptions.Multiline))
        {
            throw new InvalidOperationException($"the alarms server refused '{command}':\n{Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        File.Delete(_commands);
    }
}
