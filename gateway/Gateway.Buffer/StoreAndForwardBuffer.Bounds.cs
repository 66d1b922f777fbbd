using System.Text.Json;

using Gateway.Buffer.Storage;

using Microsoft.Extensions.Logging;

namespace Gateway.Buffer;

public sealed partial class StoreAndForwardBuffer
{
    internal const string CountersFileName = "counters.json";

    private readonly HashSet<(string Path, long Offset)> _damageSeen = [];
    private long _bytesOnDisk = -1;
    private bool _dropEpisode;
    private long _droppedInEpisode;
    private bool _countersDirty;
    private bool _countersWriteFailed;

    /// <summary>Damaged records found and skipped since the buffer was opened.</summary>
    public long Corrupt
    {
        get
        {
            lock (_damageSeen)
            {
                return _damageSeen.Count;
            }
        }
    }

    /// <summary>Undelivered readings the bounds dropped, summed over the sinks' cursors (kept across restarts in counters.json). Readable after disposal.</summary>
    public long DroppedTotal
    {
        get
        {
            lock (_sinks)
            {
                return _sinks.Values.Sum(c => Interlocked.Read(ref c.Dropped));
            }
        }
    }

    public long BytesOnDisk => Interlocked.Read(ref _bytesOnDisk) < 0 ? _segments.Sum(s => s.CommittedLength) : Interlocked.Read(ref _bytesOnDisk);

    /// <summary>Per sink: pending readings, the oldest pending reading's age, dropped; and totals.</summary>
    public BufferStatistics GetStatistics()
    {
        var segments = _segments;
        var last = CommittedSequence;
        var now = _time.GetUtcNow().UtcDateTime;
        List<SinkCursor> cursors;
        lock (_sinks)
        {
            cursors = [.. _sinks.Values.OrderBy(c => c.Name, StringComparer.Ordinal)];
        }

        var sinks = cursors.Select(c =>
        {
            var acknowledged = c.File.Acknowledged;
            var oldest = last > acknowledged ? c.OldestPending.Find(segments, acknowledged)?.GatewayTimestamp : null;
            return new SinkBufferStatistics(
                c.Name,
                c.Configured,
                acknowledged,
                Math.Max(0, last - acknowledged),
                oldest,
                oldest is { } t ? now - t : null,
                Interlocked.Read(ref c.Dropped));
        }).ToList();
        var refused = Refused.ToDictionary(r => RefusalLabel(r.Key), r => r.Value, StringComparer.Ordinal);
        return new BufferStatistics(_options.Directory, BytesOnDisk, segments.Length, last, last, Corrupt, sinks, refused, IngestProblem);
    }

    private void AddCorrupt(DamageReport report)
    {
        bool isNew;
        lock (_damageSeen)
        {
            isNew = _damageSeen.Add((Path.GetFileName(report.Path), report.Offset));
        }

        if (isNew)
        {
            _logger.LogWarning("buffer: damaged record skipped in {Path} at byte {Offset}: {Reason}", report.Path, report.Offset, report.Reason);
        }
    }

    private void AddCorrupt(IEnumerable<DamageReport> reports)
    {
        lock (_damageSeen)
        {
            foreach (var report in reports)
            {
                _damageSeen.Add((Path.GetFileName(report.Path), report.Offset));
            }
        }
    }

    private void AddBytes(long delta)
    {
        if (Interlocked.Read(ref _bytesOnDisk) < 0)
        {
            Interlocked.Exchange(ref _bytesOnDisk, _segments.Sum(s => s.CommittedLength));
        }

        Interlocked.Add(ref _bytesOnDisk, delta);
    }

    /// <summary>In the commit loop: deletes what every cursor passed, applies the size and age bounds, fsyncs cursors.</summary>
    private void RunMaintenance()
    {
        try
        {
            DeleteDeliveredSegments();
            ApplyBounds();
            CheckDiskFullEpisode();
            lock (_sinks)
            {
                foreach (var cursor in _sinks.Values)
                {
                    cursor.File.Flush();
                }
            }

            if (_countersDirty)
            {
                WriteCounters();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogError(e, "buffer: maintenance of {Directory} failed; retrying shortly", _options.Directory);
        }
    }

    private long MinimumAcknowledged()
    {
        lock (_sinks)
        {
            return _sinks.Count == 0 ? long.MinValue : _sinks.Values.Min(c => c.File.Acknowledged);
        }
    }

    private void DeleteDeliveredSegments()
    {
        var minimum = MinimumAcknowledged();
        while (true)
        {
            var segments = _segments;
            // A sealed segment is fully delivered when every cursor reached the sequence before the next segment.
            if (segments.Length < 2 || !segments[0].Sealed || segments[1].FirstSequence - 1 > minimum)
            {
                return;
            }

            RemoveOldest(segments[0], "delivered to every sink");
        }
    }

    private void ApplyBounds()
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var dropped = false;
        while (true)
        {
            var segments = _segments;
            if (segments.Length == 0)
            {
                break;
            }

            var oldest = segments[0];
            var tooOld = now - oldest.LastWriteUtc > _options.MaxAge;
            var tooBig = BytesOnDisk > _options.MaxSizeBytes && _options.WhenFull == BufferOverflowPolicy.DropOldest;
            if (!tooOld && !tooBig)
            {
                break;
            }

            if (!oldest.Sealed || segments.Length < 2)
            {
                // Only the active segment is left: roll it so that it can go next time.
                if (oldest == _active && oldest.CommittedLength > SegmentFile.HeaderSize)
                {
                    lock (_appendLock)
                    {
                        _startNewSegment = true;
                    }
                }

                break;
            }

            DropSegment(oldest, segments[1].FirstSequence - 1, tooOld ? $"older than buffer.maxAgeHours ({_options.MaxAge.TotalHours} h)" : $"buffer over buffer.maxSizeMb ({Size(_options.MaxSizeBytes)})");
            dropped = true;
        }

        // Below half of what the buffer can hold: the bound, or the disk when that is smaller (drops for a full disk).
        if (!dropped && _dropEpisode && BytesOnDisk < Math.Min(_options.MaxSizeBytes, Interlocked.Read(ref _capacityBytes)) / 2)
        {
            _logger.LogWarning("buffer: overflow episode over; {Count} undelivered readings were dropped in it", _droppedInEpisode);
            _dropEpisode = false;
            _droppedInEpisode = 0;
        }
    }

