namespace Gateway.Sinks.InfluxDb;

/// <summary>What one InfluxDB sink has done since it started; read by /status and /metrics. Thread-safe.</summary>
public sealed class InfluxDbSinkCounters
{
    private long _pointsWritten;
    private long _writes;
    private long _failedWrites;
    private long _deadLettered;
    private long _notGoodWritten;
    private long _notGoodDropped;
    private long _nullValuesSkipped;
    private long _splitsForSize;
    private long _throttled;

    /// <summary>Points the server acknowledged (204).</summary>
    public long PointsWritten => Interlocked.Read(ref _pointsWritten);

    /// <summary>HTTP writes that succeeded.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Writes that failed as a whole (server unreachable, auth, missing bucket, 5xx).</summary>
    public long FailedWrites => Interlocked.Read(ref _failedWrites);

    /// <summary>Readings written to the dead-letter file.</summary>
    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    /// <summary>Uncertain or Bad readings written with the quality tag.</summary>
    public long NotGoodWritten => Interlocked.Read(ref _notGoodWritten);

    /// <summary>Uncertain or Bad readings dropped (<c>badQuality: drop</c>).</summary>
    public long NotGoodDropped => Interlocked.Read(ref _notGoodDropped);

    /// <summary>Readings without a value (nothing to write).</summary>
    public long NullValuesSkipped => Interlocked.Read(ref _nullValuesSkipped);

    /// <summary>Writes split in two after a 413 (request too large).</summary>
    public long SplitsForSize => Interlocked.Read(ref _splitsForSize);

    /// <summary>429/503 answers.</summary>
    public long Throttled => Interlocked.Read(ref _throttled);

    internal void AddPointsWritten(long count)
    {
        Interlocked.Add(ref _pointsWritten, count);
        Interlocked.Increment(ref _writes);
    }

    internal void AddFailedWrite() => Interlocked.Increment(ref _failedWrites);

    internal void AddDeadLettered(long count) => Interlocked.Add(ref _deadLettered, count);

    internal void AddNotGoodWritten() => Interlocked.Increment(ref _notGoodWritten);

    internal void AddNotGoodDropped() => Interlocked.Increment(ref _notGoodDropped);

    internal void AddNullValueSkipped() => Interlocked.Increment(ref _nullValuesSkipped);

    internal void AddSplitForSize() => Interlocked.Increment(ref _splitsForSize);

    internal void AddThrottled() => Interlocked.Increment(ref _throttled);
}
