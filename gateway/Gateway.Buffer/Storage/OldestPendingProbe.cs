using Gateway.Core;

namespace Gateway.Buffer.Storage;

/// <summary>
/// Finds a sink's oldest pending reading for the statistics (/metrics, /status, the health points) without reading its
/// segment from the start on every call: a segment can hold 64 MiB, and a scrape every second used to check every
/// record's CRC up to the cursor. A cursor only moves forward, so the probe keeps its scanner and its place and reads
/// each record once. Thread-safe.
/// </summary>
internal sealed class OldestPendingProbe : IDisposable
{
    private readonly object _lock = new();
    private SegmentScanner? _scanner;
    private long _afterSequence = -1;
    private Reading? _found;

    /// <summary>The first readable reading after <paramref name="afterSequence"/> in <paramref name="segments"/>, or null.</summary>
    public Reading? Find(IReadOnlyList<SegmentInfo> segments, long afterSequence)
    {
        lock (_lock)
        {
            if (afterSequence < _afterSequence)
            {
                Reset(); // moved back (a rewind): start again
            }

            _afterSequence = afterSequence;
            if (_found is not null && _found.Sequence > afterSequence)
            {
                return _found; // still pending: nothing readable lies between the cursor and it
            }

            _found = null;
            var start = StartSegment(segments, afterSequence);
            if (start < 0)
            {
                Reset();
                return null;
            }

            var index = _scanner is null ? -1 : IndexOf(segments, _scanner.Path);
            if (index < start)
            {
                Reset(); // the scanner is behind the cursor's segment, or its segment is gone
                index = start;
            }

            for (; index < segments.Count; index++)
            {
                var segment = segments[index];
                try
                {
                    // One record per question: a stalled sink's long backlog must not grow the window to 1 MiB.
                    _scanner ??= new SegmentScanner(segment.Path, null, SegmentScanner.InitialWindowSize);
                    var isSealed = segment.Sealed;
                    var limit = Math.Min(segment.CommittedLength, _scanner.FileLength);
                    if (_scanner.TryNext(limit, isSealed, afterSequence, out var reading))
                    {
                        _found = reading;
                        return reading;
                    }

                    if (!isSealed)
                    {
                        // The active segment, or one a commit in progress rolled away from (sealed when the commit is
                        // durable): keep the place, more will be committed there.
                        return null;
                    }
                }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
                {
                    // deleted meanwhile or unreadable: look further
                }

                Reset();
            }

            return null;
        }
    }

    /// <summary>The scanner's read window now, null without one (tests).</summary>
    internal int? WindowLength
    {
        get
        {
            lock (_lock)
            {
                return _scanner?.WindowLength;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            Reset();
        }
    }

    private static int StartSegment(IReadOnlyList<SegmentInfo> segments, long afterSequence)
    {
        if (segments.Count == 0)
        {
            return -1;
        }

        var start = 0;
        for (var i = 0; i < segments.Count; i++)
        {
            if (segments[i].FirstSequence <= afterSequence + 1)
            {
                start = i;
            }
        }

        return start;
    }

    private static int IndexOf(IReadOnlyList<SegmentInfo> segments, string path)
    {
        for (var i = 0; i < segments.Count; i++)
        {
            if (string.Equals(segments[i].Path, path, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private void Reset()
    {
        _scanner?.Dispose();
        _scanner = null;
        _found = null;
    }
}
