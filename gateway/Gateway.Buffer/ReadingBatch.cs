using System.Collections;

using Gateway.Core;

namespace Gateway.Buffer;

/// <summary>
/// A batch for one sink: the backlog readings in sequence order, then (while a backlog drains) fresh readings from
/// the live lane. Acknowledge <see cref="AcknowledgeUpTo"/> once the sink took the batch; it is the backlog
/// position, which is below the live readings' sequence numbers while the live lane runs ahead.
/// </summary>
public sealed class ReadingBatch(IReadOnlyList<Reading> readings, long acknowledgeUpTo, int liveCount, int replayedCount = 0) : IReadOnlyList<Reading>, IReplayedBacklog
{
    public long AcknowledgeUpTo { get; } = acknowledgeUpTo;

    /// <summary>How many readings at the end of the batch came from the live lane.</summary>
    public int LiveCount { get; } = liveCount;

    /// <summary>
    /// How many readings at the start of the batch are a replayed backlog, already overtaken by fresh readings of the
    /// same tags (a sink with <see cref="StoreAndForwardBuffer.ReplayBacklog"/> on, while its live lane runs).
    /// </summary>
    public int ReplayedCount { get; } = replayedCount;

    public int Count => readings.Count;

    public Reading this[int index] => readings[index];

    public IEnumerator<Reading> GetEnumerator() => readings.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
