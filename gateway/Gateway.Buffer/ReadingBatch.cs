using System.Collections;

using Gateway.Core;

namespace Gateway.Buffer;

/// <summary>
/// A batch for one sink: the backlog readings in sequence order, then (while a backlog drains) fresh readings from
/// the live lane. Acknowledge <see cref="AcknowledgeUpTo"/> once the sink took the batch; it is the backlog
/// position, which is below the live readings' sequence numbers while the live lane runs ahead.
/// </summary>
public sealed class ReadingBatch(IReadOnlyList<Reading> readings, long acknowledgeUpTo, int liveCount) : IReadOnlyList<Reading>
{
    public long AcknowledgeUpTo { get; } = acknowledgeUpTo;

    /// <summary>How many readings at the end of the batch came from the live lane.</summary>
    public int LiveCount { get; } = liveCount;

    public int Count => readings.Count;

    public Reading this[int index] => readings[index];

    public IEnumerator<Reading> GetEnumerator() => readings.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
