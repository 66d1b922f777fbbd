namespace Gateway.Testing;

/// <summary>
/// The node-opcua server of tests/servers/opcua/server.js: an independent OPC UA implementation with a known address
/// space (every built-in type, 20,000 doubles, big arrays, a deep tree, a denied variable). Slow to start: share it.
/// </summary>
public sealed class NodeOpcUaServer : IAsyncDisposable
{
    private readonly ServerProcess _process;

    private NodeOpcUaServer(ServerProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string EndpointUrl => $"opc.tcp://127.0.0.1:{Port}";

    /// <summary>The namespace index of "urn:gateway:tests", as the server printed it on its ready line.</summary>
    public ushort TestNamespace
    {
        get
        {
            var match = System.Text.RegularExpressions.Regex.Match(_process.Output, @"^ready \S+ ns=(\d+)", System.Text.RegularExpressions.RegexOptions.Multiline);
            return match.Success ? ushort.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : throw new InvalidOperationException("node-opcua did not print its ready line:\n" + _process.Output);
        }
    }

    public string Output => _process.Output;

    public static async Task<NodeOpcUaServer> StartAsync(int doubles = 20000, int maxNodesPerRead = 5000, int maxMessageSize = 64 * 1024 * 1024, int? port = null)
    {
        port ??= FreePort.Next();
        var script = RepositoryPaths.Combine("tests", "servers", "opcua", "server.js");
        var process = await ServerProcess.StartAsync(
            "node-opcua",
            "node",
            [script, "--port", port.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "--doubles", doubles.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--max-nodes-per-read", maxNodesPerRead.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--max-message-size", maxMessageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            port.Value,
            startTimeout: TimeSpan.FromMinutes(4));
        // The port opens a moment before the ready line (which carries the namespace index) is printed.
        for (var i = 0; i < 100 && !process.Output.Contains("ready ", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }

        return new NodeOpcUaServer(process, port.Value);
    }

    /// <summary>Kills the server (SIGKILL), as a power cut or crash would.</summary>
    public Task KillAsync() => _process.KillAsync();

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
