namespace Gateway.Dashboards.Tests;

/// <summary>
/// Resolves a dashboard's InfluxQL template variables the way Grafana does on load: in order, each query expanded
/// with the variables before it, run, its values filtered by the variable's regex, then "All" (every value) unless
/// the test selects some.
/// </summary>
public static class InfluxVariableResolver
{
    public sealed record Resolution(IReadOnlyDictionary<string, IReadOnlyList<string>> Selected, IReadOnlyDictionary<string, IReadOnlyList<string>> Offered);

    public static async Task<Resolution> ResolveAsync(
        GrafanaDashboard dashboard, IInfluxQuery influx, IReadOnlyDictionary<string, string[]>? selections = null)
    {
        var selected = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var offered = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var variable in dashboard.Variables)
        {
            if (variable.Type != "query" || variable.DatasourceType != "influxdb")
            {
                throw new InvalidOperationException($"{dashboard.FileName}: variable '{variable.Name}' is a {variable.Type} on {variable.DatasourceType}; only InfluxQL query variables are modelled here.");
            }

            if (variable.AllValue is not null)
            {
                throw new InvalidOperationException($"{dashboard.FileName}: variable '{variable.Name}' has a custom allValue; 'All' is modelled as every value.");
            }

            var statement = GrafanaTemplate.Expand(variable.Query, QueryLanguage.InfluxQL, selected);
            var series = await influx.QueryAsync(statement);
            var raw = series.SelectMany(s => s.Column(s.Columns.Contains("value") ? "value" : s.Columns[0]))
                .Select(v => v.ToString())
                .Order(StringComparer.Ordinal);
            var values = GrafanaTemplate.FilterValues(raw, variable.Regex);
            offered[variable.Name] = values;

            if (selections is not null && selections.TryGetValue(variable.Name, out var chosen))
            {
                var missing = chosen.Where(c => !values.Contains(c, StringComparer.Ordinal)).ToList();
                if (missing.Count > 0)
                {
                    throw new InvalidOperationException(
                        $"{dashboard.FileName}: variable '{variable.Name}' ({statement}) does not offer {string.Join(", ", missing)}; it offers {string.Join(", ", values)}.");
                }

                selected[variable.Name] = chosen;
            }
            else
            {
                selected[variable.Name] = values;
            }
        }

        return new Resolution(selected, offered);
    }
}
