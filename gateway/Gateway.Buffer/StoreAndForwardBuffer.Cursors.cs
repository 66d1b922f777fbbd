using Gateway.Buffer.Storage;
using Gateway.Core;

using Microsoft.Extensions.Logging;

namespace Gateway.Buffer;

public sealed partial class StoreAndForwardBuffer
{
    /// <summary>The sinks that have a cursor, configured or not (a removed sink's cursor is kept for a while).</summary>
    public IReadOnlyList<string> CursorNames
    {
        get
        {
            lock (_sinks)
            {
                return [.. _sinks.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>
    /// The next readings for <paramref name="sink"/>, in sequence order, after the last ones this method handed
    /// out (after the durable cursor on the first call and after <see cref="Rewind"/>). Waits, without polling,
    /// until at least one committed reading is there.
    /// </summary>
    public async ValueTask<ReadingBatch> ReadBatchAsync(string sink, int maxCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        var cursor = GetCursor(sink);
        await cursor.ReadLock.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                ObjectDisposedException.ThrowIf(_disposed != 0, this);
                var committed = Volatile.Read(ref _dataCommitted).Task;
                var batch = ReadLanes(cursor, maxCount);
                if (batch.Count > 0)
                {
                    return batch;
                }

                await committed.WaitAsync(cancellationToken);
            }
        }
        finally
        {
            cursor.ReadLock.Release();
        }
    }

    /// <summary>
    /// Moves the sink's durable cursor: every reading up to <paramref name="upToSequence"/> was delivered.
    /// Segments every cursor has passed are deleted by the commit loop soon after.
    /// </summary>
    public ValueTask AcknowledgeAsync(string sink, long upToSequence, CancellationToken cancellationToken = default)
    {
        var cursor = GetCursor(sink);
        var target = Math.Min(upToSequence, CommittedSequence);
        lock (cursor)
        {
            if (target > cursor.File.Acknowledged)
            {
                cursor.File.Write(target);
            }
        }

        // No wake-up: the commit loop's maintenance (segment deletion, cursor fsync) comes within MaintenanceInterval,
        // however many batches were acknowledged in it.
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Whether <paramref name="sink"/> keeps a replayed backlog apart from fresh readings (<see cref="ISink.ReplaysBacklog"/>).
    /// On: while its live lane runs, fresh readings of every tag go out at once, also of tags that have a backlog, and
    /// the backlog read meanwhile is marked <see cref="ReadingBatch.ReplayedCount"/>; each of the two streams stays in
    /// sequence order. Off (the default): a tag with a backlog gets no fresh reading until its backlog is out.
    /// </summary>
    public void ReplayBacklog(string sink, bool replay)
    {
        var cursor = GetCursor(sink);
        cursor.ReadLock.Wait();
        try
        {
            cursor.ReplaysBacklog = replay;
        }
        finally
        {
            cursor.ReadLock.Release();
        }
    }

    /// <summary>Makes the next <see cref="ReadBatchAsync"/> start again after the durable cursor (e.g. when a delivery loop restarts).</summary>
    public void Rewind(string sink)
    {
        var cursor = GetCursor(sink);
        cursor.ReadLock.Wait();
        try
        {
            cursor.Reposition(cursor.File.Acknowledged);
        }
        finally
        {
            cursor.ReadLock.Release();
        }
    }

    /// <summary>Removes the cursor of a sink that is no longer configured, so it stops holding readings.</summary>
    public bool RemoveCursor(string sink)
    {
        SinkCursor? cursor;
        lock (_sinks)
        {
            if (!_sinks.Remove(sink, out cursor))
            {
                return false;
            }
        }

        cursor.Dispose();
        TryDelete(cursor.File.Path);
        _logger.LogInformation("buffer: cursor of sink {Sink} removed", sink);
        return true;
    }

    private SinkCursor GetCursor(string sink)
    {
        lock (_sinks)
        {
            return _sinks.TryGetValue(sink, out var cursor)
                ? cursor
                : throw new ArgumentException($"buffer: there is no cursor for sink '{sink}'. Cursors exist for: {string.Join(", ", _sinks.Keys)}.", nameof(sink));
        }
    }

    private void OpenCursors(IEnumerable<string> sinkNames)
    {
        var oldest = _segments.Length > 0 ? _segments[0].FirstSequence - 1 : CommittedSequence;
        var configured = new HashSet<string>(sinkNames, StringComparer.Ordinal);
        foreach (var name in configured)
        {
            if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains("..", StringComparison.Ordinal))
            {
                throw new ArgumentException($"buffer: sink name '{name}' cannot name a cursor file; use letters, digits, '.', '_' and '-'.", nameof(sinkNames));
            }

            var path = CursorFile.PathFor(_cursorDirectory, name);
            var isNew = !File.Exists(path);
            var cursor = new SinkCursor(name, CursorFile.OpenOrCreate(path, oldest), configured: true);
            if (isNew)
            {
                _logger.LogInformation("buffer: new sink {Sink} starts at the oldest buffered reading (after sequence {Sequence})", name, oldest);
            }

            _sinks.Add(name, cursor);
        }

        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var path in Directory.EnumerateFiles(_cursorDirectory, "*" + CursorFile.Extension))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (configured.Contains(name))
            {
                continue;
            }

            if (now - File.GetLastWriteTimeUtc(path) > _options.OrphanCursorRetention)
            {
                _logger.LogInformation("buffer: cursor of sink {Sink}, no longer configured, removed after {Retention}", name, _options.OrphanCursorRetention);
                TryDelete(path);
                continue;
            }

            _logger.LogInformation("buffer: sink {Sink} is no longer configured; its cursor is kept (holding its readings) for {Retention}", name, _options.OrphanCursorRetention);
            _sinks.Add(name, new SinkCursor(name, CursorFile.OpenOrCreate(path, oldest), configured: false));
        }

        LoadCounters();
    }

