using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;

using Gateway.Simulator;
using Gateway.Testing;

namespace Gateway.Dashboards.Tests;

/// <summary>
/// The end-to-end run behind the dashboards: a real InfluxDB 1.6, and the real `gateway` process running the default
/// configuration (embedded MQTT broker) with its InfluxDB sink pointed at it (api v1) and health points every 2 s, plus
/// a second InfluxDB sink whose server is down, so that the buffering and error panels have something to show. The
/// simulator (the default configuration's shop, seed 1) runs in this process instead of the gateway's, at 120 times
/// real time so that the run holds an hour of machine time, and records its schedule: one short shift
/// (<see cref="ShiftName"/>, <see cref="ShiftLength"/>) completes during the run, and <see cref="ShiftOracle"/> computes
/// from the schedule what the OEE dashboard must show for it. The gateway stops once that shift's final records are in
/// InfluxDB (and not before <see cref="RunTime"/>); the queries run on what it wrote.
/// </summary>
public sealed partial class SimulatorRunInfluxDb : IAsyncLifetime, IInfluxQuery
{
    public const string Database = "factory";

    public const double TimeScale = 120;

    /// <summary>The one shift of the run's calendar (the default configuration's day, swing and night shifts are replaced).</summary>
    public const string ShiftName = "run";

    public static readonly TimeSpan RunTime = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan ShiftLength = TimeSpan.FromSeconds(30); // an hour of machine time: CNC alarms for the alarm Pareto

    /// <summary>Time for the gateway to start and read every machine before the shift begins (a loaded box is slow).</summary>
    private static readonly TimeSpan StartMargin = TimeSpan.FromSeconds(25);

    private InfluxDbServer? _server;

    public InfluxDbServer Server => _server ?? throw new InvalidOperationException("not started");

    /// <summary>What the gateway printed, for failure messages.</summary>
    public string GatewayOutput { get; private set; } = "";

    public int GatewayExitCode { get; private set; }

    public DateTime ShiftStart { get; private set; }

    public DateTime ShiftEnd { get; private set; }

    /// <summary>What each machine did, tick by tick, for the whole run.</summary>
    public IReadOnlyList<ScheduleStep> Schedule { get; private set; } = [];

    /// <summary>The ideal cycle time in wall-clock seconds per OEE template of the default configuration (simulated ones / <see cref="TimeScale"/>).</summary>
    public IReadOnlyDictionary<string, double> IdealCycleSeconds { get; private set; } = new Dictionary<string, double>();

    /// <summary>Whether the shift's final records of every machine reached InfluxDB before the gateway stopped.</summary>
    public bool ShiftCompleted { get; private set; }

    public async Task InitializeAsync()
    {
        _server = await InfluxDbServer.StartAsync();
        await _server.CreateDatabaseAsync(Database);

        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions
        {
            Port = 0,
            ModbusPort = 0,
            Machines = 4,
            RateMs = 200,
            TimeScale = TimeScale,
            Seed = 1,
            RecordSchedule = true,
        });

