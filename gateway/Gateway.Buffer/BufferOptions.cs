using Gateway.Configuration.Model;

namespace Gateway.Buffer;

/// <summary>The buffer's settings, from the YAML <c>buffer</c> section (<see cref="BufferConfig"/>) plus a few internals.</summary>
public sealed record BufferOptions
{
    public required string Directory { get; init; }

    public long MaxSizeBytes { get; init; } = 2048L * 1024 * 1024;

    public TimeSpan MaxAge { get; init; } = TimeSpan.FromHours(168);

    /// <summary>Group commit: at most one fsync per interval; the loss window of a power cut.</summary>
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromMilliseconds(5);

    public OverflowPolicy WhenFull { get; init; } = OverflowPolicy.DropOldest;

    public int BatchSize { get; init; } = 5000;

    /// <summary>Segment file size; the unit in which space is freed. Default: an eighth of the maximum size, 64 KiB to 64 MiB.</summary>
    public long? SegmentSizeBytes { get; init; }

    /// <summary>How long the cursor of a sink that is no longer configured is kept (it holds its readings until then).</summary>
    public TimeSpan OrphanCursorRetention { get; init; } = TimeSpan.FromDays(1);

    internal long EffectiveSegmentSize => SegmentSizeBytes ?? Math.Clamp(MaxSizeBytes / 8, 64 * 1024, 64L * 1024 * 1024);

    /// <summary>Options from the YAML section; <paramref name="dataDirectory"/> is the gateway's data directory (buffer default: DATA/buffer).</summary>
    public static BufferOptions FromConfig(BufferConfig config, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(config);
        var directory = string.IsNullOrWhiteSpace(config.Directory)
            ? Path.Combine(dataDirectory, "buffer")
            : Path.Combine(dataDirectory, config.Directory);
        return new BufferOptions
        {
            Directory = directory,
            MaxSizeBytes = (long)config.MaxSizeMb * 1024 * 1024,
            MaxAge = TimeSpan.FromHours(config.MaxAgeHours),
            CommitInterval = TimeSpan.FromMilliseconds(config.CommitIntervalMs),
            WhenFull = config.WhenFull,
            BatchSize = config.BatchSize,
        };
    }
}

/// <summary>The buffer is full (or the disk is) and <c>buffer.whenFull</c> is refuseNew, or nothing could be dropped to make room.</summary>
public sealed class BufferFullException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>Writing the buffer failed; ingest stopped so that the store is not corrupted. Restart after fixing the disk.</summary>
public sealed class BufferWriteException(string message, Exception? inner = null) : IOException(message, inner);
