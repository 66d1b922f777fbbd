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

    /// <summary>
    /// Segment file size; the unit in which space is freed. Default (null): an eighth of what the buffer can hold, which is
    /// the bound or, when the disk is smaller, the buffer's own bytes plus the disk's free space (64 KiB to 64 MiB).
    /// </summary>
    public long? SegmentSizeBytes { get; init; }

    /// <summary>How long the cursor of a sink that is no longer configured is kept (it holds its readings until then).</summary>
    public TimeSpan OrphanCursorRetention { get; init; } = TimeSpan.FromDays(1);

    internal const long MinimumSegmentSize = 64 * 1024;
    internal const long MaximumSegmentSize = 64L * 1024 * 1024;

    /// <summary>
    /// The size at which the next segment is rolled. <paramref name="capacityBytes"/> is what the buffer can use on its
    /// disk right now (its own bytes plus the free space): one segment is never more than an eighth of it, so with
    /// dropOldest a full disk always holds sealed segments to drop, however small the disk is next to the bound.
    /// </summary>
    internal long SegmentSizeFor(long capacityBytes) =>
        SegmentSizeBytes ?? Math.Clamp(Math.Min(MaxSizeBytes, capacityBytes) / 8, MinimumSegmentSize, MaximumSegmentSize);

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

/// <summary>
/// The readings were not stored: the buffer is at its bound and <c>buffer.whenFull</c> is refuseNew
/// (<see cref="BufferRefusal.BufferFull"/>), or the disk is full and nothing could be dropped to make room
/// (<see cref="BufferRefusal.DiskFull"/>). What the buffer held before is intact; later appends work once there is room.
/// </summary>
public sealed class BufferFullException(string message, BufferRefusal reason, Exception? inner = null) : IOException(message, inner)
{
    public BufferRefusal Reason { get; } = reason;
}

/// <summary>Why the buffer refused readings (the <c>reason</c> label of <c>gateway_buffer_refused_total</c>).</summary>
public enum BufferRefusal
{
    /// <summary>The disk is full and nothing could be dropped (whenFull refuseNew, or no sealed segment left).</summary>
    DiskFull,

    /// <summary>The buffer reached buffer.maxSizeMb and whenFull is refuseNew.</summary>
    BufferFull,

    /// <summary>A write error (not a full disk) stopped ingest.</summary>
    WriteError,

    /// <summary>The reading could not be encoded (each one logged).</summary>
    Unencodable,
}

/// <summary>Writing the buffer failed; ingest stopped so that the store is not corrupted. Restart after fixing the disk.</summary>
public sealed class BufferWriteException(string message, Exception? inner = null) : IOException(message, inner);
