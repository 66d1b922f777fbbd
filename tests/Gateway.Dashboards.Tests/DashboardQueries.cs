namespace Gateway.Dashboards.Tests;

/// <summary>The InfluxQL targets of the dashboards and how a test runs one: variables resolved, macros expanded.</summary>
public static class DashboardQueries
{
    public static readonly string[] InfluxDashboards = ["factory-overview.json", "gateway-health.json"];

    /// <summary>The OEE dashboard (docs/oee.md): its panels read the gateway's own records, so only the simulator run has them.</summary>
    public static readonly string[] OeeDashboards = ["oee.json"];

    /// <summary>(file, panel title, refId) of every InfluxQL target of <paramref name="files"/> (default: <see cref="InfluxDashboards"/>).</summary>
    public static TheoryData<string, string, string> InfluxTargets(string[]? files = null)
    {
        var data = new TheoryData<string, string, string>();
        foreach (var file in files ?? InfluxDashboards)
        {
            foreach (var panel in GrafanaFiles.Dashboard(file).Panels)
            {
                foreach (var target in panel.Targets.Where(t => t.DatasourceType == "influxdb"))
                {
                    data.Add(file, panel.Title, target.RefId);
                }
            }
        }

        return data;
    }

    public static async Task<(string Statement, IReadOnlyList<InfluxSeries> Series)> RunAsync(
        IInfluxQuery influx, string file, string panelTitle, string refId, IReadOnlyDictionary<string, string[]>? selections)
    {
        var dashboard = GrafanaFiles.Dashboard(file);
        var target = dashboard.Panels.Single(p => p.Title == panelTitle).Targets.Single(t => t.RefId == refId);
        Assert.True(target.RawQuery, $"{file} \"{panelTitle}\" {refId}: the tests run raw InfluxQL; set rawQuery");
        var variables = await InfluxVariableResolver.ResolveAsync(dashboard, influx, selections);
        var statement = GrafanaTemplate.Expand(target.Query, QueryLanguage.InfluxQL, variables.Selected);
        return (statement, await influx.QueryAsync(statement));
    }
}
