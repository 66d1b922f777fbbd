using Gateway.Testing;

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
        Assert.Equal([SimulatorRunInfluxDb.ShiftName], variables.Offered["shift"]);

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

    // The records carry the schedule's own timestamps, so the figures are the oracle's up to the records' rounding:
    // seconds to the millisecond (downtime_s), ratios from the unrounded times.
    private const double SecondsTolerance = 0.002;
    private const double RatioTolerance = 1e-5;

    private static readonly Dictionary<string, string> OeeTemplates = new()
    {
        ["cnc-01"] = "sim-cnc",
        ["cnc-02"] = "sim-cnc",
        ["press-01"] = "sim-press",
        ["mould-01"] = "sim-mould",
    };

    [Fact]
    public async Task TheOeePanelsShowTheOraclesFiguresForTheCompletedShift()
    {
        Assert.True(run.ShiftCompleted, $"the shift {run.ShiftStart:o}..{run.ShiftEnd:o} has no final records of every machine in InfluxDB\n{Tail(run.GatewayOutput)}");
        var oracle = OeeTemplates.ToDictionary(
            m => m.Key,
            m => ShiftOracle.Compute(run.Schedule, m.Key, run.ShiftStart, run.ShiftEnd, run.IdealCycleSeconds[m.Value]));
        var shift = new Dictionary<string, string[]> { ["shift"] = [SimulatorRunInfluxDb.ShiftName] };
        var hint = $"(shift {run.ShiftStart:o}..{run.ShiftEnd:o}; offline or unknown time means the gateway read too late on a loaded box)";

        var (statement, table) = await DashboardQueries.RunAsync(run, "oee.json", "교대별 OEE와 세 요소 / OEE and its factors per shift", "A", shift);
        Assert.Equal(OeeTemplates.Keys.Order(StringComparer.Ordinal), table.Select(s => s.Tags["machine"]).Order(StringComparer.Ordinal));
        foreach (var series in table)
        {
            var machine = series.Tags["machine"];
            var expected = oracle[machine];
            Assert.True(expected.Total > 0, $"{machine} made nothing in the shift by the schedule; lengthen the shift");
            var parts = (long)series.Column("parts").Single().GetDouble();
            var good = (long)series.Column("good").Single().GetDouble();
            var availability = series.Column("availability").Single().GetDouble();
            var differences = parts == expected.Total && good == expected.Good && Math.Abs(expected.Availability - availability) < RatioTolerance
                ? ""
                : await StateDifferencesAsync(machine, expected);
            Assert.True(parts == expected.Total, $"{machine} parts: oracle {expected.Total}, dashboard {parts} from {statement} {hint}{differences}");
            Assert.True(good == expected.Good, $"{machine} good parts: oracle {expected.Good}, dashboard {good} from {statement} {hint}{differences}");
            AssertNear(expected.Availability, series, "availability", machine, statement, hint + differences);
            AssertNear(expected.Performance!.Value, series, "performance", machine, statement, hint);
            AssertNear(expected.Quality!.Value, series, "quality", machine, statement, hint);
            AssertNear(expected.Oee!.Value, series, "OEE", machine, statement, hint);
        }

        var (rateStatement, rates) = await DashboardQueries.RunAsync(run, "oee.json", "시간당 생산량 대 기준 / Parts per hour against the ideal", "A", shift);
        Assert.Equal(4, rates.Count);
        foreach (var series in rates)
        {
            var expected = oracle[series.Tags["machine"]];
            var perHour = series.Column("parts per hour").Single().GetDouble();
            var idealPerHour = series.Column("ideal parts per hour").Single().GetDouble();
            // Compared as the run and ideal times they imply: the rates divide by seconds the records round to the millisecond.
            var runSeconds = expected.Total * 3600 / perHour;
            Assert.True(Math.Abs(expected.RunSeconds - runSeconds) < SecondsTolerance, $"{series.Tags["machine"]}: oracle {expected.Total * 3600 / expected.RunSeconds} parts/h, dashboard {perHour} from {rateStatement} {hint}");
            Assert.True(Math.Abs(expected.IdealSeconds - expected.Total * 3600 / idealPerHour) < SecondsTolerance, $"{series.Tags["machine"]}: oracle {expected.Total * 3600 / expected.IdealSeconds} ideal parts/h, dashboard {idealPerHour}");
        }

        // Downtime by state: the loss states' seconds summed over the machines (every state but running).
        var (downtimeStatement, downtime) = await DashboardQueries.RunAsync(run, "oee.json", "상태별 비가동 파레토 / Downtime Pareto by state", "A", shift);
        var expectedByState = oracle.Values.SelectMany(o => o.Seconds).Where(p => p.Key != "running" && p.Value > 0)
            .GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Sum(p => p.Value));
        var shownByState = downtime.ToDictionary(s => s.Tags["cause"], s => s.Column("downtime").Single().GetDouble());
        Assert.True(expectedByState.Count > 0, "no downtime in the shift by the schedule");
        Assert.True(
            expectedByState.Keys.Order(StringComparer.Ordinal).SequenceEqual(shownByState.Keys.Order(StringComparer.Ordinal)),
            $"oracle states {string.Join(", ", expectedByState)}; dashboard {string.Join(", ", shownByState)} from {downtimeStatement} {hint}");
        foreach (var (state, seconds) in expectedByState)
        {
            Assert.True(Math.Abs(seconds - shownByState[state]) < SecondsTolerance * OeeTemplates.Count, $"{state}: oracle {seconds} s, dashboard {shownByState[state]} s from {downtimeStatement}");
        }
    }

    [Fact]
    public async Task TheActiveAlarmCountsAreStampedAtTheStepsThatChangedTheAlarm()
    {
        // The CNCs' alarm events carry the step's time, and so must the count that follows them: stamped on arrival it
        // was ahead of the machine's execution value by the delivery delay, and when it was read first the engine dated
        // the alarm's start that much late (availability 0.90499 against the oracle's 0.90221 once on a loaded box).
        // The first count is the refresh's at connect (the refresh's time, no step's), the others follow alarm events.
        var changes = 0;
        foreach (var machine in OeeTemplates.Keys.Where(m => m.StartsWith("cnc", StringComparison.Ordinal)))
        {
            var steps = run.Schedule.Zip(run.Schedule.Skip(1))
                .Where(p => p.Second.Machines[machine].Alarm != p.First.Machines[machine].Alarm)
                .Select(p => p.Second.Timestamp)
                .ToList();
            changes += steps.Count;
            var statement = $"SELECT \"active_alarms\" FROM \"events\" WHERE \"machine\" = '{machine}'";
            foreach (var time in (await run.QueryAsync(statement)).SelectMany(s => s.Rows).Select(r => InfluxTime(r[0])).Order().Skip(1))
            {
                // The sink writes milliseconds. (Not every step has its count: two events in one notification make one.)
                Assert.True(
                    steps.Any(t => Math.Abs((t - time).TotalMilliseconds) < 1),
                    $"{machine}: active_alarms at {time:o}, when no step changed its alarm (the steps that did: {string.Join(", ", steps.Select(t => t.ToString("o", System.Globalization.CultureInfo.InvariantCulture)))})");
            }
        }

        Assert.True(changes > 0, "no CNC alarm began or ended in the run by the schedule; lengthen the run");
    }

    /// <summary>
    /// For a failure message: the machine's state records that differ from the oracle's segments inside the shift, and
    /// every reading of the machine (any measurement) stamped within half a second of the first difference.
    /// </summary>
    private async Task<string> StateDifferencesAsync(string machine, ShiftFigures expected)
    {
        static string Iso(DateTime t) => t.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
        var from = run.ShiftStart.AddSeconds(-5);
        var records = await run.QueryAsync($"SELECT \"state\", \"state_duration_s\" FROM \"machine_state\" WHERE \"machine\" = '{machine}' AND time >= '{from:yyyy-MM-dd'T'HH:mm:ss'Z'}' AND time <= '{run.ShiftEnd:yyyy-MM-dd'T'HH:mm:ss'Z'}'");
        var reported = records.SelectMany(s => s.Rows)
            .Where(r => r[1].ValueKind == System.Text.Json.JsonValueKind.String)
            .Select(r => (State: r[1].GetString()!, Start: InfluxTime(r[0]), End: InfluxTime(r[0]).AddSeconds(r[2].GetDouble())))
            .Where(s => s.End > run.ShiftStart)
            .Select(s => $"{s.State} {Iso(s.Start)}-{Iso(s.End)}")
            .ToList();
        var oracle = expected.Segments.Where(s => s.End > run.ShiftStart && s.Start < run.ShiftEnd).Select(s => $"{s.State} {Iso(s.Start)}-{Iso(s.End)}").ToList();
        var first = oracle.Zip(reported).Select((p, i) => (p, i)).FirstOrDefault(x => x.p.First != x.p.Second);
        var text = $"\noracle:  {string.Join(", ", oracle)}\ngateway: {string.Join(", ", reported)}";
        if (first.p.First is null)
        {
            return text;
        }

        var at = expected.Segments.Where(s => s.End > run.ShiftStart && s.Start < run.ShiftEnd).ElementAt(first.i).Start;
        var window = $"time >= '{at.AddMilliseconds(-500):yyyy-MM-dd'T'HH:mm:ss.fff'Z'}' AND time <= '{at.AddMilliseconds(500):yyyy-MM-dd'T'HH:mm:ss.fff'Z'}'";
        var near = await run.QueryAsync($"SELECT * FROM \"cnc\", \"events\", \"press\", \"moulding\" WHERE \"machine\" = '{machine}' AND {window}");
        var lines = near.SelectMany(s => s.Rows.Select(r => $"{s.Name} {string.Join(" ", s.Columns.Zip(r).Where(c => c.Second.ValueKind != System.Text.Json.JsonValueKind.Null).Select(c => $"{c.First}={c.Second}"))}"));
        return $"{text}\nfirst difference at {Iso(at)}; readings of {machine} near it:\n{string.Join("\n", lines)}";
    }

    /// <summary>A time as the queries return it (milliseconds since the epoch: <see cref="InfluxDbServer"/> asks for them).</summary>
    private static DateTime InfluxTime(System.Text.Json.JsonElement value) => DateTime.UnixEpoch.AddMilliseconds(value.GetInt64());

    private static void AssertNear(double expected, InfluxSeries series, string column, string machine, string statement, string hint)
    {
        var shown = series.Column(column).Single().GetDouble();
        Assert.True(Math.Abs(expected - shown) < RatioTolerance, $"{machine} {column}: oracle {expected}, dashboard {shown} from {statement} {hint}");
    }

    [Fact]
    public async Task TheVariablesOfferTheDefaultShop()
    {
        var factory = await InfluxVariableResolver.ResolveAsync(GrafanaFiles.Dashboard("factory-overview.json"), run);
        Assert.Equal(["changwon-demo"], factory.Offered["site"]);
        Assert.Equal(["demo-gateway"], factory.Offered["gateway"]);
        // The OPC UA machines and the Modbus power meter and PLC (the run serves the simulator's Modbus port too), and the
        // CNCs' events groups: `events` (active_alarms from the refresh at connect, each alarm event) and, once an alarm
        // the gateway saw has ended, `alarm_episodes`: only possible when the schedule shows a CNC alarm ending.
        var measurements = factory.Offered["measurement"];
        Assert.Equal(["cnc", "energy", "events", "moulding", "plc", "press"], measurements.Where(m => m != "alarm_episodes"));
        var alarmEnded = run.Schedule.Zip(run.Schedule.Skip(1)).Any(p => p.First.Machines.Any(m => m.Value.Alarm != 0 && p.Second.Machines[m.Key].Alarm == 0));
        Assert.True(alarmEnded || !measurements.Contains("alarm_episodes"), "alarm_episodes without any CNC alarm ending in the run");
        Assert.Equal(["cnc-01", "cnc-02", "mould-01", "press-01", "press-01-plc", "shop-meter"], factory.Offered["machine"].Order(StringComparer.Ordinal));
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
