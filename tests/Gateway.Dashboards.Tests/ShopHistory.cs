namespace Gateway.Dashboards.Tests;

/// <summary>
/// Half an hour of two factories as their gateways write it, ending now: two sites with one gateway each, every
/// gateway reading two CNCs, a press and a moulding machine (the simulator's shop and the default configuration's
/// measurements and field names), plus the gateways' own <c>gateway</c> measurement every 10 s. Deterministic.
/// </summary>
public static class ShopHistory
{
    public static readonly TimeSpan Span = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(10);

    public static readonly IReadOnlyList<(string Site, string Gateway)> Gateways = [("changwon", "gw-changwon-01"), ("busan", "gw-busan-01")];

    public static readonly IReadOnlyList<(string Machine, string Measurement)> Machines =
        [("cnc-01", "cnc"), ("cnc-02", "cnc"), ("press-01", "press"), ("mould-01", "moulding")];

    public static readonly IReadOnlyList<string> Sinks = ["mqtt", "influxdb"];

    public const string Source = "simulator";

    /// <summary>The line-protocol lines, oldest first.</summary>
    public static IEnumerable<string> Lines(DateTime end)
    {
        var steps = (int)(Span / Step);
        var start = end - Span;
        foreach (var (site, gateway) in Gateways)
        {
            var labels = new Dictionary<string, string> { ["site"] = site, ["line"] = "line-1" };
            var gatewayLabels = new Dictionary<string, string> { ["site"] = site };
            for (var i = 0; i <= steps; i++)
            {
                var t = start + Step * i;
                foreach (var (machine, measurement) in Machines)
                {
                    foreach (var line in MachineLines(measurement, labels, machine, gateway, t, i))
                    {
                        yield return line;
                    }
                }

                foreach (var line in HealthLines(gateway, gatewayLabels, t, i))
                {
                    yield return line;
                }
            }
        }
    }

    private static IEnumerable<string> MachineLines(string measurement, Dictionary<string, string> labels, string machine, string gateway, DateTime t, int i)
    {
        var seed = machine.Sum(c => c) % 7; // stable across runs, unlike string.GetHashCode
        string Reading(string field, object value, string? quality = null) =>
            DocumentedPoints.Reading(measurement, labels, machine, gateway, field, value, t, quality);

        // Execution changes rarely and is written on change: every 3 minutes here.
        if (i % 18 == 0)
        {
            string[] states = ["RUNNING", "IDLE", "RUNNING", "ALARM", "RUNNING", "STOPPED"];
            yield return Reading("execution", states[(i / 18 + seed) % states.Length]);
        }

        switch (measurement)
        {
            case "cnc":
                yield return Reading("spindle_speed", 1200.0 + 300 * Math.Sin(i / 7.0 + seed));
                yield return Reading("spindle_load", 40.0 + 15 * Math.Sin(i / 5.0 + seed));
                yield return Reading("feed_rate", 800.0 + 100 * Math.Cos(i / 9.0));
                yield return Reading("part_count", (long)(100 + i / 6));
                if (i % 30 == 15)
                {
                    // The alarm number and its text come as two readings, as the subscription reports them.
                    yield return Reading("alarm_number", 1010L + seed % 3);
                    yield return Reading("alarm_text", "SERVO ALARM: X-AXIS OVERLOAD");
                }
                else if (i % 30 == 20)
                {
                    yield return Reading("alarm_number", 0L);
                    yield return Reading("alarm_text", "");
                }

                if (i % 25 == 3)
                {
                    // An Uncertain reading: the sink tags it, the dashboards' Good-only panels leave it out.
                    yield return Reading("spindle_load", 999.0, quality: "uncertain");
                }

                break;
            case "press":
                yield return Reading("cycle_counter", (long)(5000 + i * 2));
                yield return Reading("hydraulic_pressure", 180.0 + 5 * Math.Sin(i / 3.0));
                yield return Reading("oil_temperature", 45.0 + i / 100.0);
                break;
            case "moulding":
                yield return Reading("cycle_counter", (long)(800 + i / 3));
                yield return Reading("mould_temperature", 60.0 + 2 * Math.Sin(i / 11.0));
                yield return Reading("injection_pressure", 900.0 + 50 * Math.Sin(i / 2.0));
                break;
        }
    }

    private static IEnumerable<string> HealthLines(string gateway, Dictionary<string, string> labels, DateTime t, int i)
    {
        // Counters grow from process start; the influxdb sink was down for a while in the middle (buffering).
        var influxDown = i is >= 60 and < 90;
        yield return DocumentedPoints.Health(HealthPointKind.Gateway, gateway, labels, t,
            [("buffer_bytes", 1_048_576L + i * 4096L), ("buffer_corrupt", 0L)]);
        yield return DocumentedPoints.Health(HealthPointKind.Source, gateway, labels, t,
            [("readings_in", i * 400L), ("source_connected", i % 50 == 49 ? 0L : 1L), ("reconnects", i / 50L)], source: Source);
        foreach (var (machine, _) in Machines)
        {
            yield return DocumentedPoints.Health(HealthPointKind.Machine, gateway, labels, t,
                [("readings_in", i * 100L), ("last_reading_age_s", machine == "press-01" && i > 150 ? (i - 150) * 10.0 : 0.8)],
                source: Source, machine: machine);
        }

        foreach (var sink in Sinks)
        {
            var down = sink == "influxdb" && influxDown;
            yield return DocumentedPoints.Health(HealthPointKind.Sink, gateway, labels, t,
            [
                ("readings_out", sink == "influxdb" && i >= 60 ? (down ? 60 * 400L : i * 400L) : i * 400L),
                ("buffer_pending", down ? (i - 60) * 400L : 0L),
                ("buffer_oldest_age_s", down ? (i - 60) * 10.0 : 0.2),
                // The buffer's bound was reached late in the outage: drops, then a constant total.
                ("dropped", sink == "influxdb" ? Math.Clamp(i - 80, 0, 10) * 50L : 0L),
                ("sink_connected", down ? 0L : 1L),
                ("reconnects", sink == "influxdb" && i >= 90 ? 1L : 0L),
            ], sink: sink);
            if (sink == "influxdb")
            {
                yield return DocumentedPoints.Health(HealthPointKind.PublishError, gateway, labels, t,
                    [("publish_errors", down ? (i - 59) * 3L : i >= 90 ? 93L : 0L)], sink: sink, cause: "timeout");
            }
        }
    }
}
