using Gateway.Testing;

namespace Gateway.Configuration.Tests;

/// <summary>A temporary directory of YAML files for one test, with a private environment for ${...}.</summary>
public sealed class ConfigDirectory : IDisposable
{
    public ConfigDirectory()
    {
        Root = RepositoryPaths.NewTempDirectory("gw-config");
    }

    /// <summary>One source, for tests about other sections: a file without sources (or sinks) is refused.</summary>
    public const string OneSource = "sources:\n  - name: s1\n    endpoint: opc.tcp://10.0.0.5:4840\n    machines:\n      - name: m1\n        groups:\n          - name: g\n            tags:\n              - name: t\n                nodeId: i=2258\n";

    /// <summary>One sink, for tests about other sections.</summary>
    public const string OneSink = "sinks:\n  - type: mqtt\n    name: broker\n";

    public string Root { get; }

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>Writes a file (relative to <see cref="Root"/>) and returns its full path.</summary>
    public string Write(string relativePath, string content)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content.ReplaceLineEndings("\n"));
        return path;
    }

    public ConfigurationResult Load(string relativePath = "gateway.yaml") =>
        ConfigurationLoader.Load(Path.Combine(Root, relativePath), FakeSinkPlugins.Registry(), Lookup);

    public string? Lookup(string name) => Environment.TryGetValue(name, out var value) ? value : null;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A watcher may still hold the directory for a moment; the temp folder is cleaned eventually.
        }
    }
}

public static class FakeSinkPlugins
{
    public static Gateway.Core.PluginCatalog Registry() => FakeSinkPlugin.Registry();

    /// <summary>The source plugins only: what the committed schema holds apart from the sinks (which the host adds).</summary>
    public static Gateway.Core.PluginCatalog SourcesOnly() => new Gateway.Core.PluginCatalog()
        .Add(new Gateway.Connectors.OpcUa.OpcUaSourcePlugin())
        .Add(new Gateway.Connectors.Melsec.MelsecSourcePlugin())
        .Add(new Gateway.Connectors.Modbus.ModbusSourcePlugin());
}
