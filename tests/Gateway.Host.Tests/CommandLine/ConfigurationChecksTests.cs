using System.Net;
using System.Text.RegularExpressions;
using Gateway.Buffer;
using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Connectors.OpcUa;
using Gateway.Core;
using Gateway.Host.CommandLine;
using Gateway.Host.Monitoring;
using Gateway.Host.Service;
using Gateway.Normalization;
using Gateway.OpcUa.Security;
using Gateway.OpcUa.Status;
using Gateway.Simulator;
using Gateway.Sinks.Mqtt;
using Gateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Host.Tests.CommandLine;

/// <summary>
/// One list of checks: every refusal the runtime can raise on a configuration value is, for the same file, refused
/// first by `validate` (and by `run`, which loads the same way) with the same `PATH:LINE:COLUMN: message`.
/// </summary>
public sealed class ConfigurationChecksTests : IDisposable
{
    private readonly string _dir = RepositoryPaths.NewTempDirectory("checks");

    public ConfigurationChecksTests()
    {
        File.WriteAllText(NotACertificate, "-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Config(string top = "", string source = "", string tag = "", string sink = "") => $"""
        gateway:
          name: gw
          labels: {"{"}site: plant{"}"}
        {top}sources:
          - name: s1
            endpoint: opc.tcp://127.0.0.1:1
        {source}    machines:
              - name: m1
                groups:
                  - name: g
                    tags:
                      - name: state
                        nodeId: ns=2;s=State
        {tag}sinks:
          - type: mqtt
            name: broker
        {sink}
        """;

    /// <summary>
    /// A runtime refusal: where it is thrown (file and a piece of the throw line), the YAML that reaches it, the place
    /// and words `validate` must report, and the runtime call itself, which must throw on the same values.
    /// </summary>
    public sealed record RuntimeRefusal(string ThrowFile, string ThrowLine, string Yaml, int Line, int Column, string Message, Action Runtime);

    private static ResolvedTag Tag(NormalizeConfig rules) =>
        new("s1", "m1", "g", "state", new OpcUaTagAddress { NodeId = "ns=2;s=State" }, new OpcUaGroupOptions(), 1000, "s1", rules, LabelSet.Empty, null);

    private static void Pipeline(NormalizeConfig rules) =>
        _ = new NormalizationPipeline([Tag(rules)], new DiscardingWriter(), TimeProvider.System, NullLogger<NormalizationPipeline>.Instance);

    /// <summary>A file that exists and has a PEM block that holds no certificate (the constructor writes it).</summary>
    private static readonly string NotACertificate = Path.Combine(Path.GetTempPath(), "gateway-checks-not-a-certificate.txt");

    public static readonly IReadOnlyList<RuntimeRefusal> Refusals =
    [
        new("gateway/Gateway.Normalization/NormalizationPipeline.cs", "throw new ArgumentException(",
            Config(tag: "                normalize:\n                  enum: {0: STOPPED, one: RUNNING}\n"), 15, 38, "normalize.enum key 'one' is not a whole number",
            () => Pipeline(new NormalizeConfig { Enum = new() { ["0"] = "STOPPED", ["one"] = "RUNNING" } })),
        new("gateway/Gateway.Normalization/NormalizationPipeline.cs", "throw new ArgumentException(",
            Config(top: "normalize:\n  enum:\n    1: RUNNING\n    01: STARTING\n"), 7, 5, "normalize.enum names the number 1 twice",
            () => Pipeline(new NormalizeConfig { Enum = new() { ["1"] = "RUNNING", ["01"] = "STARTING" } })),
        new("gateway/Gateway.Normalization/NormalizationPipeline.cs", "throw new ArgumentException(",
            Config(top: "normalize:\n  type: string\n", tag: "                normalize:\n                  enum: {0: STOPPED}\n"), 14, 17, "normalize.type: string turns the value into text first",
            () => Pipeline(new NormalizeConfig { Type = Gateway.Configuration.Model.ValueType.String, Enum = new() { ["0"] = "STOPPED" } })),
        new("gateway/Gateway.Simulator/SimulatedShop.cs", "throw new ArgumentException(\"simulator options: \"",
            Config(top: "simulator:\n  bind: localhost\n"), 5, 9, "simulator.bind: 'localhost' is not an IP address",
            () => _ = new SimulatedShop(new SimulatorOptions { Bind = "localhost" }, new Gateway.OpcUa.Server.AddressSpace.UaAddressSpace("urn:test"))),
        new("gateway/Gateway.Simulator/SimulatedShop.cs", "throw new ArgumentException(\"simulator options: \"",
            Config(top: "simulator:\n  machines: 1000\n  tagsPerMachine: 100000\n"), 6, 19, "simulator.tagsPerMachine: 1000 machines x 100000 tags is over 1,000,000",
            () => _ = new SimulatedShop(new SimulatorOptions { Machines = 1000, TagsPerMachine = 100000 }, new Gateway.OpcUa.Server.AddressSpace.UaAddressSpace("urn:test"))),
        new("gateway/Gateway.Host/Monitoring/MonitoringEndpoint.cs", "throw new FormatException($\"http.listen",
            Config(top: "http:\n  listen: 127.0.0.1:99999\n"), 5, 11, "http.listen: port 99999 is outside 0..65535",
            () => _ = MonitoringEndpoint.ParseListen("127.0.0.1:99999")),
        new("gateway/Sinks/Mqtt/TopicTemplate.cs", "throw new FormatException(problem)",
            Config(sink: "    topic: factory/#\n"), 17, 12, "sinks[0] (broker).topic: 'factory/#' contains '#'",
            () => _ = TopicTemplate.Parse("factory/#")),
        new("gateway/Sinks/Mqtt/EmbeddedBroker.cs", ": throw new ArgumentException($\"`{key}: {text}` is not an IP address",
            Config(sink: "    embedded: true\n    bind: localhost\n"), 18, 11, "sinks[0] (broker).bind: 'localhost' is not an IP address",
            () => _ = new EmbeddedBroker(new MqttSinkOptions { Embedded = true, Bind = "localhost" }, "gateway-test", [], NullLogger.Instance)),
        new("connectors/Gateway.Connectors.OpcUa/OpcUaClientSecurity.cs", "?? throw new UaException(StatusCodes.BadConfigurationError, $\"unknown security policy",
            Config(source: "    security: {mode: sign, policy: Basic128Rsa15}\n"), 7, 36, "unknown policy 'Basic128Rsa15'",
            () => _ = SecurityPolicyUris.Resolve("Basic128Rsa15") ?? throw new InvalidOperationException("the connector throws UaException(BadConfigurationError) here")),
        new("connectors/Gateway.Connectors.OpcUa/OpcUaClientSecurity.cs", "throw new UaException(StatusCodes.BadConfigurationError, $\"cannot use the user certificate",
            Config(source: "    identity: {type: certificate, certificate: user.der, privateKey: user.pem}\n"), 7, 48, "identity.certificate: file ",
            () => Gateway.Connectors.OpcUa.OpcUaClientSecurity.UserIdentityOf(new OpcUaIdentityOptions { Type = "certificate", Certificate = "/nonexistent/user.der", PrivateKey = "/nonexistent/user.pem" })),
        new("gateway/Sinks/Mqtt/BrokerTls.cs", "_trustedRoots.ImportFromPemFile(options.CaFile);",
            Config(sink: $"    tls: true\n    caFile: {NotACertificate}\n"), 18, 13, "sinks[0] (broker).caFile: ",
            () => _ = new BrokerTls(new MqttSinkOptions { Tls = true, CaFile = NotACertificate })),
        new("gateway/Sinks/Mqtt/BrokerTls.cs", "X509Certificate2.CreateFromPemFile(options.CertFile, options.KeyFile);",
            Config(sink: $"    tls: true\n    certFile: {NotACertificate}\n    keyFile: {NotACertificate}\n"), 18, 15, "sinks[0] (broker).certFile: ",
            () => _ = new BrokerTls(new MqttSinkOptions { Tls = true, CertFile = NotACertificate, KeyFile = NotACertificate })),
    ];

    /// <summary>Throw sites reached from configuration values that need no case: why not.</summary>
    private static readonly Dictionary<string, string> NotFromConfiguration = new(StringComparer.Ordinal)
    {
        ["throw new ArgumentException(\"The configuration has errors.\""] = "GatewayRuntime is only started with a loaded, valid configuration",
        ["throw new UaException(StatusCodes.BadConfigurationError, $\"the user certificate file"] = "a file that exists but holds no certificate: its content is read at each session, after validation (the file may be replaced)",
        ["throw new UaException(StatusCodes.BadConfigurationError, $\"cannot load or create this gateway's certificate"] = "the PKI directory's state on disk, not a configuration value",
        ["throw new InvalidOperationException($\"MQTT sink '{Name}': DeliverAsync was called before StartAsync."] = "a programming error, not a setting",
        ["throw new InvalidOperationException($\"the built-in simulator cannot listen on"] = "a port another program holds is the machine's state, not a value validate can check; run says so once and exits 3 (EmbeddedDefaultTests)",
        ["throw new ArgumentException($\"users: '{user.Name}': {problem}\""] = "the MQTT plugin's validation refuses the same hash at users[i].passwordHash (EmbeddedBrokerOptionTests)",
        ["throw new ArgumentException($\"the embedded broker would accept anyone on"] = "the MQTT plugin's validation refuses a non-loopback bind without users at its key (EmbeddedBrokerOptionTests)",
        ["using var pem = X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile);"] = "the MQTT plugin's validation loads brokerTls.certFile and keyFile the same way and refuses them at brokerTls.certFile",
    };

    public static TheoryData<int> RefusalIndexes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Refusals.Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RefusalIndexes))]
    public async Task Every_runtime_refusal_is_refused_by_validate_and_run_with_the_same_place_and_message(int index)
    {
        var refusal = Refusals[index];

        // The runtime really refuses these values...
        Assert.NotNull(Record.Exception(refusal.Runtime));

        // ...and validate refuses the file first, at the value, with the same line as run.
        var path = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(path, refusal.Yaml);
        var (validateExit, validateOutput, _) = await CommandLineRunner.RunAsync("validate", "--config", path);
        // A run that starts instead of refusing never returns by itself: that is a failure, not a hang.
        var (runExit, _, runError) = await CommandLineRunner.RunAsync("run", "--config", path).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ExitCodes.InvalidConfiguration, validateExit);
        Assert.Equal(ExitCodes.InvalidConfiguration, runExit);
        var prefix = $"{path}:{refusal.Line}:{refusal.Column}: ";
        var line = Assert.Single(validateOutput.Split('\n'), l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.Contains(refusal.Message, line, StringComparison.Ordinal);
        Assert.Single(runError.Split('\n'), l => l == line);
        Assert.DoesNotContain("   at ", runError, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", runError, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_throw_reachable_from_a_configuration_value_has_a_case_or_a_reason()
    {
        // The constructors and calls the runtime makes with configuration values at start and at each connection.
        string[] files =
        [
            "gateway/Gateway.Normalization/NormalizationPipeline.cs",
            "gateway/Gateway.Simulator/SimulatedShop.cs",
            "gateway/Gateway.Host/Monitoring/MonitoringEndpoint.cs",
            "gateway/Gateway.Host/Service/GatewayRuntime.cs",
            "gateway/Gateway.Host/Service/SimulatorService.cs",
            "connectors/Gateway.Connectors.OpcUa/OpcUaSourcePlugin.cs",
            "gateway/Sinks/Mqtt/TopicTemplate.cs",
            "gateway/Sinks/Mqtt/EmbeddedBroker.cs",
            "gateway/Sinks/Mqtt/MqttSink.cs",
            "gateway/Sinks/Mqtt/BrokerTls.cs",
            "connectors/Gateway.Connectors.OpcUa/OpcUaClientSecurity.cs",
        ];
        var covered = Refusals.Select(r => (r.ThrowFile, r.ThrowLine)).ToHashSet();
        // `throw new` lines, and the certificate reads that throw CryptographicException themselves.
        var throwLine = new Regex(@"throw new (ArgumentException|FormatException|InvalidOperationException|NotSupportedException|UaException)\b|ImportFromPemFile\(|CreateFromPemFile\(", RegexOptions.CultureInvariant);
        var missing = new List<string>();
        foreach (var file in files)
        {
            foreach (var text in File.ReadAllLines(RepositoryPaths.Combine(file.Split('/'))).Where(l => throwLine.IsMatch(l)))
            {
                var hasCase = covered.Any(c => c.ThrowFile == file && text.Contains(c.ThrowLine, StringComparison.Ordinal));
                var hasReason = NotFromConfiguration.Keys.Any(k => text.Contains(k, StringComparison.Ordinal));
                if (!hasCase && !hasReason)
                {
                    missing.Add($"{file}: {text.Trim()}");
                }
            }
        }

        Assert.True(missing.Count == 0, "throw sites without a validate case (add one to Refusals, or a reason):\n" + string.Join("\n", missing));
    }

    [Fact]
    public async Task Run_on_a_refused_file_prints_each_problem_once_and_a_summary_and_exits_1()
    {
        var path = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(path, Refusals[0].Yaml);

        var (exit, output, error) = await CommandLineRunner.RunAsync("run", "--config", path).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ExitCodes.InvalidConfiguration, exit);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"{path}:15:38: ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("gateway: not started: 1 problem(s)", lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain("starting", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("prometheus-target.plant.example")]
    [InlineData("127.0.0.1")]
    public async Task The_http_listener_answers_whatever_host_name_the_client_used(string hostHeader)
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        Prometheus.Metrics.WithCustomRegistry(registry).CreateGauge("gateway_test_value", "A value for the test.").Set(7);
        await using var endpoint = new MonitoringEndpoint("127.0.0.1:0", () => throw new InvalidOperationException("not asked"), registry, NullLogger.Instance);
        endpoint.Start();
        using var http = new HttpClient();

        using var request = new HttpRequestMessage(HttpMethod.Get, endpoint.Url + "/metrics");
        request.Headers.Host = hostHeader;
        using var response = await http.SendAsync(request);
        using var unknown = new HttpRequestMessage(HttpMethod.Get, endpoint.Url + "/nothing-here");
        unknown.Headers.Host = hostHeader;
        using var notFound = await http.SendAsync(unknown);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("gateway_test_value 7", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.StartsWith("http://127.0.0.1:", endpoint.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_with_config_asks_the_port_of_http_listen()
    {
        var port = FreePort.Next(); // nothing listens there: the message names the URL it tried
        var path = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(path, Config(top: $"http:\n  listen: 0.0.0.0:{port}\n"));

        var (exit, _, error) = await CommandLineRunner.RunAsync("status", "--config", path);

        Assert.Equal(ExitCodes.ConnectionError, exit);
        Assert.Contains($"cannot read http://127.0.0.1:{port}/status", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Buffer_dump_of_an_unknown_sink_names_the_sinks_there_and_exits_1()
    {
        var path = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(path, Config());
        var loaded = ConfigurationLoader.Load(path, GatewayPlugins.Create());
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Errors));
        var options = loaded.Config!.Buffer.ToOptions(loaded.Config.Gateway.DataDirectory);
        await StoreAndForwardBuffer.Open(options, ["broker"], NullLogger.Instance).DisposeAsync();

        var (exit, output, error) = await CommandLineRunner.RunAsync("buffer", "dump", "--config", path, "--sink", "brokr");

        Assert.Equal(ExitCodes.InvalidConfiguration, exit);
        Assert.Equal("", output);
        Assert.Contains("no sink 'brokr' in the buffer", error, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'broker'?", error, StringComparison.Ordinal);
        Assert.Contains("Sinks in the buffer: broker.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    private sealed class DiscardingWriter : IReadingWriter
    {
        public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
