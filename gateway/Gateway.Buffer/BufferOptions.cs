using Gateway.Core;

namespace Gateway.Buffer;

/// <summary>
/// The buffer's settings, in its own units (bytes, TimeSpan); the host maps the YAML <c>buffer</c> section onto them.
/// The defaults are <see cref="BufferDefaults"/>, which the YAML model reads too.
/// </summary>
public sealed record BufferOptions
{
    public required string Directory { get; init; }

    /// <summary>The bound on the disk space the buffer uses; what happens at it is <see cref="WhenFull"/>.</summary>
    public long MaxSizeBytes { get; init; } = BufferDefaults.MaxSizeMb * 1024L * 1024;

    /// <summary>Readings older than this are dropped even if not delivered.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromHours(BufferDefaults.MaxAgeHours);

    /// <summary>Group commit: at most one fsync per interval; the loss window of a power cut.</summary>
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromMilliseconds(BufferDefaults.CommitIntervalMs);

    public BufferOverflowPolicy WhenFull { get; init; } = BufferOverflowPolicy.DropOldest;

    /// <summary>Most readings handed to a sink in one batch.</summary>
    public int BatchSize { get; init; } = BufferDefaults.BatchSize;

    /// <summary>After a batch under half of <see cref="BatchSize"/>, how long to wait before the next (see <see cref="SinkDeliveryLoop"/>).</summary>
    public TimeSpan BatchLinger { get; init; } = TimeSpan.FromMilliseconds(BufferDefaults.BatchLingerMs);

    /// <summary>How each sink's delivery loop retries a batch the sink did not take.</summary>
    public DeliveryRetryOptions Retry { get; init; } = new();

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
}

/// <summary>What the buffer does at its bound (<see cref="BufferOptions.MaxSizeBytes"/>).</summary>
public enum BufferOverflowPolicy
{
    /// <summary>Drop the oldest sealed segment, counted per sink, and keep taking new readings.</summary>
    DropOldest,

    /// <summary>Refuse new readings (<see cref="BufferFullException"/>) until a sink catches up.</summary>
    RefuseNew,
}

/// <summary>
/// How a sink's delivery loop retries: exponential backoff with jitter from <see cref="InitialDelay"/> up to
/// <see cref="MaxDelay"/>, for as long as it takes, through a circuit breaker that opens at
/// <see cref="BreakerFailureRatio"/> of failed attempts for <see cref="BreakDuration"/>.
/// </summary>
public sealed record DeliveryRetryOptions
{
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(BufferDefaults.RetryInitialDelayMs);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMilliseconds(BufferDefaults.RetryMaxDelayMs);

    public double BreakerFailureRatio { get; init; } = BufferDefaults.BreakerFailureRatio;

    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromMilliseconds(BufferDefaults.BreakDurationMs);
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
