using System.Text.Json;

namespace Gateway.Dashboards.Tests;

/// <summary>
/// Every InfluxQL query of the dashboards, expanded as Grafana expands it, run against a real InfluxDB 1.6 that holds
/// half an hour of readings and health points written in the documented shape (<see cref="ShopHistory"/>). Each must
/// return series with values, and the selections must really filter. The end-to-end run with the simulator and the
/// gateway's own writers is the lead's integration test, not this one.
/// </summary>
public sealed class InfluxDashboardQueryTests(ShopInfluxDb influx) : IClassFixture<ShopInfluxDb>
{
    private static readonly Dictionary<string, string[]> OneOfEach = new(StringComparer.Ordinal)
    {
        ["site"] = ["changwon"],
        ["gateway"] = ["gw-changwon-01"],
        ["machine"] = ["cnc-01"],
    };

    public static TheoryData<string, string, string> Queries() => DashboardQueries.InfluxTargets();

    [Fact]
    public void EveryPanelOfTheInfluxDashboardsIsCovered()
    {
        Assert.Equal(
            DashboardQueries.InfluxDashboards.Sum(f => GrafanaFiles.Dashboard(f).Panels.Sum(p => p.Targets.Count)),
            Queries().Count);
        Assert.True(influx.LinesWritten > 5_000, $"only {influx.LinesWritten} lines written");
    }

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task WithEveryValueSelectedTheQueryReturnsData(string file, string panel, string refId)
    {
        var (statement, series) = await RunAsync(file, panel, refId, selections: null);
        Assert.True(series.Count > 0, $"no series from: {statement}");
        Assert.True(series.Any(s => s.Values().Any()), $"series without a value from: {statement}");

        // Every machine measurement of both sites reaches the machine panels; both gateways reach the health panels.
        var gateways = series.Select(s => s.Tags.GetValueOrDefault("gateway")).Where(g => g is not null).Distinct().ToList();
        if (gateways.Count > 0)
        {
            Assert.Equal(2, gateways.Count);
        }
    }

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task WithOneSiteGatewayAndMachineSelectedOnlyTheirDataComesBack(string file, string panel, string refId)
    {
        var (statement, series) = await RunAsync(file, panel, refId, OneOfEach);
        Assert.True(series.Count > 0 && series.Any(s => s.Values().Any()), $"no data from: {statement}");
        foreach (var s in series)
        {
            foreach (var (tag, chosen) in OneOfEach)
            {
                if (s.Tags.TryGetValue(tag, out var value) && (tag != "machine" || file == "factory-overview.json"))
                {
                    Assert.Equal(chosen[0], value);
                }
            }
        }
    }

