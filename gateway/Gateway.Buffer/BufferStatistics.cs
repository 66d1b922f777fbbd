namespace Gateway.Buffer;

/// <summary>
/// What is in the buffer: for `gateway buffer stats`, /status and the metrics. Plain records, JSON-able.
/// <see cref="Refused"/> (readings not stored, by reason: disk_full, buffer_full, write_error, unencodable) and
/// <see cref="IngestProblem"/> (why readings cannot be stored right now) come from the running buffer only.
/// </summary>
public sealed record BufferStatistics(
    string Directory,
    long BytesOnDisk,
    int Segments,
    long TotalAppended,
    long LastSequence,
    long Corrupt,
    IReadOnlyList<SinkBufferStatistics> Sinks,
    IReadOnlyDictionary<string, long>? Refused = null,
    string? IngestProblem = null);

/// <summary>One cursor: <see cref="Configured"/> is false for a sink that is no longer in the YAML but whose cursor is kept.</summary>
public sealed record SinkBufferStatistics(
    string Sink,
    bool Configured,
    long AcknowledgedSequence,
    long Pending,
    DateTime? OldestPendingTimestamp,
    TimeSpan? OldestPendingAge,
    long Dropped);
