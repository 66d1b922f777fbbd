namespace Gateway.Host.Monitoring;

/// <summary>The JSON of /status (and the basis of /readyz): what a center engineer asks first.</summary>
public sealed record GatewayHealth(
    string Gateway,
    string Version,
    DateTimeOffset StartedAt,
    bool Ready,
    IReadOnlyList<string> NotReadyReasons,
    IReadOnlyList<SourceHealth> Sources,
    IReadOnlyList<SinkHealth> Sinks,
    BufferHealth? Buffer);

public sealed record SourceHealth(string Name, string Endpoint, string State, IReadOnlyDictionary<string, DateTime?> LastReadingPerMachine);

public sealed record SinkHealth(string Name, string Type, string State, long Pending, double OldestPendingSeconds, long Delivered, long Failures, string? LastError);

/// <summary>
/// The buffer in /status. <see cref="Refused"/>: readings it could not store (by reason in <see cref="RefusedByReason"/>);
/// <see cref="IngestProblem"/>: why it cannot store readings right now (also a not-ready reason), null while it can.
/// </summary>
public sealed record BufferHealth(
    long Appended,
    long BytesOnDisk,
    long Dropped,
    long Corrupt,
    long Refused = 0,
    IReadOnlyDictionary<string, long>? RefusedByReason = null,
    string? IngestProblem = null);
