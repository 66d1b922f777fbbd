using System.Globalization;
using Gateway.LoadTests;

// The load, soak and fault harness (issue 12). See docs/performance.md.
// dotnet tests/Gateway.LoadTests/bin/Release/net10.0/Gateway.LoadTests.dll --scenario steady [--duration S] [--machines N]
//   [--tags M] [--rate-ms R] [--payload json|json-batch] [--fault-at S] [--fault-seconds S] [--output DIR]
//   [--baseline-seconds S] [--victoria 0|1] [--frozen-seconds S] [--embedded-default-seconds S]
//   [--gateway-dll PATH (a build's gateway.dll, or a published gateway executable)] [--gateway-env NAME=VALUE,NAME=VALUE] [--replay-topic 'replay/{site}/{machine}'] [--settle-seconds S]
//   [--queue-size N (the subscribed group's queueSize)]
//   [--embedded-default-only 1]
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"usage: Gateway.LoadTests --scenario {string.Join('|', LoadScenario.Names)} [--duration S] [--machines N] [--tags M] [--rate-ms R] [--payload json|json-batch] [--fault-at S] [--fault-seconds S] [--output DIR]");
        return 64;
    }

    options[args[i][2..]] = args[++i];
}

int? Number(string name) => options.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : null;
if (Number("bare-publisher") is { } barePort)
{
    // The child process of the bare MQTTnet baseline (BareMqttPublisher), started by a run.
    return await BareMqttPublisher.RunAsync(barePort, Number("machines")!.Value, Number("tags")!.Value, Number("rate-ms")!.Value,
        Number("inflight")!.Value, Number("paced-seconds")!.Value, Number("flat-out-seconds")!.Value);
}

var scenario = LoadScenario.Named(options.GetValueOrDefault("scenario", "smoke"), Number("duration"));
scenario = scenario with
{
    Machines = Number("machines") ?? scenario.Machines,
    TagsPerMachine = Number("tags") ?? scenario.TagsPerMachine,
    RateMs = Number("rate-ms") ?? scenario.RateMs,
    Payload = options.GetValueOrDefault("payload", scenario.Payload),
    FaultAtSeconds = Number("fault-at") ?? scenario.FaultAtSeconds,
    FaultSeconds = Number("fault-seconds") ?? scenario.FaultSeconds,
    BaselineSeconds = Number("baseline-seconds") ?? scenario.BaselineSeconds,
    Victoria = Number("victoria") is { } victoria ? victoria != 0 : scenario.Victoria,
    FrozenSeconds = Number("frozen-seconds") ?? scenario.FrozenSeconds,
    EmbeddedDefaultSeconds = Number("embedded-default-seconds") ?? scenario.EmbeddedDefaultSeconds,
    EmbeddedDefaultOnly = Number("embedded-default-only") is { } only ? only != 0 : scenario.EmbeddedDefaultOnly,
    SettleSeconds = Number("settle-seconds") ?? scenario.SettleSeconds,
    QueueSize = Number("queue-size") ?? scenario.QueueSize,
    GatewayDll = options.GetValueOrDefault("gateway-dll"),
    ReplayTopic = options.GetValueOrDefault("replay-topic", scenario.ReplayTopic ?? "") is { Length: > 0 } replay ? replay : null,
    GatewayEnvironment = options.TryGetValue("gateway-env", out var env)
        ? env.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1])
        : scenario.GatewayEnvironment,
};
var output = options.GetValueOrDefault("output", Path.Combine(Gateway.Testing.RepositoryPaths.Root, "tests", "Gateway.LoadTests", "results"));

var result = await new LoadRun(scenario, Console.Out).RunAsync();
var file = await LoadResultFile.WriteAsync(result, output);
foreach (var target in result.Targets)
{
    Console.WriteLine($"{(target.Passed ? "PASS" : "FAIL")} {target.Name}: {target.Measured} (goal: {target.Goal})");
}

Console.WriteLine($"result: {file}");
return result.Passed ? 0 : 1;
