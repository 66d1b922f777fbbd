namespace Gateway.Connectors.OpcUa;

/// <summary>
/// One poll cycle done: the group, the boundary it read, when its Read was started (never before the boundary), the
/// due boundaries skipped before it, whether it is the first of a session (the boundaries before it passed while there
/// was no session and are not counted), its readings.
/// </summary>
public sealed record PollCycle(PlannedGroup Group, DateTimeOffset Boundary, DateTimeOffset ReadStarted, long Skipped, bool FirstOfSession, IReadOnlyList<Gateway.Core.Reading> Readings);
