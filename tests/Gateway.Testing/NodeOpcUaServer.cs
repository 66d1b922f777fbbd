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

    /// <summary>
    /// The sessions the server holds, from the "sessions N" lines it prints on every change: (highest ever, now).
    /// </summary>
    public (int Most, int Now) Sessions
    {
        get
        {
            var counts = System.Text.RegularExpressions.Regex.Matches(_process.Output, @"^sessions (\d+)", System.Text.RegularExpressions.RegexOptions.Multiline)
                .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
                .ToList();
            return counts.Count == 0 ? (0, 0) : (counts.Max(), counts[^1]);
        }
    }

    /// <summary>Makes the server stop answering Publish for the sessions it has now (SIGUSR2); later sessions are served.</summary>
    public async Task MutePublishAsync()
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-USR2", _process.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        for (var i = 0; i < 50 && !_process.Output.Contains("publish muted", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }
    }

    /// <param name="counters">A block of Int32 counters (Counters.00000...) that all change every 100 ms.</param>
    /// <param name="reversedNamespaces">Register a decoy namespace before urn:gateway:tests, so its index is 3, not 2.</param>
    /// <param name="hiddenMaxMonitoredItemsPerCall">Advertise no limit but answer BadTooManyOperations above this many items per call.</param>
    public static async Task<NodeOpcUaServer> StartAsync(
        int doubles = 20000,
        int maxNodesPerRead = 5000,
        int maxMessageSize = 64 * 1024 * 1024,
        int? port = null,
        int counters = 0,
        bool reversedNamespaces = false,
        int hiddenMaxMonitoredItemsPerCall = 0)
    {
        port ??= FreePort.Next();
        var script = RepositoryPaths.Combine("tests", "servers", "opcua", "server.js");
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        var process = await ServerProcess.StartAsync(
            "node-opcua",
            "node",
            [script, "--port", port.Value.ToString(invariant), "--doubles", doubles.ToString(invariant),
             "--max-nodes-per-read", maxNodesPerRead.ToString(invariant),
             "--max-message-size", maxMessageSize.ToString(invariant),
             "--counters", counters.ToString(invariant),
             "--namespace-order", reversedNamespaces ? "reversed" : "normal",
             "--hidden-max-monitored-items", hiddenMaxMonitoredItemsPerCall.ToString(invariant)],
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