    private ReadingBatch ReadLanes(SinkCursor cursor, int maxCount)
    {
        MaybeOpenLiveLane(cursor);
        var live = cursor.Live is null ? [] : ReadLive(cursor, Math.Max(1, maxCount / 4));
        var backlog = ReadCommitted(cursor, maxCount - live.Count);
        var acknowledgeUpTo = cursor.ReadSequence;
        var replayed = cursor.Live is not null && cursor.ReplaysBacklog ? backlog.Count : 0;
        cursor.HandedOut.RemoveAll(r => r.End <= cursor.ReadSequence);
        if (cursor.Live is { } lane && cursor.ReadSequence >= lane.ReadSequence)
        {
            // The backlog caught up with the live lane: one lane again.
            lane.CloseScanner();
            cursor.Live = null;
        }

        if (live.Count == 0)
        {
            return new ReadingBatch(backlog, acknowledgeUpTo, 0, replayed);
        }

        backlog.AddRange(live);
        return new ReadingBatch(backlog, acknowledgeUpTo, live.Count, replayed);
    }

    /// <summary>Reads what is committed after the cursor's read position, across segments, up to <paramref name="maxCount"/>.</summary>
    private List<Reading> ReadCommitted(SinkCursor cursor, int maxCount)
    {
        var batch = new List<Reading>(Math.Min(maxCount, 4096));
        var acknowledged = cursor.File.Acknowledged;
        if (cursor.ReadSequence < acknowledged)
        {
            cursor.Reposition(acknowledged); // readings were dropped under it by the size or age bound
        }

        while (batch.Count < maxCount)
        {
            var segments = _segments;
            if (segments.Length == 0)
            {
                break;
            }

            var index = cursor.Scanner is null ? -1 : Array.FindIndex(segments, s => s.FirstSequence == cursor.Scanner.FirstSequence);
            if (index < 0)
            {
                cursor.CloseScanner();
                index = Math.Max(0, Array.FindLastIndex(segments, s => s.FirstSequence <= cursor.ReadSequence + 1));
                try
                {
                    cursor.Scanner = new SegmentScanner(segments[index].Path, AddCorrupt);
                }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
                {
                    if (File.Exists(segments[index].Path))
                    {
                        AddCorrupt(new DamageReport(segments[index].Path, 0, e.Message));
                    }

                    // Deleted or unreadable: continue after it.
                    if (index + 1 < segments.Length)
                    {
                        cursor.ReadSequence = Math.Max(cursor.ReadSequence, segments[index + 1].FirstSequence - 1);
                        continue;
                    }

                    break;
                }
            }

            var segment = segments[index];
            var isSealed = segment.Sealed;
            var limit = segment.CommittedLength;
            while (batch.Count < maxCount && cursor.Scanner!.TryNext(limit, isSealed, cursor.ReadSequence, out var reading))
            {
                cursor.ReadSequence = reading!.Sequence;
                if (!TakenByLiveLane(cursor, reading))
                {
                    batch.Add(reading);
                }
            }

            if (batch.Count >= maxCount || !isSealed || index + 1 >= segments.Length)
            {
                break;
            }

            cursor.CloseScanner();
            cursor.Scanner = OpenScannerOrNull(segments[index + 1], cursor);
            if (cursor.Scanner is null)
            {
                break;
            }
        }

        return batch;
    }

    private SegmentScanner? OpenScannerOrNull(SegmentInfo segment, SinkCursor cursor)
    {
        try
        {
            return new SegmentScanner(segment.Path, AddCorrupt);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            // Dropped meanwhile: the next read repositions after the cursor.
            cursor.ReadSequence = Math.Max(cursor.ReadSequence, segment.FirstSequence);
            return null;
        }
    }

    /// <summary>A sink's cursor: the durable acknowledged sequence, and the in-memory read position ahead of it.</summary>
    private sealed class SinkCursor(string name, CursorFile file, bool configured) : IDisposable
    {
        public string Name { get; } = name;

        public CursorFile File { get; } = file;

        public bool Configured { get; } = configured;

        public SemaphoreSlim ReadLock { get; } = new(1, 1);

        public long ReadSequence { get; set; } = file.Acknowledged;

        public SegmentScanner? Scanner { get; set; }

        public long Dropped;

        public LiveLane? Live { get; set; }

        /// <summary>The sink keeps a replayed backlog apart: its live lane blocks no tag (<see cref="ReplayBacklog"/>).</summary>
        public bool ReplaysBacklog { get; set; }

        /// <summary>With replay: sequence ranges earlier live lanes handed out, ahead of the backlog lane (it skips them).</summary>
        public List<(long Start, long End)> HandedOut { get; } = [];

        /// <summary>Finds the oldest pending reading for the statistics (its own scanner, apart from the delivery's).</summary>
        public OldestPendingProbe OldestPending { get; } = new();

        public void Reposition(long afterSequence)
        {
            ReadSequence = afterSequence;
            CloseScanner();
            Live?.CloseScanner();
            Live = null;
            HandedOut.Clear();
        }

        public void CloseScanner()
        {
            Scanner?.Dispose();
            Scanner = null;
        }

        public void Dispose()
        {
            CloseScanner();
            Live?.CloseScanner();
            OldestPending.Dispose();
            File.Dispose();
        }
    }
}
