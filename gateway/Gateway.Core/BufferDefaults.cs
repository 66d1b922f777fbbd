namespace Gateway.Core;

/// <summary>
/// The store-and-forward buffer's defaults, in the units of the YAML `buffer` section. Stated once here: the YAML model
/// (what a key left out means, the schema and key reference) and the buffer's own options (bytes, TimeSpan) both
/// read them, so the two cannot drift apart.
/// </summary>
public static class BufferDefaults
{
    public const int MaxSizeMb = 2048;

    public const int MaxAgeHours = 168;

    public const int CommitIntervalMs = 5;

    public const int BatchSize = 5000;

    public const int BatchLingerMs = 100;

    public const int RetryInitialDelayMs = 500;

    public const int RetryMaxDelayMs = 30_000;

    public const double BreakerFailureRatio = 0.5;

    public const int BreakDurationMs = 15_000;
}
