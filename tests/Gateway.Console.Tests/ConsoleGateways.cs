using System.Net;
using System.Text.Json;
using Gateway.Sinks.Mqtt;
using Gateway.Testing;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Gateway.Console.Tests;

/// <summary>
/// Two real gateways and one headless Chromium, shared by every test of the collection (starting them is most of the
/// time these tests take):
/// <list type="bullet">
/// <item><see cref="Open"/>: the console as shipped (loopback, no login), with the built-in simulator's four machines
/// read through a <see cref="TcpRelay"/> (so a test can cut the source), and a SignAndEncrypt source to the node-opcua
/// secure server (tests/servers/opcua-secure) whose certificate it has not trusted yet.</item>
/// <item><see cref="Guarded"/>: `requireLogin: true`, treated exactly as a non-loopback bind, with an admin and a
/// viewer, /healthz open, and the same secure source.</item>
/// </list>
/// </summary>
public sealed class ConsoleGateways : IAsyncLifetime
{
    public const string AdminPassword = "admin-pass-1";
    public const string ViewerPassword = "viewer-pass-1";
    public const string InfluxToken = "s3cret-influx-token";
    public const string SecureAnswer = "nsu=urn:gateway:tests;s=Answer";

    public NodeOpcUaSecureServer SecureServer { get; private set; } = null!;

    public TcpRelay SimulatorRelay { get; private set; } = null!;

    public RunningGateway Open { get; private set; } = null!;

    public RunningGateway Guarded { get; private set; } = null!;

    public IWebDriver Browser { get; private set; } = null!;

    /// <summary>Where the screenshots go (printed by each test that writes one).</summary>
    public string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var server = NodeOpcUaSecureServer.StartAsync(doubles: 1);
        var simulatorPort = FreePort.Next();
        SimulatorRelay = TcpRelay.Start(simulatorPort);
        SecureServer = await server;

        // Fewer PBKDF2 iterations than `gateway passwd` uses: the same format and check, a faster test.
        var admin = BrokerPasswordHash.Create(AdminPassword, BrokerPasswordHash.MinimumIterations);
        var viewer = BrokerPasswordHash.Create(ViewerPassword, BrokerPasswordHash.MinimumIterations);

