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
    BufferHealth? Buffer,
    IReadOnlyList<MachineStateHealth>? MachineStates = null);

/// <summary>
/// One machine's state and its running shift's OEE (docs/oee.md); a factor is null when there was nothing to measure.
/// Null in the /status of a gateway without an `oee:` section.
/// </summary>
/// <param name="RevisedParts">Parts since start that arrived after their shift's final record and revised it.</param>
/// <param name="TooLateParts">Parts since start that arrived after the grace period: in no shift's figures.</param>
/// <param name="LateReadings">Readings since start that came behind the reorder window (applied from the accounted time on).</param>
public sealed record MachineStateHealth(
    string Machine,
    string State,
    string Reason,
    DateTime SinceUtc,
    string? Shift,
    double? Availability,
    double? Performance,
    double? Quality,
    double? Oee,
    long? Parts,
    long? GoodParts,
    long RevisedParts = 0,
    long TooLateParts = 0,
    long LateReadings = 0);

/// <param name="Machines">Per machine: the last reading and how many of its tags are Bad (null in the /status of an older gateway).</param>
/// <param name="LastError">Why the source is not connected (connection refused, a timeout and whose, an untrusted certificate and its file); null when connected.</param>
/// <param name="LastErrorSince">When that outage started.</param>
public sealed record SourceHealth(
    string Name,
    string Endpoint,
    string State,
    IReadOnlyDictionary<string, DateTime?> LastReadingPerMachine,
    IReadOnlyDictionary<string, MachineHealth>? Machines = null,
    string? LastError = null,
    DateTimeOffset? LastErrorSince = null);

/// <summary>One machine: a connected source whose every tag is Bad is not healthy, whatever its last reading's age.</summary>
/// <param name="Tags">Tags the machine has in this source.</param>
/// <param name="BadTags">Tags whose latest status is Bad (including tags the server refused).</param>
/// <param name="FirstBadStatus">The status of the first Bad tag in configuration order, e.g. "BadNodeIdUnknown (0x80340000)".</param>
/// <param name="Summary">"all 3 tags Bad (BadNodeIdUnknown (0x80340000))", "1 of 3 tags Bad (...)", "3 tags, none Bad".</param>
public sealed record MachineHealth(DateTime? LastReadingUtc, int Tags, int BadTags, string? FirstBadStatus, string Summary);

/// <param name="Optional">An optional sink (`optional: true`) that cannot deliver does not make the gateway not ready.</param>
public sealed record SinkHealth(string Name, string Type, string State, long Pending, double OldestPendingSeconds, long Delivered, long Failures, string? LastError, bool Optional = false);

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
