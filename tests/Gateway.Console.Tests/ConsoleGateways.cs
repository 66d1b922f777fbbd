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
/// <item><see cref="Tls"/>: the console over HTTPS (`http.tls` with a self-signed certificate this test makes, reached
/// as https://localhost:PORT so its cookie is not the other gateways'), `requireLogin: true` with an admin, and a Modbus
/// source reading the open gateway's simulated meter.</item>
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

    public RunningGateway Tls { get; private set; } = null!;

    /// <summary>The OPC UA port of the open gateway's simulator itself (not the relay): an endpoint to type in.</summary>
    public int SimulatorPort { get; private set; }

    /// <summary>The Modbus TCP port of the open gateway's simulator (the meter is unit 1, the PLC unit 2).</summary>
    public int SimulatorModbusPort { get; private set; }

    /// <summary>The TLS gateway's certificate (PEM files in its directory) and a second one a reload may switch to.</summary>
    public TlsFiles TlsCertificates { get; private set; } = null!;

    public IWebDriver Browser { get; private set; } = null!;

    /// <summary>Where the screenshots go (printed by each test that writes one).</summary>
    public string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var server = NodeOpcUaSecureServer.StartAsync(doubles: 1);
        var simulatorPort = FreePort.Next();
        SimulatorPort = simulatorPort;
        SimulatorRelay = TcpRelay.Start(simulatorPort);
        SecureServer = await server;

        // Fewer PBKDF2 iterations than `gateway passwd` uses: the same format and check, a faster test.
        var admin = BrokerPasswordHash.Create(AdminPassword, BrokerPasswordHash.MinimumIterations);
        var viewer = BrokerPasswordHash.Create(ViewerPassword, BrokerPasswordHash.MinimumIterations);

        SimulatorModbusPort = FreePort.Next();
        TlsCertificates = TlsFiles.Create(RepositoryPaths.NewTempDirectory("console-tls-certificates"));
        var openStart = RunningGateway.StartAsync("console-open", OpenConfig(simulatorPort, SimulatorRelay.Port, SimulatorModbusPort, FreePort.Next(), FreePort.Next()));
        var guardedStart = RunningGateway.StartAsync("console-guarded", GuardedConfig(FreePort.Next(), FreePort.Next(), admin.ToString(), viewer.ToString()));
        var tlsStart = RunningGateway.StartAsync("console-tls", TlsConfig(FreePort.Next(), FreePort.Next(), admin.ToString(), TlsCertificates.Certificate, TlsCertificates.Key), "localhost");
        Open = await openStart;
        Guarded = await guardedStart;
        Tls = await tlsStart;
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

    /// <summary>The TLS gateway's file: HTTPS with the given PEM certificate, a login, and a Modbus source to the simulator.</summary>
    public string TlsConfig(int mqttPort, int httpPort, string adminHash, string certificate, string key) => $$"""
        gateway:
          name: tls-gateway
          labels: { site: console-test }
          dataDirectory: data
        sources:
          - name: meter
            type: modbus
            host: 127.0.0.1
            port: {{SimulatorModbusPort}}
            machines:
              - name: meter-01
                groups:
                  - name: power
                    unit: 1
                    intervalMs: 1000
                    tags:
                      - { name: power_kw, register: "input:0", type: float32, byteOrder: cdab }
        sinks:
          - type: mqtt
            name: mqtt
            embedded: true
            port: {{mqttPort}}
        http:
          listen: 127.0.0.1:{{httpPort}}
          tls: { certificate: "{{certificate}}", privateKey: "{{key}}" }
          console:
            requireLogin: true
            users:
              - { name: admin, passwordHash: "{{adminHash}}", role: admin }
        """;

    private static ChromeDriver StartBrowser()
    {
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000", "--lang=en-US", "--no-first-run",
            // The TLS gateway's certificate is the test's own self-signed one (docs/console.md, Tests).
            "--ignore-certificate-errors");
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

        if (Tls is not null)
        {
            await Tls.DisposeAsync();
        }

        try
        {
            Directory.Delete(TlsCertificates.Directory, recursive: true);
        }
        catch (IOException)
        {
            // The temp folder is cleaned by the system.
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

    /// <param name="urlHost">The host name of <see cref="Url"/> when not the one the gateway prints (e.g. localhost for TLS).</param>
    public static async Task<RunningGateway> StartAsync(string name, string config, string? urlHost = null)
    {
        var directory = RepositoryPaths.NewTempDirectory(name);
        var configPath = Path.Combine(directory, "gateway.yaml");
        await File.WriteAllTextAsync(configPath, config);
        var program = StartCli(directory, "run", "--config", configPath);
        await program.WaitForOutputAsync("Web console at ", TimeSpan.FromMinutes(2));
        var line = program.Output.Split('\n').First(l => l.Contains("Web console at ", StringComparison.Ordinal));
        var url = line[(line.IndexOf("Web console at ", StringComparison.Ordinal) + "Web console at ".Length)..].Split(' ')[0].TrimEnd('/');
        if (urlHost is not null)
        {
            url = new UriBuilder(url) { Host = urlHost }.Uri.ToString().TrimEnd('/');
        }

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

    /// <summary>An HTTP client that accepts the TLS gateway's self-signed certificate (and no other) and keeps cookies.</summary>
    public static HttpClient TrustingClient(TlsFiles files, CookieContainer? cookies = null) => new(new HttpClientHandler
    {
        CookieContainer = cookies ?? new CookieContainer(),
        ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && files.Thumbprints.Contains(certificate.Thumbprint, StringComparer.OrdinalIgnoreCase),
    });

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

/// <summary>Two self-signed certificates for localhost (PEM certificate and key files): the one the TLS gateway starts with, and another.</summary>
public sealed record TlsFiles(string Directory, string Certificate, string Key, string SecondCertificate, string SecondKey, IReadOnlyList<string> Thumbprints)
{
    public static TlsFiles Create(string directory)
    {
        var first = Write(directory, "console");
        var second = Write(directory, "console-renewed");
        return new TlsFiles(directory, first.Certificate, first.Key, second.Certificate, second.Key, [first.Thumbprint, second.Thumbprint]);
    }

    private static (string Certificate, string Key, string Thumbprint) Write(string directory, string name)
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest($"CN={name}", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var san = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension([new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certificateFile = Path.Combine(directory, name + ".pem");
        var keyFile = Path.Combine(directory, name + ".key");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certificateFile, keyFile, certificate.Thumbprint);
    }
}