        // Whole seconds: the calendar takes HH:mm:ss (the zone is UTC in the run: local = UTC).
        var now = DateTime.UtcNow;
        ShiftStart = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, DateTimeKind.Utc) + StartMargin;
        ShiftEnd = ShiftStart + ShiftLength;

        var directory = RepositoryPaths.NewTempDirectory("dashboards-e2e");
        var config = Path.Combine(directory, "gateway.yaml");
        var (text, ideal) = Configuration(_server.Url, DeadUrl(), ShiftStart, ShiftEnd);
        IdealCycleSeconds = ideal;
        await File.WriteAllTextAsync(config, text);
        var environment = new Dictionary<string, string>
        {
            ["GATEWAY_SIMULATOR_PORT"] = simulator.Port.ToString(CultureInfo.InvariantCulture),
            ["GATEWAY_SIMULATOR_MODBUS_PORT"] = (simulator.ModbusPort ?? FreePort.Next()).ToString(CultureInfo.InvariantCulture),
            ["GATEWAY_MQTT_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["GATEWAY_HTTP_LISTEN"] = "127.0.0.1:" + FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["GATEWAY_DATA"] = Path.Combine(directory, "data"),
        };
        var started = DateTime.UtcNow;
        using var gateway = RunningProgram.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "gateway.dll"), "run", "--config", config], RepositoryPaths.Root, environment);

        // Until every machine's final record of the shift is in InfluxDB (stamped at the shift's end; live ones never are).
        var deadline = ShiftEnd + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && !ShiftCompleted)
        {
            await Task.Delay(500);
            ShiftCompleted = await FinalRecordCountAsync() >= 4;
        }

        var minimum = started + RunTime - DateTime.UtcNow;
        if (minimum > TimeSpan.Zero)
        {
            await Task.Delay(minimum);
        }

        RunningProgram.Signal(gateway.Id, "TERM");
        GatewayExitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30));
        GatewayOutput = gateway.Output;
        Schedule = simulator.Schedule!.Steps;
    }

    private async Task<int> FinalRecordCountAsync()
    {
        var statement = $"SELECT last(\"total_count\") FROM \"oee\" WHERE \"shift\" = '{ShiftName}' AND time >= '{ShiftEnd:yyyy-MM-dd'T'HH:mm:ss'Z'}' GROUP BY \"machine\"";
        return (await QueryAsync(statement)).Count;
    }

    public Task<IReadOnlyList<InfluxSeries>> QueryAsync(string statement) => InfluxSeries.QueryAsync(Server, Database, statement);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>
    /// config/gateway.yaml with its InfluxDB sink replaced by two (the live one, v1, and one whose server is down), the
    /// built-in simulator off (this process runs it), faster sampling (every tick seen, so that the gateway's states and
    /// counts can equal the schedule's), and in the `oee:` section the zone UTC, one shift
    /// [<paramref name="shiftStart"/>, <paramref name="shiftEnd"/>), and one ideal cycle time per template in wall-clock seconds.
    /// </summary>
    private static (string Text, Dictionary<string, double> Ideal) Configuration(string influxUrl, string deadUrl, DateTime shiftStart, DateTime shiftEnd)
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
        text = text[..start] + sinks + text[end..];
        text = Replace(text, "simulator:\n  enabled: true\n", "simulator:\n  enabled: false\n");
        text = Replace(text, "dataDirectory: ${GATEWAY_DATA:-../data}", "dataDirectory: ${GATEWAY_DATA}");

        // Subscriptions sample every 100 ms and the CNC counters are subscribed too: at 200 ms a tick, every tick is seen.
        // A queue of 100 (20 s of ticks) keeps every tick when a loaded box answers Publish late: the default 10 drops the
        // oldest after 2 s, and a dropped tick just before the shift start moves its part into the shift (seen once under
        // load: 138 parts against the oracle's 137).
        text = Replace(text, "        mode: poll\n        intervalMs: 2000\n", "        mode: subscribe\n        intervalMs: 100\n        queueSize: 100\n");
        text = Replace(text, "        mode: subscribe\n        intervalMs: 1000\n", "        mode: subscribe\n        intervalMs: 100\n        queueSize: 100\n");

        var oee = text.IndexOf("\noee:\n", StringComparison.Ordinal);
        var oeeEnd = text.IndexOf("\nsinks:", oee + 1, StringComparison.Ordinal);
        if (oee < 0 || oeeEnd < 0)
        {
            throw new InvalidOperationException("config/gateway.yaml no longer has its `oee:` section before `sinks:`; update this test.");
        }

        var section = text[oee..oeeEnd];
        section = Replace(section, "  timeZone: Asia/Seoul\n", "  timeZone: Etc/UTC\n");
        var shifts = ShiftsBlock().Match(section);
        if (!shifts.Success)
        {
            throw new InvalidOperationException("config/gateway.yaml's `oee.calendar.shifts` changed shape; update this test.");
        }

        section = section[..shifts.Index] + $"    shifts:\n      - {{ name: {ShiftName}, start: \"{shiftStart:HH:mm:ss}\", end: \"{shiftEnd:HH:mm:ss}\" }}\n" + section[(shifts.Index + shifts.Length)..];

        // The CNC's ideal time by program is left out: the schedule does not record the program, so one ideal per template.
        section = ByProgramLine().Replace(section, "");
        var ideal = new Dictionary<string, double>();
        string? template = null;
        var lines = section.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var name = TemplateLine().Match(lines[i]);
            if (name.Success)
            {
                template = name.Groups[1].Value;
            }

            var value = IdealLine().Match(lines[i]);
            if (value.Success && template is not null)
            {
                var seconds = double.Parse(value.Groups[2].Value, CultureInfo.InvariantCulture) / TimeScale;
                ideal[template] = seconds;
                lines[i] = value.Groups[1].Value + seconds.ToString("R", CultureInfo.InvariantCulture);
            }
        }

        if (!new[] { "sim-cnc", "sim-press", "sim-mould" }.All(ideal.ContainsKey))
        {
            throw new InvalidOperationException($"config/gateway.yaml's `oee.templates` changed (ideal cycle times of {string.Join(", ", ideal.Keys)} only); update this test.");
        }

        return (text[..oee] + string.Join('\n', lines) + text[oeeEnd..], ideal);
    }

    private static string Replace(string text, string old, string replacement) =>
        text.Contains(old, StringComparison.Ordinal)
            ? text.Replace(old, replacement, StringComparison.Ordinal)
            : throw new InvalidOperationException($"config/gateway.yaml no longer contains {old.Trim()}; update this test.");

    [GeneratedRegex(@"    shifts:\n(      - .*\n)+")]
    private static partial Regex ShiftsBlock();

    [GeneratedRegex(@"  +idealCycleSecondsByProgram: .*\n")]
    private static partial Regex ByProgramLine();

    [GeneratedRegex(@"^    ([a-z-]+):\s*$")]
    private static partial Regex TemplateLine();

    [GeneratedRegex(@"^(\s+idealCycleSeconds: )([0-9.]+)\s*$")]
    private static partial Regex IdealLine();

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
