namespace Gateway.Core;

/// <summary>
/// A batch whose first <see cref="ReplayedCount"/> readings are an older backlog that the buffer replays while fresher
/// readings of the same tags already went out (only for a sink whose <see cref="ISink.ReplaysBacklog"/> is true, and
/// only while its backlog is large enough for the buffer's live lane). A sink keeps the two apart for its consumers
/// (the MQTT sink: `replayTopic`), so that each stream keeps its own per-tag order.
/// </summary>
public interface IReplayedBacklog
{
    int ReplayedCount { get; }
}
