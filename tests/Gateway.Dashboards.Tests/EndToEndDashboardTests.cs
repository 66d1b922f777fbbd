namespace Gateway.Dashboards.Tests;

/// <summary>
/// Every InfluxQL panel of the dashboards, expanded as Grafana expands it, run against what a real gateway wrote into a
/// real InfluxDB 1.6 during an end-to-end run with the built-in simulator (<see cref="SimulatorRunInfluxDb"/>): the
/// readings of its machines through the InfluxDB sink and its own <c>gateway</c> health measurement.
/// </summary>
public sealed class EndToEndDashboardTests(SimulatorRunInfluxDb run) : IClassFixture<SimulatorRunInfluxDb>
{
    public static TheoryData<string, string, string> Queries() => DashboardQueries.InfluxTargets();

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task EveryPanelReturnsDataFromTheSimulatorRun(string file, string panel, string refId)
    {
        Assert.True(run.GatewayExitCode == 0, $"the gateway exited {run.GatewayExitCode}:\n{run.GatewayOutput}");
        var (statement, series) = await DashboardQueries.RunAsync(run, file, panel, refId, selections: null);
        Assert.True(series.Any(s => s.Values().Any()), $"no data from: {statement}\n--- gateway output ---\n{Tail(run.GatewayOutput)}");
    }

    public static TheoryData<string, string, string> OeeQueries() => DashboardQueries.InfluxTargets(DashboardQueries.OeeDashboards);

    [Theory]
    [MemberData(nameof(OeeQueries))]
    public async Task EveryOeePanelReturnsDataFromTheSimulatorRun(string file, string panel, string refId)
    {
        Assert.True(run.GatewayExitCode == 0, $"the gateway exited {run.GatewayExitCode}:\n{run.GatewayOutput}");
        var (statement, series) = await DashboardQueries.RunAsync(run, file, panel, refId, selections: null);
        Assert.True(series.Any(s => s.Values().Any()), $"no data from: {statement}\n--- gateway output ---\n{Tail(run.GatewayOutput)}");
    }

    [Fact]
    public async Task TheOeePanelsShowEverySimulatedMachineWithFiguresInRange()
    {
        var oee = GrafanaFiles.Dashboard("oee.json");
        var variables = await InfluxVariableResolver.ResolveAsync(oee, run);
        Assert.Equal(["cnc-01", "cnc-02", "mould-01", "press-01"], variables.Offered["machine"].Order(StringComparer.Ordinal));
        Assert.NotEmpty(variables.Offered["shift"]);
        Assert.All(variables.Offered["shift"], shift => Assert.Contains(shift, new[] { "day", "swing", "night" }));

        var (statement, table) = await DashboardQueries.RunAsync(run, "oee.json", "교대별 OEE와 세 요소 / OEE and its factors per shift", "A", selections: null);
        Assert.Equal(4, table.Select(s => s.Tags["machine"]).Distinct().Count());
        var parts = 0.0;
        foreach (var series in table)
        {
            var availability = series.Column("availability").Single();
            Assert.True(availability.ValueKind == System.Text.Json.JsonValueKind.Number && availability.GetDouble() is >= 0 and <= 1, $"availability {availability} of {series.Tags["machine"]} from {statement}");
            parts += series.Column("parts").Single().GetDouble();
        }

        Assert.True(parts > 0, $"no parts in an hour of machine time: {statement}");

        var (_, states) = await DashboardQueries.RunAsync(run, "oee.json", "설비 상태 타임라인 / Machine state timeline", "A", selections: null);
        var shown = states.SelectMany(s => s.Values()).Where(v => v.ValueKind == System.Text.Json.JsonValueKind.String).Select(v => v.GetString()).ToHashSet();
        Assert.Contains("running", shown);
    }

    [Fact]
    public async Task TheVariablesOfferTheDefaultShop()
    {
        var factory = await InfluxVariableResolver.ResolveAsync(GrafanaFiles.Dashboard("factory-overview.json"), run);
        Assert.Equal(["changwon-demo"], factory.Offered["site"]);
        Assert.Equal(["demo-gateway"], factory.Offered["gateway"]);
        Assert.Equal(["cnc", "moulding", "press"], factory.Offered["measurement"]);
        Assert.Equal(4, factory.Offered["machine"].Count);
    }

    [Fact]
    public async Task TheHealthPanelsShowTheSinkThatIsDownBufferingAndFailing()
    {
        var (_, pending) = await DashboardQueries.RunAsync(run, "gateway-health.json", "Buffer pending", "A", selections: null);
        Assert.True(Max(pending, "archive") > 0, "the archive sink's server is down: its pending count must grow");

        var (_, connected) = await DashboardQueries.RunAsync(run, "gateway-health.json", "Sink connections", "A", selections: null);
        Assert.All(connected.Single(s => s.Tags["sink"] == "archive").Values(), v => Assert.Equal(0, v.GetDouble()));
        Assert.Contains(connected.Single(s => s.Tags["sink"] == "influxdb").Values(), v => v.GetDouble() == 1);

        var (_, errors) = await DashboardQueries.RunAsync(run, "gateway-health.json", "Publish errors by cause", "A", selections: null);
        Assert.Contains(errors, s => s.Tags["sink"] == "archive" && s.Values().Any());
        Assert.DoesNotContain(errors, s => s.Tags["sink"] == "influxdb");

        var (_, rate) = await DashboardQueries.RunAsync(run, "gateway-health.json", "Readings in per second", "A", selections: null);
        Assert.True(rate.SelectMany(s => s.Values()).Max(v => v.GetDouble()) > 1, "the simulator sends several readings per second");
    }

    private static double Max(IReadOnlyList<InfluxSeries> series, string sink) =>
        series.Where(s => s.Tags["sink"] == sink).SelectMany(s => s.Values()).Select(v => v.GetDouble()).DefaultIfEmpty(0).Max();

    private static string Tail(string text) => text.Length > 4000 ? text[^4000..] : text;
}
