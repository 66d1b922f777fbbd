using System.Globalization;
using Gateway.LoadTests;

// The load, soak and fault harness (issue 12). See docs/performance.md.
// dotnet tests/Gateway.LoadTests/bin/Release/net10.0/Gateway.LoadTests.dll --scenario steady [--duration S] [--machines N]
//   [--tags M] [--rate-ms R] [--payload json|json-batch] [--fault-at S] [--fault-seconds S] [--output DIR]
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
var scenario = LoadScenario.Named(options.GetValueOrDefault("scenario", "smoke"), Number("duration"));
scenario = scenario with
{
    Machines = Number("machines") ?? scenario.Machines,
    TagsPerMachine = Number("tags") ?? scenario.TagsPerMachine,
    RateMs = Number("rate-ms") ?? scenario.RateMs,
    Payload = options.GetValueOrDefault("payload", scenario.Payload),
    FaultAtSeconds = Number("fault-at") ?? scenario.FaultAtSeconds,
    FaultSeconds = Number("fault-seconds") ?? scenario.FaultSeconds,
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
