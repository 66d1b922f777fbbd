using System.Text.RegularExpressions;
using Gateway.Testing;

namespace Gateway.Deploy.Tests;

/// <summary>
/// The docs may only name what exists: a type, member or setting written as `CamelCase` must be a word of the code,
/// the project files, the deploy files or the test servers' scripts, and a repository path must exist. (A doc once
/// described a security-policy interface that never existed.)
/// </summary>
public sealed partial class DocumentationTests
{
    // Names from outside this repository that the docs explain (a .NET attribute the trimming section names).
    private static readonly HashSet<string> ExternalNames = ["DynamicallyAccessedMembers"];

    [Fact]
    public void Every_code_name_in_the_docs_exists_in_the_code()
    {
        var words = CodeWords();
        var unknown = Documents()
            .SelectMany(doc => CodeName().Matches(File.ReadAllText(doc)).Select(m => (Doc: Relative(doc), Name: m.Groups[1].Value)))
            .Where(x => !words.Contains(x.Name) && !ExternalNames.Contains(x.Name))
            .Select(x => $"{x.Doc}: `{x.Name}`")
            .Distinct()
            .ToList();

        Assert.True(unknown.Count == 0, "names in the docs that the code does not have:\n" + string.Join("\n", unknown));
    }

    [Fact]
    public void Every_repository_path_in_the_docs_exists()
    {
        var missing = Documents()
            .SelectMany(doc => RepositoryPath().Matches(File.ReadAllText(doc)).Select(m => (Doc: Relative(doc), Path: m.Groups[1].Value.TrimEnd('/'))))
            .Where(x => !PlaceholderSegment().IsMatch(x.Path))
            .Where(x => !File.Exists(RepositoryPaths.Combine(x.Path)) && !Directory.Exists(RepositoryPaths.Combine(x.Path)))
            .Select(x => $"{x.Doc}: `{x.Path}`")
            .Distinct()
            .ToList();

        Assert.True(missing.Count == 0, "paths in the docs that do not exist:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void Every_metric_the_docs_name_is_one_the_gateway_exports()
    {
        // A metric is written in the code as its full name in one string ("gateway_..._total"); a doc may also name a
        // histogram's series (_bucket, _sum, _count).
        var exported = ProductCodeWords().Where(word => word.StartsWith("gateway_", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        var named = Documents()
            .SelectMany(doc => MetricName().Matches(File.ReadAllText(doc)).Select(m => (Doc: Relative(doc), Name: m.Groups[1].Value)))
            .ToList();
        var unknown = named
            .Where(x => !exported.Contains(x.Name) && !exported.Contains(HistogramSeries().Replace(x.Name, "")))
            .Select(x => $"{x.Doc}: `{x.Name}`")
            .Distinct()
            .ToList();

        Assert.True(named.Count > 20, $"the docs name {named.Count} metrics; the pattern no longer finds them");
        Assert.True(unknown.Count == 0, "metrics in the docs that the gateway does not export:\n" + string.Join("\n", unknown));
    }

    [Fact]
    public void The_first_screen_names_every_variable_that_moves_a_default_port_and_the_default_uses_them()
    {
        var readme = File.ReadAllText(RepositoryPaths.Combine("README.md"));
        var quickstart = File.ReadAllText(RepositoryPaths.Combine("docs", "ko", "quickstart.md"));
        var embeddedDefault = File.ReadAllText(RepositoryPaths.Combine("config", "gateway.yaml"));
        var firstScreen = readme[..readme.IndexOf("## What it does", StringComparison.Ordinal)];

        foreach (var variable in new[] { "GATEWAY_SIMULATOR_PORT", "GATEWAY_MQTT_PORT", "GATEWAY_HTTP_LISTEN", "INFLUX_URL" })
        {
            Assert.Contains("${" + variable + ":-", embeddedDefault, StringComparison.Ordinal);
            Assert.Contains(variable, firstScreen, StringComparison.Ordinal);
            Assert.Contains(variable, quickstart, StringComparison.Ordinal);
        }

        // The Korean quick start gives the same two commands as the README.
        foreach (var command in new[] { "dotnet run --project gateway/Gateway.Host -v m -- run --config config/gateway.yaml", "bash tests/run.sh" })
        {
            Assert.Contains(command, firstScreen, StringComparison.Ordinal);
            Assert.Contains(command, quickstart, StringComparison.Ordinal);
        }

        Assert.True(File.Exists(RepositoryPaths.Combine("LICENSE")), "LICENSE is missing");
        Assert.Contains("Apache License", File.ReadAllText(RepositoryPaths.Combine("LICENSE")), StringComparison.Ordinal);
    }

    private static IEnumerable<string> Documents() =>
        Directory.EnumerateFiles(RepositoryPaths.Root, "*.md", SearchOption.AllDirectories)
            .Where(path => !IsGenerated(path));

    private static HashSet<string> CodeWords()
    {
        string[] patterns = ["*.cs", "*.csproj", "*.props", "*.js", "*.sh", "*.ps1", "*.service", "*.yaml", "*.yml", "*.json"];
        return WordsOf(patterns.SelectMany(p => Directory.EnumerateFiles(RepositoryPaths.Root, p, SearchOption.AllDirectories)));
    }

    /// <summary>The words of the product's own C# (gateway/, connectors/), where its metrics are named.</summary>
    private static HashSet<string> ProductCodeWords() =>
        WordsOf(new[] { "gateway", "connectors" }.SelectMany(folder => Directory.EnumerateFiles(RepositoryPaths.Combine(folder), "*.cs", SearchOption.AllDirectories)));

    private static HashSet<string> WordsOf(IEnumerable<string> files)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files.Where(f => !IsGenerated(f)))
        {
            foreach (Match word in Word().Matches(File.ReadAllText(file)))
            {
                words.Add(word.Value);
            }
        }

        return words;
    }

    private static bool IsGenerated(string path)
    {
        var relative = Relative(path);
        return relative.Split('/').Any(part => part is "bin" or "obj" or "node_modules" or "artifacts" or ".git" or "BenchmarkDotNet.Artifacts");
    }

    private static string Relative(string path) => Path.GetRelativePath(RepositoryPaths.Root, path).Replace('\\', '/');

    [GeneratedRegex(@"`([A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+)`")]
    private static partial Regex CodeName();

    [GeneratedRegex(@"`((?:gateway|connectors|config|deploy|tests|docs)/[^`\s*{}]+)`")]
    private static partial Regex RepositoryPath();

    // `tests/Gateway.LoadTests/results/SCENARIO.json`: a placeholder the reader fills in.
    [GeneratedRegex(@"(^|/)[A-Z]{3,}(\.|/|$)")]
    private static partial Regex PlaceholderSegment();

    // `gateway_sink_delivered_total` or `gateway_source_connected{source}`; a wildcard (`gateway_process_*`) is no name.
    [GeneratedRegex(@"`(gateway_[a-z0-9_]*[a-z0-9])(?=[`{ ])")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"_(bucket|sum|count)$")]
    private static partial Regex HistogramSeries();

    [GeneratedRegex(@"\w+")]
    private static partial Regex Word();
}
