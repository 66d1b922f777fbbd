using Gateway.Buffer.Storage;
using Gateway.Core;

namespace Gateway.Buffer;

/// <summary>
/// The live lane: while a sink drains a large backlog, fresh readings still reach it within a commit or two.
/// Per-tag order rule: when the lane opens at sequence S, every tag that has a reading in the backlog (between the
/// sink's read position and S) is blocked from the lane. The lane reads from S onwards and takes only readings of
/// unblocked tags; the backlog lane reads on from the cursor and, past S, skips what the live lane already handed
/// out. A blocked tag's fresh readings therefore come after its whole backlog, and an unblocked tag has no backlog
/// to overtake: every tag's readings arrive in sequence order. When the backlog lane reaches the live lane, the
/// lanes merge. The blocked set is the union of the series of the backlog's segments (a superset, which is safe).
/// A sink that keeps a replayed backlog apart (<see cref="ReplayBacklog"/>, e.g. the MQTT sink's `replayTopic`) blocks
/// no tag: every fresh reading takes the live lane, and what the backlog lane reads meanwhile is marked replayed
/// (<see cref="ReadingBatch.ReplayedCount"/>). Each lane reads in sequence order, so per tag each stream stays in order.
/// </summary>
public sealed partial class StoreAndForwardBuffer
{
    /// <summary>The backlog (in readings) at which a sink's live lane opens; 0 turns the live lane off.</summary>
    public long LiveLaneBacklog { get; set; } = 20_000;

    private void MaybeOpenLiveLane(SinkCursor cursor)
    {
        var head = CommittedSequence;
        if (cursor.ReplaysBacklog && cursor.Live is { } behind && LiveLaneBacklog > 0 && head - behind.ReadSequence >= LiveLaneBacklog)
        {
            // Replay: a lane that fell a backlog behind (opened before an outage, or outpaced) is no longer live. It
            // starts again at the head; what it handed out stays skipped by the backlog lane.
            cursor.HandedOut.Add((behind.Start, behind.ReadSequence));
            behind.CloseScanner();
            cursor.Live = null;
        }

        if (cursor.Live is not null || LiveLaneBacklog <= 0 || head - cursor.ReadSequence < LiveLaneBacklog)
        {
            return;
        }

        var blocked = new HashSet<TagKey>();
        foreach (var segment in cursor.ReplaysBacklog ? Array.Empty<SegmentInfo>() : _segments)
        {
            var next = Array.IndexOf(_segments, segment) + 1;
            var segmentEnd = next < _segments.Length ? _segments[next].FirstSequence - 1 : head;
            if (segmentEnd > cursor.ReadSequence)
            {
                segment.CollectTags(blocked);
            }
        }

        cursor.Live = new LiveLane(head + 1, blocked);
    }

    /// <summary>Fresh readings of unblocked tags, from the lane's position up to what is committed.</summary>
    private List<Reading> ReadLive(SinkCursor cursor, int maxCount)
    {
        var lane = cursor.Live!;
        var batch = new List<Reading>();
        var segments = _segments;
        while (batch.Count < maxCount)
        {
            if (lane.Scanner is null)
            {
                var index = Array.FindLastIndex(segments, s => s.FirstSequence <= lane.ReadSequence + 1);
                if (index < 0)
                {
                    break;
                }

                try
                {
                    lane.Scanner = new SegmentScanner(segments[index].Path, null);
                }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
                {
                    break;
                }
            }

            var segmentIndex = Array.FindIndex(segments, s => s.FirstSequence == lane.Scanner.FirstSequence);
            if (segmentIndex < 0)
            {
                lane.CloseScanner();
                break;
            }

            var segment = segments[segmentIndex];
            var isSealed = segment.Sealed;
            while (batch.Count < maxCount && lane.Scanner.TryNext(segment.CommittedLength, isSealed, lane.ReadSequence, out var reading))
            {
                lane.ReadSequence = reading!.Sequence;
                if (!lane.Blocked.Contains(TagKey.Of(reading)))
                {
                    batch.Add(reading);
                }
            }

            if (batch.Count >= maxCount || !isSealed || segmentIndex + 1 >= segments.Length)
            {
                break;
            }

            lane.CloseScanner();
            lane.ReadSequence = Math.Max(lane.ReadSequence, segments[segmentIndex + 1].FirstSequence - 1);
        }

        return batch;
    }

    /// <summary>The backlog lane skips readings the live lane (or, with replay, an earlier live lane) already handed out.</summary>
    private static bool TakenByLiveLane(SinkCursor cursor, Reading reading) =>
        (cursor.Live is { } lane
            && reading.Sequence >= lane.Start
            && reading.Sequence <= lane.ReadSequence
            && !lane.Blocked.Contains(TagKey.Of(reading)))
        || (cursor.HandedOut.Count > 0 && HandedOutEarlier(cursor.HandedOut, reading.Sequence));

    private static bool HandedOutEarlier(List<(long Start, long End)> ranges, long sequence)
    {
        foreach (var (start, end) in ranges)
        {
            if (sequence >= start && sequence <= end)
            {
                return true;
            }
        }

        return false;
    }

    internal readonly record struct TagKey(string Source, string Machine, string Tag)
    {
        public static TagKey Of(Reading reading) => new(reading.Source, reading.Machine, reading.Tag);
    }

    private sealed class LiveLane(long start, HashSet<TagKey> blocked)
    {
        public long Start { get; } = start;

        public HashSet<TagKey> Blocked { get; } = blocked;

        /// <summary>The last sequence the lane looked at (taken or not).</summary>
        public long ReadSequence { get; set; } = start - 1;

        public SegmentScanner? Scanner { get; set; }

        public void CloseScanner()
        {
            Scanner?.Dispose();
            Scanner = null;
        }
    }
}
