using Gateway.Core;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;
using Microsoft.Extensions.Logging;

namespace Gateway.Connectors.OpcUa.Backfill;

/// <summary>
/// Fills the gap of a `backfill: true` group after a (re)connect: for each tag that has a high-water mark and whose
/// node keeps history (AccessLevel bit 2, HistoryRead; Part 3, 5.6.2), the raw values after the mark up to now, at most
/// `maxGapMinutes` back, read with HistoryRead (<see cref="HistoryReading"/>) and written as readings marked
/// <see cref="Reading.Backfilled"/>, oldest first, before the group's live values flow.
/// </summary>
internal sealed class HistoryBackfill(string source, HighWaterMarks marks, ILogger logger, TimeProvider time)
{
    private const byte HistoryReadBit = 0x04;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _toldNoHistory = new(StringComparer.Ordinal);

    /// <summary>Readings written (0 when there was no gap to fill).</summary>
    public async Task<int> RunAsync(
        OpcUaClient client,
        PlannedGroup group,
        IReadOnlyList<(OpcUaTag Tag, NodeId Node)> items,
        Action<List<Reading>, OpcUaTag, DataValue, DateTime> addReadings,
        IReadingWriter output,
        CancellationToken cancellationToken)
    {
        var candidates = items.Where(i => marks.Of(i.Tag.Machine, i.Tag.Tag) is not null).ToList();
        if (candidates.Count == 0)
        {
            return 0; // nothing sent before: no gap is known yet
        }

        var access = await client.ReadAsync(candidates.Select(c => new ReadValueId(c.Node, Attributes.AccessLevel)).ToList(), TimestampsToReturn.Neither, cancellationToken);
        var historized = new List<(OpcUaTag Tag, NodeId Node, DateTime Mark)>();
        for (var i = 0; i < candidates.Count; i++)
        {
            if (i < access.Length && access[i].Value.Value is byte level && (level & HistoryReadBit) != 0)
            {
                historized.Add((candidates[i].Tag, candidates[i].Node, marks.Of(candidates[i].Tag.Machine, candidates[i].Tag.Tag)!.Value));
            }
            else if (_toldNoHistory.TryAdd(candidates[i].Tag.Machine + "/" + candidates[i].Tag.Tag, true))
            {
                logger.LogInformation("Source {Source}: tag {Machine}/{Tag} is not backfilled: the server keeps no history of {Node} (its AccessLevel has no HistoryRead bit)", source, candidates[i].Tag.Machine, candidates[i].Tag.Tag, candidates[i].Node);
            }
        }

        if (historized.Count == 0)
        {
            return 0;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var earliest = now - TimeSpan.FromMinutes(group.Config.MaxGapMinutes);
        var oldestMark = historized.Min(h => h.Mark);
        if (oldestMark < earliest)
        {
            logger.LogWarning(
                "Source {Source}: group {Machine}/{Group}: the gap since {Mark:yyyy-MM-dd HH:mm:ss}Z is longer than maxGapMinutes ({Max}); values before {Earliest:yyyy-MM-dd HH:mm:ss}Z are not backfilled",
                source, group.Machine, group.Name, oldestMark, group.Config.MaxGapMinutes, earliest);
        }

        var start = oldestMark < earliest ? earliest : oldestMark;
        if (start >= now)
        {
            return 0;
        }

        var histories = await client.ReadRawHistoryAsync(historized.Select(h => h.Node).ToList(), start, now, 1000, cancellationToken);
        var received = time.GetUtcNow().UtcDateTime;
        var readings = new List<Reading>();
        for (var i = 0; i < historized.Count && i < histories.Count; i++)
        {
            var (tag, _, mark) = historized[i];
            if (histories[i].Status.IsBad)
            {
                logger.LogWarning("Source {Source}: tag {Machine}/{Tag}: HistoryRead answered {Status}; its gap is not backfilled", source, tag.Machine, tag.Tag, histories[i].Status);
                continue;
            }

            // After the mark only: the value at the mark was sent already (live or by an earlier backfill).
            // Through the same conversion as live values, so a structured tag's history is decoded (or flattened) too.
            var converted = new List<Reading>();
            foreach (var value in histories[i].Values.Where(v => TimestampOf(v) > mark && TimestampOf(v) <= now).OrderBy(TimestampOf))
            {
                addReadings(converted, tag, value, received);
            }

            readings.AddRange(converted.Select(r => r with { Backfilled = true }));
        }

        if (readings.Count == 0)
        {
            return 0;
        }

        readings.Sort((a, b) => a.SourceTimestamp.CompareTo(b.SourceTimestamp));
        foreach (var batch in readings.Chunk(1000))
        {
            await output.WriteAsync(batch, cancellationToken);
            foreach (var reading in batch)
            {
                marks.Advance(reading.Machine, reading.Tag, reading.SourceTimestamp);
            }
        }

        marks.Save();
        logger.LogInformation(
            "Source {Source}: group {Machine}/{Group}: backfilled {Count} value(s) of {Tags} tag(s) from history, {First:HH:mm:ss.fff}Z to {Last:HH:mm:ss.fff}Z",
            source, group.Machine, group.Name, readings.Count, readings.Select(r => r.Tag).Distinct().Count(), readings[0].SourceTimestamp, readings[^1].SourceTimestamp);
        return readings.Count;
    }

    private static DateTime TimestampOf(DataValue value) => value.SourceTimestamp != default ? value.SourceTimestamp : value.ServerTimestamp;
}