        var openStart = RunningGateway.StartAsync("console-open", OpenConfig(simulatorPort, SimulatorRelay.Port, FreePort.Next(), FreePort.Next(), FreePort.Next()));
        var guardedStart = RunningGateway.StartAsync("console-guarded", GuardedConfig(FreePort.Next(), FreePort.Next(), admin.ToString(), viewer.ToString()));
        Open = await openStart;
        Guarded = await guardedStart;
        Browser = StartBrowser();
    }

    private string SecureSource(string name) => $$"""
          - name: {{name}}
            endpoint: {{SecureServer.EndpointUrl}}
            security: { mode: signAndEncrypt }
            reconnect: { initialDelayMs: 500, maxDelayMs: 2000 }
            machines:
              - name: {{name}}-01
                groups:
                  - name: answer
                    mode: poll
                    intervalMs: 1000
                    tags:
                      - { name: answer, nodeId: "{{SecureAnswer}}" }
        """;

    /// <summary>The shipped config/gateway.yaml, with this test's ports, the simulator read through the relay, and the secure source.</summary>
    private string OpenConfig(int simulatorPort, int relayPort, int modbusPort, int mqttPort, int httpPort)
    {
        var text = File.ReadAllText(RepositoryPaths.Combine("config", "gateway.yaml"))
            .Replace("dataDirectory: ${GATEWAY_DATA:-../data}", "dataDirectory: data", StringComparison.Ordinal)
            .Replace("port: ${GATEWAY_SIMULATOR_PORT:-4840}", $"port: {simulatorPort}", StringComparison.Ordinal)
            .Replace("endpoint: opc.tcp://127.0.0.1:${GATEWAY_SIMULATOR_PORT:-4840}", $"endpoint: opc.tcp://127.0.0.1:{relayPort}\n    reconnect: {{ initialDelayMs: 500, maxDelayMs: 2000 }}", StringComparison.Ordinal)
            .Replace("${GATEWAY_SIMULATOR_MODBUS_PORT:-5020}", modbusPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("${GATEWAY_MQTT_PORT:-1883}", mqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("${INFLUX_URL:-http://127.0.0.1:8086}", "http://127.0.0.1:9", StringComparison.Ordinal)
            .Replace("${INFLUX_TOKEN:-demo-token}", InfluxToken, StringComparison.Ordinal)
            .Replace("${GATEWAY_HTTP_LISTEN:-127.0.0.1:9180}", $"127.0.0.1:{httpPort}", StringComparison.Ordinal);
        // The other ${NAME:-default} placeholders: their defaults, so that `gateway validate` in a child process reads the same.
        text = System.Text.RegularExpressions.Regex.Replace(text, @"\$\{[A-Z_]+:-([^}]*)\}", "$1");
        Assert.DoesNotContain("${", text, StringComparison.Ordinal);
        return text.Replace("\nsources:\n", "\nsources:\n" + SecureSource("secure-line") + "\n", StringComparison.Ordinal);
    }

    private string GuardedConfig(int mqttPort, int httpPort, string adminHash, string viewerHash) => $$"""
        gateway:
          name: guarded-gateway
          labels: { site: console-test }
          dataDirectory: data
        sources:
        {{SecureSource("secure-guarded")}}
        sinks:
          - type: mqtt
            name: mqtt
            embedded: true
            port: {{mqttPort}}
        http:
          listen: 127.0.0.1:{{httpPort}}
          console:
            requireLogin: true
            openEndpoints: [/healthz]
            users:
              - { name: admin, passwordHash: "{{adminHash}}", role: admin }
              - { name: viewer, passwordHash: "{{viewerHash}}", role: viewer }
        """;

    private static ChromeDriver StartBrowser()
    {
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000", "--lang=en-US", "--no-first-run");
        var browser = new ChromeDriver(service, options, TimeSpan.FromMinutes(2));
        browser.Manage().Timeouts().PageLoad = TimeSpan.FromMinutes(1);
        return browser;
    }

    public async Task DisposeAsync()
    {
        Browser?.Quit();
        Browser?.Dispose();
        if (Open is not null)
        {
            await Open.DisposeAsync();
        }

        if (Guarded is not null)
        {
            await Guarded.DisposeAsync();
        }

        await SimulatorRelay.DisposeAsync();
        await SecureServer.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleGateways>
{
    public const string Name = "console";
}

/// <summary>One gateway process with its own directory, configuration file and data; its console's URL.</summary>
public sealed class RunningGateway : IAsyncDisposable
{
    private RunningGateway(string directory, string configPath, RunningProgram program, string url)
    {
        Directory = directory;
        ConfigPath = configPath;
        Program = program;
        Url = url;
    }

    public string Directory { get; }

    public string ConfigPath { get; }

    public RunningProgram Program { get; }

    /// <summary>e.g. http://127.0.0.1:41234</summary>
    public string Url { get; }

    public string PkiDirectory => Path.Combine(Directory, "data", "pki");

    public static async Task<RunningGateway> StartAsync(string name, string config)
    {
        var directory = RepositoryPaths.NewTempDirectory(name);
        var configPath = Path.Combine(directory, "gateway.yaml");
        await File.WriteAllTextAsync(configPath, config);
        var program = StartCli(directory, "run", "--config", configPath);
        await program.WaitForOutputAsync("Web console at ", TimeSpan.FromMinutes(2));
        var line = program.Output.Split('\n').First(l => l.Contains("Web console at ", StringComparison.Ordinal));
        var url = line[(line.IndexOf("Web console at ", StringComparison.Ordinal) + "Web console at ".Length)..].Split(' ')[0].TrimEnd('/');
        return new RunningGateway(directory, configPath, program, url);
    }

    /// <summary>The real `gateway` executable (built beside the tests) in a child process.</summary>
    public static RunningProgram StartCli(string workingDirectory, params string[] args) =>
        RunningProgram.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "gateway.dll"), .. args], workingDirectory);

    /// <summary>Runs a `gateway` verb to its end; its exit code and output.</summary>
    public static async Task<(int Exit, string Output)> RunCliAsync(params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "gateway.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output + await error);
    }

    /// <summary>GET an API path as JSON (the loopback console needs no login).</summary>
    public async Task<JsonElement> GetJsonAsync(string path, HttpClient? client = null)
    {
        using var own = client is null ? new HttpClient() : null;
        using var response = await (client ?? own!).GetAsync(Url + path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        RunningProgram.Signal(Program.Id, "TERM");
        await Program.WaitForExitAsync(TimeSpan.FromMinutes(1));
        Program.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a slow exit: the temp folder is cleaned by the system.
        }
    }
}
