namespace Gateway.LoadTests;

/// <summary>The targets, and the no-loss rule every scenario shares, judged on a run's result.</summary>
public static class LoadTargets
{
    public static List<Target> For(LoadResult result)
    {
        var d = result.Delivery;
        var targets = new List<Target>
        {
            new("no loss", "every reading produced while the gateway and server ran arrives over MQTT",
                $"{d.Lost:N0} lost of {d.Expected:N0} ({d.Excused:N0} excused: nobody was reading)", d.Lost == 0 && d.SeriesNeverSeen == 0),
            // A loss the gateway reported (the Overflow bit, its `gap` flag, a Bad reading) is still a loss above; this one
            // fails only on a loss nobody was told of.
            new("every loss reported", "each run of lost ticks is followed by a reading flagged as a gap (or a Bad reading inside it)",
                $"{d.Lost - d.LostReported:N0} lost unreported, {d.LostReported:N0} lost and reported ({d.ServerQueueOverflows:N0} readings with the Overflow bit, {d.GapFlagged:N0} flagged `gap`)", d.Lost == d.LostReported),
            new("nothing accepted is lost", "no buffer sequence number missing at the subscriber", $"{d.MissingSequenceNumbers:N0} missing", d.MissingSequenceNumbers == 0),
            new("values exact", "every value is the one the simulator produced for that machine, tag and tick", $"{d.WrongValues:N0} wrong", d.WrongValues == 0),
        };
        var p = result.Parameters;
        if (p.Victoria)
        {
            targets.Add(new("VictoriaMetrics complete", "every Good reading the subscriber got is stored in VictoriaMetrics", $"{d.VictoriaSamples:N0} stored, {d.VictoriaMissing:N0} missing", d.VictoriaMissing <= 0));
        }

        if (result.CostPerReading is { } cost && !p.Victoria && p.Fault == LoadFault.None)
        {
            // Issue 26: like for like only when MQTT is the gateway's one sink.
            var json = p.Payload == "json";
            targets.Add(new("cost per reading", json ? "<= 1.5x the bare MQTTnet client's CPU per message (json, QoS 1)" : "<= 0.2x the bare MQTTnet client's CPU per message (json-batch)",
                $"{cost.GatewayMicroseconds} µs vs {cost.BaselineMicroseconds} µs: {cost.Ratio}x", cost.Ratio <= (json ? 1.5 : 0.2)));
        }

        if (result.StartToFirstReadingSeconds > 0 && p.Name != "smoke")
        {
            targets.Add(new("start", "process start to first reading at the broker < 1.5 s", $"{result.StartToFirstReadingSeconds} s", result.StartToFirstReadingSeconds < 1.5));
        }

        if (result.FixedCost is { } fixedCost)
        {
            targets.Add(new("fixed cost, 10 x 100 at 1 s", "< 1 % of one core", $"{fixedCost.ChangingCpuPercent} %", fixedCost.ChangingCpuPercent < 1));
            if (fixedCost.FrozenCpuPercent is { } frozen)
            {
                targets.Add(new("fixed cost, values frozen", "< 0.3 % of one core", $"{frozen} %", frozen < 0.3));
            }

            if (fixedCost.EmbeddedDefaultCpuPercent is { } embedded)
            {
                targets.Add(new("fixed cost, embedded default", "< 1 % of one core", $"{embedded} % (peak RSS {fixedCost.EmbeddedDefaultPeakRssMb} MB)", embedded < 1));
            }
        }

        switch (p.Name)
        {
            case "steady" or "soak":
                targets.Add(new("steady CPU", "< 15 % of one core", $"{result.Gateway.CpuPercentOfOneCore} %", result.Gateway.CpuPercentOfOneCore < 15));
                targets.Add(new("steady memory", "< 150 MB RSS", $"{result.Gateway.PeakRssMb} MB peak", result.Gateway.PeakRssMb < 150));
                targets.Add(new("steady latency", "p99 < 1.5 s (after the warm-up)", $"p99 {result.LiveLatency.P99Ms} ms (with the warm-up: {result.Latency.P99Ms} ms)", result.LiveLatency.P99Ms < 1500));
                break;
            case "burst":
                var mqtt = result.Throughput.DeliveredBySink.GetValueOrDefault("mqtt");
                var victoria = result.Throughput.DeliveredBySink.GetValueOrDefault("victoria");
                targets.Add(new("burst throughput", ">= 100,000 readings/s to MQTT (json-batch) and VictoriaMetrics together",
                    $"MQTT {mqtt:N0}/s, VictoriaMetrics {victoria:N0}/s", mqtt >= 100_000 && victoria >= 100_000));
                break;
            case "outage":
                var f = result.Fault;
                targets.Add(new("outage catch-up", "caught up within 60 s of the broker's return",
                    f?.CatchUpSeconds is { } s ? $"{s} s ({f.BacklogReadings:N0} readings)" : "not caught up", f?.CatchUpSeconds is < 60));
                targets.Add(p.Victoria ? new("live data during the outage", "VictoriaMetrics keeps getting the live rate while MQTT is down",
                    $"{f?.OtherSinkReadingsPerSecondDuringFault:N0}/s of {p.ReadingsPerSecond:N0}/s", f?.OtherSinkReadingsPerSecondDuringFault >= 0.9 * p.ReadingsPerSecond)
                    : new("live data during the outage", "(no other sink in this run)", "-", true));
                targets.Add(new("live data during catch-up", "fresh readings (< 2 s old) reach MQTT in every second of the drain (from 2 s after the sink reconnected)",
                    $"at least {f?.FreshReadingsPerSecondMinDuringCatchUp:N0} fresh/s", f?.FreshReadingsPerSecondMinDuringCatchUp > 0));
                if (result.CostPerReading is { CatchUpRateRatio: var drain } && double.IsFinite(drain))
                {
                    targets.Add(new("catch-up rate", ">= 0.8x the bare MQTTnet loop's top rate (from the sink's reconnect)",
                        $"{drain}x (reconnected {f?.ReconnectSeconds} s after the broker's return, drained in {f?.DrainSeconds} s)", drain >= 0.8));
                }
                break;
        }

        if (result.Soak is { } soakFigures)
        {
            targets.Add(new("soak memory", "RSS trend after warm-up <= 5 % per hour (least-squares slope)",
                $"{soakFigures.RssTrendPercentPerHour} % per hour ({soakFigures.RssSlopeMbPerHour} MB/h; end against warm-up {soakFigures.RssGrowthPercent} %)",
                soakFigures.RssTrendPercentPerHour <= 5));
            targets.Add(new("soak threads and handles", "no growth after warm-up",
                $"threads {soakFigures.ThreadsAfterWarmup} -> {soakFigures.ThreadsAtEnd}, handles {soakFigures.HandlesAfterWarmup} -> {soakFigures.HandlesAtEnd}",
                soakFigures.ThreadsAtEnd <= soakFigures.ThreadsAfterWarmup + 2 && soakFigures.HandlesAtEnd <= soakFigures.HandlesAfterWarmup + 2));
        }

        return targets;
    }
}