    /// <summary>
    /// Frees space when the disk is full: drops the oldest sealed segment if the policy allows. False when there is none
    /// (refuseNew, or only the active segment and those this commit is writing): the commit then fails and its readings
    /// are refused; the failure rolls the active segment, so with dropOldest the next full disk finds it sealed.
    /// </summary>
    private bool MakeRoomAfterDiskFull(IOException error)
    {
        var segments = _segments;
        if (_options.WhenFull != BufferOverflowPolicy.DropOldest || segments.Length == 0 || !segments[0].Sealed)
        {
            return false;
        }

        // The last sealed segment ends at the last committed reading: nothing newer is on disk.
        var lastSequence = segments.Length > 1 ? segments[1].FirstSequence - 1 : CommittedSequence;
        DropSegment(segments[0], lastSequence, $"the disk is full ({error.Message})");
        return true;
    }

    /// <summary>Drops a segment that sinks may not have received: counts it per sink and logs once per episode.</summary>
    private void DropSegment(SegmentInfo segment, long lastSequence, string reason)
    {
        var total = 0L;
        lock (_sinks)
        {
            foreach (var cursor in _sinks.Values)
            {
                lock (cursor)
                {
                    var acknowledged = cursor.File.Acknowledged;
                    if (acknowledged < lastSequence)
                    {
                        var lost = lastSequence - Math.Max(acknowledged, segment.FirstSequence - 1);
                        Interlocked.Add(ref cursor.Dropped, lost);
                        total = Math.Max(total, lost);
                        cursor.File.Write(lastSequence);
                    }
                }
            }
        }

        _countersDirty = true;
        _droppedInEpisode += total;
        if (!_dropEpisode && total > 0)
        {
            _dropEpisode = true;
            _logger.LogWarning(
                "buffer: dropping the oldest undelivered readings: {Reason}. Sinks are not keeping up; further drops in this episode are counted (buffer stats) but not logged",
                reason);
        }

        RemoveOldest(segment, reason);
    }

    private void RemoveOldest(SegmentInfo segment, string reason)
    {
        lock (_segmentsLock)
        {
            _segments = [.. _segments.Where(s => s != segment)];
        }

        AddBytes(-segment.CommittedLength);
        try
        {
            File.Delete(segment.Path);
        }
        catch (IOException e)
        {
            _logger.LogError(e, "buffer: could not delete segment {Path} ({Reason})", segment.Path, reason);
        }

        _logger.LogDebug("buffer: segment {Path} deleted: {Reason}", segment.Path, reason);
    }

    private void LoadCounters()
    {
        var counters = BufferInspector.ReadCounters(_options.Directory);
        foreach (var (sink, dropped) in counters.Dropped)
        {
            if (_sinks.TryGetValue(sink, out var cursor))
            {
                cursor.Dropped = dropped;
            }
        }
    }

    private void WriteCounters()
    {
        try
        {
            Dictionary<string, long> dropped;
            lock (_sinks)
            {
                dropped = _sinks.Values.ToDictionary(c => c.Name, c => Interlocked.Read(ref c.Dropped), StringComparer.Ordinal);
            }

            var path = Path.Combine(_options.Directory, CountersFileName);
            File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(new BufferCounters(dropped)));
            File.Move(path + ".tmp", path, overwrite: true);
            _countersDirty = false;
            _countersWriteFailed = false;
        }
        catch (IOException e)
        {
            // Retried at each maintenance (a full disk fails it every time): said once until it works again.
            TryDelete(Path.Combine(_options.Directory, CountersFileName + ".tmp"));
            if (!_countersWriteFailed)
            {
                _countersWriteFailed = true;
                _logger.LogWarning(e, "buffer: could not write the drop counters; retrying");
            }
        }
    }
}

/// <summary>Counters that survive restarts (counters.json in the buffer directory).</summary>
internal sealed record BufferCounters(Dictionary<string, long> Dropped);
