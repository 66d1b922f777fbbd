using Gateway.Testing;

namespace Gateway.LoadTests;

/// <summary>
/// `--settle-seconds S`: the fixed cost of a gateway that has run for a while. A service runs for months; in its first
/// minutes the tiered JIT is still compiling (at 10 publishes a second the per-publish methods reach their call counts
/// slowly), which the early windows of `fixed-cost` include. With S > 0 the same figures are measured again once the
/// gateway has run S seconds since its first reading at the broker, and both are kept in the result.
/// </summary>
public sealed partial class LoadRun
{
    /// <summary>Values still changing: waits until S seconds after the first reading, then measures as long as the early window.</summary>
    private async Task<double?> MeasureSettledChangingAsync(DateTime firstReading, CancellationToken cancellationToken)
    {
        if (_scenario.SettleSeconds <= 0)
        {
            return null;
        }

        await DelayUntilAsync(firstReading.AddSeconds(_scenario.SettleSeconds), cancellationToken);
        return await MeasureCpuAsync(_gateway!.Id, $"settled ({_scenario.SettleSeconds} s after the first reading), values changing", SettledWindowSeconds, cancellationToken);
    }

    /// <summary>
    /// The embedded default again, S seconds after its first reading (the early figure was taken 15 s after it): its CPU,
    /// and its wake-ups per second over the same window (voluntary context switches of its threads).
    /// </summary>
    private async Task<(double CpuPercent, double? WakeUpsPerSecond)?> MeasureSettledEmbeddedDefaultAsync(RunningProgram gateway, DateTime? firstReading, CancellationToken cancellationToken)
    {
        if (_scenario.SettleSeconds <= 0 || firstReading is not { } first)
        {
            return null;
        }

        await DelayUntilAsync(first.AddSeconds(_scenario.SettleSeconds), cancellationToken);
        var switchesBefore = GatewaySample.VoluntaryContextSwitches(gateway.Id);
        var switchesFrom = DateTime.UtcNow;
        var cpu = await MeasureCpuAsync(gateway.Id, $"embedded default, settled ({_scenario.SettleSeconds} s after its first reading)", _scenario.EmbeddedDefaultSeconds, cancellationToken);
        var switchesAfter = GatewaySample.VoluntaryContextSwitches(gateway.Id);
        double? wakeUps = switchesBefore is { } before && switchesAfter is { } after
            ? Math.Round((after - before) / (DateTime.UtcNow - switchesFrom).TotalSeconds, 1)
            : null;
        Log($"embedded default, settled: {wakeUps} wake-ups/s (voluntary context switches of its threads)");
        return (cpu, wakeUps);
    }

    /// <summary>
    /// `--embedded-default-only 1`: only the embedded default (early and settled), without the 10 x 100 run, its frozen
    /// windows and their broker and VictoriaMetrics; for comparing builds on the one figure in less time.
    /// </summary>
    private async Task<LoadResult> RunEmbeddedDefaultOnlyAsync(CancellationToken cancellationToken)
    {
        var startedAt = DateTime.UtcNow;
        var loadAtStart = File.ReadAllText("/proc/loadavg").Trim();
        Log($"scenario {_scenario.Name}, embedded default only; load average {loadAtStart}");
        var embedded = await MeasureEmbeddedDefaultAsync(cancellationToken);
        var loadAtEnd = File.ReadAllText("/proc/loadavg").Trim();
        var settled = _scenario.SettleSeconds > 0
            ? new SettledFixedCost(_scenario.SettleSeconds, null, null, embedded.SettledCpuPercent) { EmbeddedDefaultWakeUpsPerSecond = embedded.SettledWakeUpsPerSecond }
            : null;
        return new LoadResult
        {
            Scenario = _scenario.Name,
            StartedAt = startedAt,
            Parameters = _scenario,
            Machine = Machine(loadAtStart, loadAtEnd),
            FixedCost = new FixedCostFigures(double.NaN, null, null, embedded.CpuPercent, embedded.PeakRssMb, embedded.StartToFirstReadingSeconds),
            SettledFixedCost = settled,
            Targets = SettledTargets(settled),
            Notes = _notes,
        };
    }

    /// <summary>As long as the early window of the values changing (the run's duration after the warm-up), at least 10 s.</summary>
    private int SettledWindowSeconds => Math.Max(10, _scenario.DurationSeconds - _scenario.WarmupSeconds);

    private static List<Target> SettledTargets(SettledFixedCost? settled)
    {
        var targets = new List<Target>();
        if (settled is null)
        {
            return targets;
        }

        if (settled.ChangingCpuPercent is { } changing)
        {
            targets.Add(new($"fixed cost, 10 x 100 at 1 s, settled ({settled.SettleSeconds} s)", "< 1 % of one core", $"{changing} %", changing < 1));
        }

        if (settled.FrozenCpuPercent is { } frozen)
        {
            targets.Add(new($"fixed cost, values frozen, settled ({settled.SettleSeconds} s)", "< 0.3 % of one core", $"{frozen} %", frozen < 0.3));
        }

        if (settled.EmbeddedDefaultCpuPercent is { } embedded)
        {
            targets.Add(new($"fixed cost, embedded default, settled ({settled.SettleSeconds} s)", "< 1 % of one core", $"{embedded} %", embedded < 1));
        }

        return targets;
    }
}

/// <summary>
/// The fixed cost once the gateway has run <see cref="SettleSeconds"/> since its first reading (`--settle-seconds`), in % of
/// one core: values changing (harness scraping /metrics every second, as the early figure), values frozen with no scrapes
/// (with a settle time the frozen windows follow the settled one, so this is the frozen figure of the run), and the
/// embedded default measured again that long after its first reading.
/// </summary>
public sealed record SettledFixedCost(int SettleSeconds, double? ChangingCpuPercent, double? FrozenCpuPercent, double? EmbeddedDefaultCpuPercent)
{
    /// <summary>The settled embedded default's wake-ups per second: voluntary context switches of its threads over the same window.</summary>
    public double? EmbeddedDefaultWakeUpsPerSecond { get; init; }
}
