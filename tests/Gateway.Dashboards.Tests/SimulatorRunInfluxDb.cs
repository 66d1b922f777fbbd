using System.Net.Sockets;
using Gateway.Testing;

namespace Gateway.Dashboards.Tests;

/// <summary>
/// The end-to-end run behind the dashboards: a real InfluxDB 1.6, and the real `gateway` process running the default
/// configuration (built-in simulator, embedded MQTT broker) with its InfluxDB sink pointed at it (api v1) and health
/// points every 2 s, plus a second InfluxDB sink whose server is down, so that the buffering and error panels have
/// something to show. The simulator runs at 120 times real time, so that the run holds an hour of a shift. After <see cref="RunTime"/> the gateway stops and the queries run on what it wrote.
/// </summary>
public sealed class SimulatorRunInfluxDb : IAsyncLifetime, IInfluxQuery
{
    public const string Database = "factory";

    public static readonly TimeSpan RunTime = TimeSpan.FromSeconds(30);

    private InfluxDbServer? _server;

    public InfluxDbServer Server => _server ?? throw new InvalidOperationException("not started");

    /// <summary>What the gateway printed, for failure messages.</summary>
    public string GatewayOutput { get; private set; } = "";

    public int GatewayExitCode { get; private set; }

    public async Task InitializeAsync()
    {
        _server = await InfluxDbServer.StartAsync();
        await _server.CreateDatabaseAsync(Database);

        var directory = RepositoryPaths.NewTempDirectory("dashboards-e2e");
        var config = Path.Combine(directory, "gateway.yaml");
        await File.WriteAllTextAsync(config, Configuration(_server.Url, DeadUrl()));
        var environment = new Dictionary<string, string>
        {
            ["GATEWAY_SIMULATOR_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GATEWAY_MQTT_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GATEWAY_HTTP_LISTEN"] = "127.0.0.1:" + FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GATEWAY_DATA"] = Path.Combine(directory, "data"),
        };
        using var gateway = RunningProgram.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "gateway.dll"), "run", "--config", config], RepositoryPaths.Root, environment);
        await Task.Delay(RunTime);
        RunningProgram.Signal(gateway.Id, "TERM");
        GatewayExitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30));
        GatewayOutput = gateway.Output;
    }

    public Task<IReadOnlyList<InfluxSeries>> QueryAsync(string statement) => InfluxSeries.QueryAsync(Server, Database, statement);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>config/gateway.yaml with its InfluxDB sink replaced by two: the live one (v1) and one whose server is down.</summary>
    private static string Configuration(string influxUrl, string deadUrl)
    {
        var text = File.ReadAllText(RepositoryPaths.Combine("config", "gateway.yaml"));
        var start = text.IndexOf("  - type: influxdb", StringComparison.Ordinal);
        var end = text.IndexOf("\nbuffer:", StringComparison.Ordinal);
        if (start < 0 || end < start)
        {
            throw new InvalidOperationException("config/gateway.yaml no longer has its influxdb sink before `buffer:`; update this test.");
        }

        var sinks = $"""
              - type: influxdb
                name: influxdb
                api: v1
                url: {influxUrl}
                database: {Database}
                healthIntervalSeconds: 2
              - type: influxdb
                name: archive
                api: v1
                url: {deadUrl}
                database: {Database}
                timeoutMs: 500

            """;
        // An hour of machine time in the run (cycles, idles, alarms); seed 1 raises CNC alarms within it.
        var simulator = "  rateMs: 500\n";
        if (!text.Contains(simulator, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("config/gateway.yaml no longer sets the simulator's rateMs: 500; update this test.");
        }

        return (text[..start] + sinks + text[end..])
            .Replace(simulator, "  rateMs: 200\n  timeScale: 120\n", StringComparison.Ordinal)
            .Replace("dataDirectory: ${GATEWAY_DATA:-../data}", "dataDirectory: ${GATEWAY_DATA}", StringComparison.Ordinal);
    }

    /// <summary>A URL where nothing listens: a port bound and released.</summary>
    private static string DeadUrl()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }
}
