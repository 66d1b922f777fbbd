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

    /// <summary>The embedded default again, S seconds after its first reading (the early figure was taken 15 s after it).</summary>
    private async Task<double?> MeasureSettledEmbeddedDefaultAsync(RunningProgram gateway, DateTime? firstReading, CancellationToken cancellationToken)
    {
        if (_scenario.SettleSeconds <= 0 || firstReading is not { } first)
        {
            return null;
        }

        await DelayUntilAsync(first.AddSeconds(_scenario.SettleSeconds), cancellationToken);
        return await MeasureCpuAsync(gateway.Id, $"embedded default, settled ({_scenario.SettleSeconds} s after its first reading)", _scenario.EmbeddedDefaultSeconds, cancellationToken);
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
public sealed record SettledFixedCost(int SettleSeconds, double? ChangingCpuPercent, double? FrozenCpuPercent, double? EmbeddedDefaultCpuPercent);