    [Fact]
    public async Task TwoMachinesSelectedComeBackAsTwoSeries()
    {
        var (statement, series) = await RunAsync("factory-overview.json", "Spindle speed", "A",
            new Dictionary<string, string[]> { ["machine"] = ["cnc-01", "cnc-02"] });
        Assert.Contains("/^(cnc-01|cnc-02)$/", statement, StringComparison.Ordinal);
        Assert.Equal(["cnc-01", "cnc-02"], series.Select(s => s.Tags["machine"]).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task VariablesOfferTheSitesGatewaysMeasurementsAndMachinesThatWereWritten()
    {
        var factory = await InfluxVariableResolver.ResolveAsync(GrafanaFiles.Dashboard("factory-overview.json"), influx);
        Assert.Equal(["busan", "changwon"], factory.Offered["site"]);
        Assert.Equal(["gw-busan-01", "gw-changwon-01"], factory.Offered["gateway"]);
        Assert.Equal(["cnc", "moulding", "press"], factory.Offered["measurement"]);
        Assert.Equal(["cnc-01", "cnc-02", "mould-01", "press-01"], factory.Offered["machine"]);

        var chained = await InfluxVariableResolver.ResolveAsync(GrafanaFiles.Dashboard("gateway-health.json"), influx,
            new Dictionary<string, string[]> { ["site"] = ["busan"] });
        Assert.Equal(["gw-busan-01"], chained.Offered["gateway"]);
    }

    [Fact]
    public async Task SpindlePanelsShowGoodReadingsOnly()
    {
        var (_, series) = await RunAsync("factory-overview.json", "Spindle load", "A", selections: null);
        var loads = series.SelectMany(s => s.Values()).Select(v => v.GetDouble()).ToList();
        Assert.NotEmpty(loads);
        Assert.True(loads.Max() < 100, $"an Uncertain reading (999) reached the Good-only panel: max {loads.Max()}");
    }

    [Fact]
    public async Task BufferPanelsShowTheOutageOfTheInfluxSinkOnly()
    {
        var (_, pending) = await RunAsync("gateway-health.json", "Buffer pending", "A", OneOfEach);
        Assert.True(Max(pending, "influxdb") > 0);
        Assert.Equal(0, Max(pending, "mqtt"));

        var (_, connected) = await RunAsync("gateway-health.json", "Sink connections", "A", OneOfEach);
        Assert.Contains(connected.Single(s => s.Tags["sink"] == "influxdb").Values(), v => v.GetDouble() == 0);
        Assert.DoesNotContain(connected.Single(s => s.Tags["sink"] == "mqtt").Values(), v => v.GetDouble() == 0);

        var (_, errors) = await RunAsync("gateway-health.json", "Publish errors by cause", "A", OneOfEach);
        Assert.Equal("timeout", errors.Single().Tags["cause"]);
        Assert.True(errors.Single().Values().Sum(v => v.GetDouble()) > 0);

        var (_, rate) = await RunAsync("gateway-health.json", "Readings in per second", "A", OneOfEach);
        Assert.InRange(rate.Single().Values().Average(v => v.GetDouble()), 39, 41); // 400 readings per 10 s
    }

    [Fact]
    public async Task LastSeenShowsTheMachineThatStoppedSendingFirst()
    {
        var (_, series) = await RunAsync("factory-overview.json", "Last seen", "A", new Dictionary<string, string[]> { ["site"] = ["changwon"] });
        var ages = series.ToDictionary(s => s.Tags["machine"], s => s.Column("seconds since last reading").Single().GetDouble());
        Assert.Equal(4, ages.Count);
        Assert.Equal("press-01", ages.MaxBy(a => a.Value).Key);
        Assert.True(ages["press-01"] > 60);
    }

    [Fact]
    public async Task TheStateTimelineCarriesTheStateNames()
    {
        var (_, series) = await RunAsync("factory-overview.json", "Machine state", "A", OneOfEach);
        var states = series.Single().Values().Select(v => v.GetString()).ToHashSet();
        Assert.Subset(new HashSet<string?> { "RUNNING", "IDLE", "ALARM", "STOPPED" }, states);
        Assert.Contains("RUNNING", states);
    }

    [Fact]
    public async Task AlarmsListRaisedAlarmsWithTheirTextAndNotTheClearedOnes()
    {
        var (_, series) = await RunAsync("factory-overview.json", "Alarms", "A", OneOfEach);
        var s = series.Single();
        var numbers = s.Column("number").Where(v => v.ValueKind != JsonValueKind.Null).Select(v => v.GetInt64()).ToList();
        var texts = s.Column("text").Where(v => v.ValueKind != JsonValueKind.Null).Select(v => v.GetString()).ToList();
        Assert.NotEmpty(numbers);
        Assert.DoesNotContain(0L, numbers);
        Assert.All(texts, t => Assert.Equal("SERVO ALARM: X-AXIS OVERLOAD", t));
    }

    private static double Max(IReadOnlyList<InfluxSeries> series, string sink) =>
        series.Where(s => s.Tags["sink"] == sink).SelectMany(s => s.Values()).Max(v => v.GetDouble());

    private Task<(string Statement, IReadOnlyList<InfluxSeries> Series)> RunAsync(
        string file, string panelTitle, string refId, IReadOnlyDictionary<string, string[]>? selections) =>
        DashboardQueries.RunAsync(influx, file, panelTitle, refId, selections);
}
