using Gateway.Testing;
using YamlDotNet.RepresentationModel;

namespace Gateway.Dashboards.Tests;

/// <summary>The files under deploy/grafana: dashboards and the provisioned data sources.</summary>
public static class GrafanaFiles
{
    public static string DashboardDirectory => RepositoryPaths.Combine("deploy", "grafana", "dashboards");

    public static string ProvisioningDirectory => RepositoryPaths.Combine("deploy", "grafana", "provisioning");

    public static IReadOnlyList<string> DashboardPaths =>
        Directory.GetFiles(DashboardDirectory, "*.json").Order(StringComparer.Ordinal).ToList();

    public static GrafanaDashboard Dashboard(string fileName) => GrafanaDashboard.Load(Path.Combine(DashboardDirectory, fileName));

    /// <summary>Every data source in provisioning/datasources/*.yaml: uid → (type, name, the whole YAML mapping).</summary>
    public static IReadOnlyDictionary<string, ProvisionedDatasource> Datasources()
    {
        var found = new Dictionary<string, ProvisionedDatasource>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(ProvisioningDirectory, "datasources"), "*.yaml").Order(StringComparer.Ordinal))
        {
            var root = LoadYaml(file);
            if (root.Children.TryGetValue(new YamlScalarNode("datasources"), out var list) && list is YamlSequenceNode sequence)
            {
                foreach (var entry in sequence.Children.OfType<YamlMappingNode>())
                {
                    var uid = Scalar(entry, "uid") ?? throw new InvalidDataException($"{file}: a data source without a uid; dashboards reference data sources by uid.");
                    var datasource = new ProvisionedDatasource(uid, Scalar(entry, "type") ?? "", Scalar(entry, "name") ?? "", file, entry);
                    if (!found.TryAdd(uid, datasource))
                    {
                        throw new InvalidDataException($"{file}: uid '{uid}' is provisioned twice (also in {found[uid].File}).");
                    }
                }
            }
        }

        return found;
    }

    public static YamlMappingNode LoadYaml(string file)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(file);
        stream.Load(reader);
        return stream.Documents[0].RootNode as YamlMappingNode ?? throw new InvalidDataException($"{file}: the top level must be a mapping.");
    }

    public static string? Scalar(YamlMappingNode node, params string[] path)
    {
        YamlNode current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out var child))
            {
                return null;
            }

            current = child;
        }

        return (current as YamlScalarNode)?.Value;
    }
}

public sealed record ProvisionedDatasource(string Uid, string Type, string Name, string File, YamlMappingNode Yaml);
