using System.Text.RegularExpressions;
using Gateway.Testing;
using YamlDotNet.RepresentationModel;

namespace Gateway.Dashboards.Tests;

/// <summary>The dashboard and provisioning files on their own: they parse, reference only provisioned data sources and defined variables.</summary>
public sealed partial class DashboardFileTests
{
    private static readonly HashSet<string> InfluxBuiltIns = ["timeFilter", "__interval", "__interval_ms", "interval"];
    private static readonly HashSet<string> PromBuiltIns = ["__interval", "__interval_ms", "__rate_interval", "__range", "__range_s"];

    public static TheoryData<string> Dashboards()
    {
        var data = new TheoryData<string>();
        foreach (var path in GrafanaFiles.DashboardPaths)
        {
            data.Add(Path.GetFileName(path));
        }

        return data;
    }

    [Fact]
    public void TheFourDashboardsExist()
    {
        Assert.Equal(["factory-overview.json", "gateway-health-prometheus.json", "gateway-health.json", "oee.json"], GrafanaFiles.DashboardPaths.Select(Path.GetFileName));
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void ParsesAsAGrafanaDashboard(string file)
    {
        var dashboard = GrafanaFiles.Dashboard(file);
        Assert.InRange(dashboard.SchemaVersion, 36, 41);
        Assert.NotEmpty(dashboard.Panels);
        Assert.Equal(dashboard.Panels.Count, dashboard.Panels.Select(p => p.Id).Distinct().Count());
        foreach (var panel in dashboard.Panels)
        {
            Assert.False(string.IsNullOrWhiteSpace(panel.Title), $"{file}: panel {panel.Id} has no title");
            Assert.NotEmpty(panel.Targets);
            Assert.Equal(panel.Targets.Count, panel.Targets.Select(t => t.RefId).Distinct().Count());
        }

        // Panels sit inside the 24-column grid.
        foreach (var panel in dashboard.Root["panels"]!.AsArray())
        {
            var grid = panel!["gridPos"]!;
            Assert.InRange((int)grid["x"]! + (int)grid["w"]!, 1, 24);
        }
    }

    [Fact]
    public void DashboardUidsAreUnique()
    {
        var uids = GrafanaFiles.DashboardPaths.Select(p => GrafanaDashboard.Load(p).Uid).ToList();
        Assert.Equal(uids.Count, uids.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void EveryDatasourceReferenceIsProvisioned(string file)
    {
        var provisioned = GrafanaFiles.Datasources();
        var references = GrafanaFiles.Dashboard(file).DatasourceReferences().ToList();
        Assert.NotEmpty(references);
        Assert.Empty(UnprovisionedReferences(references, provisioned));
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void EveryVariableUsedIsDefinedAndEveryDefinedOneIsUsed(string file)
    {
        var dashboard = GrafanaFiles.Dashboard(file);
        Assert.Empty(UndefinedVariables(dashboard));

        var used = dashboard.Panels.SelectMany(p => p.Targets).SelectMany(t => GrafanaTemplate.ReferencedNames(t.Query))
            .Concat(dashboard.Variables.SelectMany(v => GrafanaTemplate.ReferencedNames(v.Query)))
            .ToHashSet(StringComparer.Ordinal);
        Assert.All(dashboard.Variables, v => Assert.Contains(v.Name, used));
    }

    [Fact]
    public void TheChecksFindABrokenDashboard()
    {
        // The same checks on a dashboard with an unknown data source uid, a data source by name (pre-8.3 form),
        // and an undefined variable: each must be reported.
        var dir = RepositoryPaths.NewTempDirectory("grafana-broken");
        try
        {
            var path = Path.Combine(dir, "broken.json");
            File.WriteAllText(path, """
                {"uid": "x", "title": "Broken", "schemaVersion": 39,
                 "templating": {"list": [{"name": "site", "type": "query", "datasource": {"type": "influxdb", "uid": "influxdb-factory"},
                                          "query": "SHOW TAG VALUES WITH KEY = \"site\"", "multi": true, "includeAll": true}]},
                 "panels": [
                   {"id": 1, "type": "timeseries", "title": "a", "datasource": {"type": "influxdb", "uid": "influx-typo"},
                    "targets": [{"refId": "A", "query": "SELECT mean(\"x\") FROM \"m\" WHERE \"line\" =~ /^$line$/ AND $timeFilter"}]},
                   {"id": 2, "type": "timeseries", "title": "b", "datasource": "InfluxDB",
                    "targets": [{"refId": "A", "query": "SELECT 1 FROM \"m\" WHERE \"site\" =~ /^$site$/"}]}]}
                """);
            var dashboard = GrafanaDashboard.Load(path);
            var bad = UnprovisionedReferences(dashboard.DatasourceReferences().ToList(), GrafanaFiles.Datasources());
            Assert.Equal(["influx-typo", "InfluxDB"], bad.Select(b => b.Uid));
            Assert.Equal(["line"], UndefinedVariables(dashboard).Select(u => u.Name));

            File.WriteAllText(path, "{\"uid\": \"x\", \"title\": \"Broken\", \"panels\": [");
            var e = Assert.Throws<InvalidDataException>(() => GrafanaDashboard.Load(path));
            Assert.Contains("broken.json", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void DatasourcesAreInfluxQLAndPrometheusWithTheirSettingsFromTheEnvironment()
    {
        var datasources = GrafanaFiles.Datasources();
        var influx = datasources["influxdb-factory"];
        Assert.Equal("influxdb", influx.Type);
        Assert.Equal("InfluxQL", GrafanaFiles.Scalar(influx.Yaml, "jsonData", "version"));
        Assert.Equal("$INFLUXDB_DATABASE", GrafanaFiles.Scalar(influx.Yaml, "jsonData", "dbName"));
        Assert.Equal("$INFLUXDB_URL", GrafanaFiles.Scalar(influx.Yaml, "url"));
        Assert.Equal("Token $INFLUXDB_TOKEN", GrafanaFiles.Scalar(influx.Yaml, "secureJsonData", "httpHeaderValue1"));
        Assert.Equal("proxy", GrafanaFiles.Scalar(influx.Yaml, "access"));
        Assert.Equal("prometheus", datasources["prometheus-gateways"].Type);

        // The variables the provisioning reads are the ones the center's compose file gives Grafana.
        var compose = GrafanaFiles.LoadYaml(RepositoryPaths.Combine("deploy", "center", "docker-compose.yml"));
        var environment = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)compose["services"])["grafana"])["environment"];
        var given = environment.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet(StringComparer.Ordinal);
        foreach (var name in new[] { "INFLUXDB_URL", "INFLUXDB_DATABASE", "INFLUXDB_TOKEN" })
        {
            Assert.Contains(name, given);
        }
    }

    [Fact]
    public void TheDashboardProviderLoadsTheFolderComposeMounts()
    {
        var provider = GrafanaFiles.LoadYaml(Path.Combine(GrafanaFiles.ProvisioningDirectory, "dashboards", "gateway.yaml"));
        var entry = (YamlMappingNode)((YamlSequenceNode)provider["providers"]).Children.Single();
        Assert.Equal("file", GrafanaFiles.Scalar(entry, "type"));
        Assert.Equal("/var/lib/grafana/dashboards", GrafanaFiles.Scalar(entry, "options", "path"));

        var compose = GrafanaFiles.LoadYaml(RepositoryPaths.Combine("deploy", "center", "docker-compose.yml"));
        var volumes = ((YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)compose["services"])["grafana"])["volumes"]).Children
            .Select(v => ((YamlScalarNode)v).Value!).ToList();
        Assert.Contains("../grafana/dashboards:/var/lib/grafana/dashboards:ro", volumes);
        Assert.Contains("../grafana/provisioning:/etc/grafana/provisioning:ro", volumes);
    }

    [Fact]
    public void FactoryOverviewAndGatewayHealthHaveThePanelsTheCenterNeeds()
    {
        var factory = GrafanaFiles.Dashboard("factory-overview.json");
        Assert.Equal(["site", "gateway", "measurement", "machine"], factory.Variables.Select(v => v.Name));
        Assert.Equal("state-timeline", factory.Panels.Single(p => p.Title == "Machine state").Type);
        foreach (var title in new[] { "Spindle speed", "Spindle load", "Parts per interval", "Last seen", "Alarms", "Machines now" })
        {
            Assert.Contains(factory.Panels, p => p.Title == title);
        }

        foreach (var file in new[] { "gateway-health.json", "gateway-health-prometheus.json" })
        {
            var health = GrafanaFiles.Dashboard(file);
            Assert.Equal(["site", "gateway"], health.Variables.Select(v => v.Name));
            foreach (var title in new[] { "Readings in per second", "Readings out per second", "Buffer pending", "Oldest pending age", "Source connections", "Sink connections", "Publish errors by cause" })
            {
                Assert.Contains(health.Panels, p => p.Title == title);
            }
        }

        Assert.Contains(GrafanaFiles.Dashboard("gateway-health.json").Panels, p => p.Title == "Reconnects");
    }

    [Fact]
    public void ThePrometheusDashboardUsesOnlyMetricsTheGatewayExports()
    {
        // The host's own metrics, and those the sources and sinks report themselves (MetricSample, IReportsHealth).
        var reporters = new[] { "gateway", "connectors" }
            .SelectMany(d => Directory.EnumerateFiles(RepositoryPaths.Combine(d), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .Where(text => text.Contains("MetricSample.", StringComparison.Ordinal));
        var source = File.ReadAllText(RepositoryPaths.Combine("gateway", "Gateway.Host", "Monitoring", "GatewayMetrics.cs"));
        var exported = MetricName().Matches(source).Concat(reporters.SelectMany(text => MetricName().Matches(text)))
            .Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("gateway_readings_in_total", exported);
        Assert.Contains("gateway_sink_dead_lettered_total", exported);

        var used = GrafanaFiles.Dashboard("gateway-health-prometheus.json").Panels.SelectMany(p => p.Targets)
            .SelectMany(t => MetricName().Matches(t.Query).Select(m => m.Groups[1].Value))
            .Concat(GrafanaFiles.Dashboard("gateway-health-prometheus.json").Variables.SelectMany(v => MetricName().Matches(v.Query).Select(m => m.Groups[1].Value)))
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(used);
        Assert.Empty(used.Except(exported));
    }

    private static List<(string Where, string? Uid)> UnprovisionedReferences(
        IReadOnlyList<(string Where, string? Uid, string? Type)> references, IReadOnlyDictionary<string, ProvisionedDatasource> provisioned) =>
        references
            .Where(r => r.Uid is null || !provisioned.TryGetValue(r.Uid, out var p) || (r.Type is not null && r.Type != p.Type))
            .Select(r => (r.Where, r.Uid))
            .ToList();

    private static List<(string Where, string Name)> UndefinedVariables(GrafanaDashboard dashboard)
    {
        var undefined = new List<(string, string)>();
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var variable in dashboard.Variables)
        {
            // A variable's query may use only variables defined before it (Grafana resolves them in that order).
            var builtIns = variable.DatasourceType == "prometheus" ? PromBuiltIns : InfluxBuiltIns;
            undefined.AddRange(GrafanaTemplate.ReferencedNames(variable.Query)
                .Where(n => !defined.Contains(n) && !builtIns.Contains(n))
                .Select(n => ($"variable {variable.Name}", n)));
            defined.Add(variable.Name);
        }

        foreach (var panel in dashboard.Panels)
        {
            foreach (var target in panel.Targets)
            {
                var builtIns = target.DatasourceType == "prometheus" ? PromBuiltIns : InfluxBuiltIns;
                undefined.AddRange(GrafanaTemplate.ReferencedNames(target.Query)
                    .Where(n => !defined.Contains(n) && !builtIns.Contains(n))
                    .Select(n => ($"panel \"{panel.Title}\" {target.RefId}", n)));
            }
        }

        return undefined;
    }

    [GeneratedRegex(@"\b(gateway_[a-z_]+)\b")]
    private static partial Regex MetricName();
}
