using Gateway.Buffer;
using Gateway.Configuration.Model;

namespace Gateway.Host.Service;

/// <summary>
/// The YAML <c>buffer</c> section mapped onto the buffer's own options: the one place where YAML units (MiB, hours, ms)
/// become the buffer's (bytes, TimeSpan), used by the running gateway and by <c>gateway buffer ...</c>.
/// </summary>
public static class BufferSection
{
    /// <param name="dataDirectory">The gateway's data directory: the buffer's directory is relative to it (default: DATA/buffer).</param>
    public static BufferOptions ToOptions(this BufferConfig section, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(section);
        return new BufferOptions
        {
            Directory = string.IsNullOrWhiteSpace(section.Directory)
                ? Path.Combine(dataDirectory, "buffer")
                : Path.Combine(dataDirectory, section.Directory),
            MaxSizeBytes = (long)section.MaxSizeMb * 1024 * 1024,
            MaxAge = TimeSpan.FromHours(section.MaxAgeHours),
            CommitInterval = TimeSpan.FromMilliseconds(section.CommitIntervalMs),
            WhenFull = section.WhenFull switch
            {
                OverflowPolicy.DropOldest => BufferOverflowPolicy.DropOldest,
                OverflowPolicy.RefuseNew => BufferOverflowPolicy.RefuseNew,
                _ => throw new ArgumentOutOfRangeException(nameof(section), section.WhenFull, "buffer.whenFull: no such policy"),
            },
            BatchSize = section.BatchSize,
            BatchLinger = TimeSpan.FromMilliseconds(section.BatchLingerMs),
            Retry = section.Retry.ToOptions(),
        };
    }

    public static DeliveryRetryOptions ToOptions(this RetryConfig section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return new DeliveryRetryOptions
        {
            InitialDelay = TimeSpan.FromMilliseconds(section.InitialDelayMs),
            MaxDelay = TimeSpan.FromMilliseconds(section.MaxDelayMs),
            BreakerFailureRatio = section.BreakerFailureRatio,
            BreakDuration = TimeSpan.FromMilliseconds(section.BreakDurationMs),
        };
    }
}
