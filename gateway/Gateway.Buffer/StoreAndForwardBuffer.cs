using Gateway.Buffer.Storage;
using Gateway.Core;

using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Gateway.Buffer;

/// <summary>
/// The durable store-and-forward buffer: an append-only log of segment files with a CRC32C per record,
/// group commit, and one durable cursor per sink. Readings are appended (and acknowledged to the caller)
/// only once fsynced; each sink reads through its own cursor; a segment is deleted when every cursor has
/// passed it, or dropped by the size and age bounds. See docs/architecture.md, "Buffer".
/// </summary>
public sealed partial class StoreAndForwardBuffer : IReadingWriter, IAsyncDisposable
{
    private const string CursorDirectoryName = "cursors";
    private const string LockFileName = "buffer.lock";
    // Maintenance (segment deletion, bounds, cursor fsync) runs once a second, whether readings flow or not: the loop's
    // own timer, so an acknowledgement never wakes it. A cursor fsynced a second late costs at most a second of readings
    // delivered again after a power cut (a kill keeps the written cursor); a segment is deleted a second later; the size
    // bound may be passed by one second of readings, and the age bound counts in hours.
    private static readonly TimeSpan MaintenanceInterval = TimeSpan.FromSeconds(1);

    private readonly BufferOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _cursorDirectory;
    private readonly FileStream _lockFile;
    private readonly ReadingEncoder _encoder = new();
    private readonly Lock _appendLock = new();
    private readonly Lock _segmentsLock = new();
    // The commit loop's wake-up: released only when _wakePending goes from 0 to 1, so many appenders cost one wake-up.
    private readonly SemaphoreSlim _wake = new(0);
    private int _wakePending;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, SinkCursor> _sinks = new(StringComparer.Ordinal);
    private readonly Stack<ByteBuffer> _freeBuffers = new();
    private readonly Task _commitLoop;

    // Guarded by _appendLock: what appenders encoded since the last commit.
    private List<PendingChunk> _pending = [];
    private TaskCompletionSource _pendingCommit = NewCompletion();
    private long _nextSequence;
    private long _encodedSegmentBytes;
    private bool _startNewSegment = true;
    private long _segmentSize = BufferOptions.MinimumSegmentSize;

    // Owned by the commit loop.
    private SafeFileHandle? _activeHandle;
    private SegmentInfo? _active;

    private volatile SegmentInfo[] _segments;
    private volatile BufferWriteException? _fault;
    // Completed with the fault when it is set, for a watcher that would otherwise poll Fault.
    private readonly TaskCompletionSource<Exception> _faulted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _committedSequence;
    private TaskCompletionSource _dataCommitted = NewCompletion();
    private int _disposed;

    private StoreAndForwardBuffer(BufferOptions options, ILogger logger, TimeProvider time, FileStream lockFile, SegmentRecovery.Result recovery, IEnumerable<string> sinkNames)
    {
        _options = options;
        _logger = logger;
        _time = time;
        _lockFile = lockFile;
        _cursorDirectory = Path.Combine(options.Directory, CursorDirectoryName);
        _segments = recovery.Segments;
        _committedSequence = recovery.LastSequence;
        _nextSequence = recovery.LastSequence + 1;
        UpdateSegmentSize();
        AddCorrupt(recovery.Damage);
        try
        {
            OpenCursors(sinkNames);
        }
        catch
        {
            foreach (var cursor in _sinks.Values)
            {
                cursor.Dispose();
            }

            lockFile.Dispose();
            throw;
        }

        // Only now: the loop's first maintenance deletes the segments every cursor has passed, and a cursor not yet open
        // would not hold its segments (the lowest of the cursors opened so far is not the lowest of all).
        _commitLoop = Task.Run(CommitLoopAsync);
    }

    public BufferOptions Options => _options;

    /// <summary>The highest sequence number that is durable on disk.</summary>
    public long CommittedSequence => Interlocked.Read(ref _committedSequence);

    /// <summary>Readings refused because they could not be encoded (each logged).</summary>
    public long RejectedReadings => RefusedOf(BufferRefusal.Unencodable);

    /// <summary>Set when a write error stopped ingest.</summary>
    public Exception? Fault => _fault;

    /// <summary>Completes with <see cref="Fault"/> once a write error stopped ingest (never otherwise).</summary>
    public Task<Exception> Faulted => _faulted.Task;

    /// <summary>
    /// Opens (or creates) the buffer in <see cref="BufferOptions.Directory"/>, recovers the tail after a crash and
    /// opens a cursor for each sink (a new sink starts at the oldest buffered reading).
    /// </summary>
    public static StoreAndForwardBuffer Open(BufferOptions options, IEnumerable<string> sinkNames, ILogger logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sinkNames);
        ArgumentNullException.ThrowIfNull(logger);
        var time = timeProvider ?? TimeProvider.System;
        var cursorDirectory = Path.Combine(options.Directory, CursorDirectoryName);
        try
        {
            Directory.CreateDirectory(cursorDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"buffer: cannot create the buffer directory '{options.Directory}': {e.Message}. Check buffer.directory and gateway.dataDirectory and their permissions.", e);
        }

        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(options.Directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"buffer: '{options.Directory}' is in use by another gateway process ({e.Message}). Stop it, or give this gateway its own data directory.", e);
        }

        var recovery = SegmentRecovery.Recover(options.Directory, logger);
        var buffer = new StoreAndForwardBuffer(options, logger, time, lockFile, recovery, sinkNames);
        logger.LogInformation(
            "buffer: opened {Directory}: {Segments} segments, {Bytes} bytes, last sequence {Sequence}",
            options.Directory, recovery.Segments.Length, recovery.Segments.Sum(s => s.CommittedLength), recovery.LastSequence);
        return buffer;
    }

    /// <summary>
    /// Appends readings and completes once they are durable (group commit: many appenders share one fsync,
    /// at most one per commit interval). Assigns each reading its gateway-wide sequence number and returns the
    /// last one. Throws <see cref="BufferFullException"/> when full and refusing new readings or when the disk is full
    /// with nothing to drop, and <see cref="BufferWriteException"/> after an I/O error stopped ingest; the readings of
    /// a call that throws are not stored and are counted in <see cref="Refused"/>.
    /// </summary>
    public ValueTask<long> AppendAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken = default) =>
        Append(readings, countBufferFull: true, cancellationToken);

    private ValueTask<long> Append(IReadOnlyList<Reading> readings, bool countBufferFull, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_fault is { } fault)
        {
            CountRefused(BufferRefusal.WriteError, readings.Count);
            throw fault;
        }

        if (_options.WhenFull == BufferOverflowPolicy.RefuseNew && BytesOnDisk >= _options.MaxSizeBytes)
        {
            if (countBufferFull)
            {
                CountRefused(BufferRefusal.BufferFull, readings.Count);
            }

            throw new BufferFullException(
                $"buffer full: {_options.Directory} holds {Size(BytesOnDisk)} of undelivered readings (the bound, buffer.maxSizeMb, is {Size(_options.MaxSizeBytes)}) and buffer.whenFull is refuseNew. New readings are refused until a sink catches up; check the sinks or raise buffer.maxSizeMb.",
                BufferRefusal.BufferFull);
        }

        if (readings.Count == 0)
        {
            return ValueTask.FromResult(CommittedSequence);
        }

        Task commit;
        long last;
        lock (_appendLock)
        {
            last = _nextSequence - 1;
            var chunk = _pending.Count > 0 ? _pending[^1] : null;
            foreach (var reading in readings)
            {
                if (chunk is null || _startNewSegment || _encodedSegmentBytes >= _segmentSize)
                {
                    var startsSegment = _startNewSegment || _encodedSegmentBytes >= _segmentSize;
                    if (startsSegment)
                    {
                        _encoder.StartSegment();
                        _encodedSegmentBytes = 0;
                        _startNewSegment = false;
                    }

                    chunk = new PendingChunk(RentBuffer(), startsSegment, _nextSequence);
                    _pending.Add(chunk);
                }

                var before = chunk.Bytes.Length;
                try
                {
                    _encoder.Encode(reading, _nextSequence, chunk.Bytes);
                }
                catch (ArgumentException e)
                {
                    chunk.Bytes.Truncate(before);
                    CountRefused(BufferRefusal.Unencodable, 1);
                    _logger.LogWarning("buffer: reading {Source}/{Machine}/{Tag} not stored: {Reason}", reading?.Source, reading?.Machine, reading?.Tag, e.Message);
                    continue;
                }

                _encodedSegmentBytes += chunk.Bytes.Length - before;
                chunk.LastSequence = _nextSequence;
                last = _nextSequence++;
            }

            commit = _pendingCommit.Task;
        }

        Wake();
        return WaitForCommitAsync(commit, last, cancellationToken);
    }

    /// <summary>
    /// The pipeline's side: like <see cref="AppendAsync"/>, but waits (back-pressure) while the buffer is at its bound
    /// with refuseNew; readings still waiting when the wait is cancelled are counted as refused. A full disk is not
    /// waited out: the call throws <see cref="BufferFullException"/>, so the source never acknowledges those readings.
    /// </summary>
    public async ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var waiting = false;
        try
        {
            while (true)
            {
                try
                {
                    await Append(readings, countBufferFull: false, cancellationToken);
                    return;
                }
                catch (BufferFullException e) when (e.Reason == BufferRefusal.BufferFull && !cancellationToken.IsCancellationRequested)
                {
                    if (!waiting)
                    {
                        waiting = true;
                        Interlocked.Increment(ref _writersWaitingForRoom);
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (waiting)
        {
            CountRefused(BufferRefusal.BufferFull, readings.Count);
            throw;
        }
        finally
        {
            if (waiting)
            {
                Interlocked.Decrement(ref _writersWaitingForRoom);
            }
        }
    }

    private static async ValueTask<long> WaitForCommitAsync(Task commit, long last, CancellationToken cancellationToken)
    {
        await commit.WaitAsync(cancellationToken);
        return last;
    }

    private ByteBuffer RentBuffer()
    {
        lock (_freeBuffers)
        {
            return _freeBuffers.TryPop(out var buffer) ? buffer : new ByteBuffer();
        }
    }

    private void ReturnBuffer(ByteBuffer buffer)
    {
        buffer.Clear();
        lock (_freeBuffers)
        {
            if (_freeBuffers.Count < 8)
            {
                _freeBuffers.Push(buffer);
            }
        }
    }

    private static TaskCompletionSource NewCompletion() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Wakes the commit loop (appended readings, an acknowledgement, disposal); cheap when it is already woken.</summary>
    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            _wake.Release();
        }
    }

    private bool HasPending
    {
        get
        {
            lock (_appendLock)
            {
                return _pending.Count > 0;
            }
        }
    }

    /// <summary>
    /// The one writer: takes what appenders encoded, writes it, fsyncs once and completes every appender in the group.
    /// It sleeps until woken or until maintenance is due: at a low rate each commit costs one wake-up, no timer. A commit
    /// that would follow the previous one sooner than the commit interval waits out the rest first (appenders meanwhile
    /// join it), so fsyncs stay bounded as before.
    /// </summary>
    private async Task CommitLoopAsync()
    {
        var lastMaintenance = long.MinValue;
        var lastCommit = long.MinValue;
        while (true)
        {
            try
            {
                var maintenanceDue = lastMaintenance == long.MinValue ? TimeSpan.Zero : MaintenanceInterval - Elapsed(lastMaintenance);
                if (maintenanceDue > TimeSpan.Zero)
                {
                    // false on timeout: maintenance is due (no exception, and the wait's timer is removed when woken)
                    await _wake.WaitAsync(maintenanceDue, _stopping.Token);
                }

                Interlocked.Exchange(ref _wakePending, 0);
                if (lastCommit != long.MinValue && HasPending)
                {
                    var tooSoon = _options.CommitInterval - Elapsed(lastCommit);
                    if (tooSoon > TimeSpan.FromMilliseconds(0.5))
                    {
                        await Task.Delay(tooSoon, _stopping.Token);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // disposing: commit what is pending, then stop
                Interlocked.Exchange(ref _wakePending, 0);
            }

            try
            {
                if (HasPending)
                {
                    lastCommit = System.Diagnostics.Stopwatch.GetTimestamp();
                    CommitPending();
                }

                if (lastMaintenance == long.MinValue || Elapsed(lastMaintenance) >= MaintenanceInterval)
                {
                    lastMaintenance = System.Diagnostics.Stopwatch.GetTimestamp();
                    RunMaintenance();
                }
            }
            catch (Exception e)
            {
                // Never let the one writer die: appenders would wait forever.
                _logger.LogError(e, "buffer: unexpected error in the commit loop; continuing");
            }

            if (_stopping.IsCancellationRequested)
            {
                lock (_appendLock)
                {
                    if (_pending.Count == 0)
                    {
                        break;
                    }
                }
            }
        }
    }

    internal static string Size(long bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024.0 * 1024):0.#} MiB" : $"{bytes / 1024.0:0.#} KiB";

    private static TimeSpan Elapsed(long startedTimestamp) => System.Diagnostics.Stopwatch.GetElapsedTime(startedTimestamp);

    private void CommitPending()
    {
        List<PendingChunk> chunks;
        TaskCompletionSource commit;
        lock (_appendLock)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            chunks = _pending;
            _pending = [];
            commit = _pendingCommit;
            _pendingCommit = NewCompletion();
        }

        // Segments this commit rolled away from: sealed (and readable to their end) only once the commit is durable,
        // and cut back to what was committed before if it fails, so a refused reading is never delivered.
        var rolled = new List<RolledSegment>();
        Exception? failure = null;
        var lastWritten = 0L;
        try
        {
            foreach (var chunk in chunks)
            {
                if (chunk.StartsSegment || _active is null)
                {
                    StartSegment(chunk.FirstSequence, rolled);
                }

                WriteRecovering(chunk.Bytes.WrittenMemory);
                lastWritten = Math.Max(lastWritten, chunk.LastSequence);
            }

            foreach (var segment in rolled)
            {
                RandomAccess.FlushToDisk(segment.Handle);
            }

            RandomAccess.FlushToDisk(_activeHandle!);
        }
        catch (BufferFullException e)
        {
            failure = e;
        }
        catch (Exception e)
        {
            // Any other error is a fault, whatever its type: a file over the size limit (EFBIG) comes as an
            // ArgumentOutOfRangeException, and an appender whose commit is never completed would wait forever.
            var fault = new BufferWriteException(
                $"buffer: writing {_active?.Path ?? _options.Directory} failed: {e.Message}. Ingest is stopped so that the store is not corrupted; what was committed before is kept and still delivered. Check the disk, then restart the gateway.",
                e);
            _fault = fault;
            _faulted.TrySetResult(fault);
            failure = fault;
            _logger.LogCritical(e, "{Message}", fault.Message);
        }

        List<PendingChunk> orphans = [];
        TaskCompletionSource? orphanCommit = null;
        if (failure is not null)
        {
            // What did not reach the disk is gone; the next append starts a fresh segment so its series table is complete.
            // Chunks encoded since this commit began may refer to series defined in the chunks that failed: they go too.
            CutBack(rolled);
            lock (_appendLock)
            {
                _startNewSegment = true;
                if (_pending.Count > 0)
                {
                    orphans = _pending;
                    orphanCommit = _pendingCommit;
                    _pending = [];
                    _pendingCommit = NewCompletion();
                }

                // Every sequence number from this commit's first chunk on belongs to a failed chunk and no reader ever
                // saw it: give them back, so that stored readings stay numbered without gaps.
                _nextSequence = chunks[0].FirstSequence;
            }

            var reason = failure is BufferFullException full ? full.Reason : BufferRefusal.WriteError;
            if (reason == BufferRefusal.DiskFull)
            {
                StartDiskFullEpisode($"the disk holding {_options.Directory} is full and nothing can be dropped (buffer.whenFull = {_options.WhenFull}, {_segments.Length} segment(s), {Size(BytesOnDisk)} buffered)");
            }

            CountRefused(reason, chunks.Sum(ReadingsIn) + orphans.Sum(ReadingsIn));
        }
        else if (_active is not null)
        {
            var now = _time.GetUtcNow().UtcDateTime;
            foreach (var segment in rolled)
            {
                // Length before Sealed: a reader that sees the segment sealed must also see its whole length.
                segment.Info.CommittedLength = segment.Length;
                segment.Info.LastWriteUtc = now;
                segment.Info.Sealed = true;
                segment.Handle.Dispose();
            }

            _active.CommittedLength = _activeLength;
            _active.LastWriteUtc = now;
            Interlocked.Exchange(ref _committedSequence, Math.Max(lastWritten, CommittedSequence));
            if (lastWritten > 0)
            {
                EndDiskFullEpisode("readings are stored again (the disk has room)");
            }
        }

        foreach (var chunk in chunks.Concat(orphans))
        {
            ReturnBuffer(chunk.Bytes);
        }

        if (failure is null)
        {
            commit.TrySetResult();
            Interlocked.Exchange(ref _dataCommitted, NewCompletion()).TrySetResult();
        }
        else
        {
            commit.TrySetException(failure);
            orphanCommit?.TrySetException(failure);
        }
    }

    private long _activeLength;

    /// <summary>
    /// Makes a new segment the active one. The segment rolled away from joins <paramref name="rolled"/> (the commit seals
    /// it when durable); an active segment that holds no record yet is deleted instead, so a long run of refused commits
    /// does not leave a trail of empty files.
    /// </summary>
    private void StartSegment(long firstSequence, List<RolledSegment> rolled)
    {
        if (_active is not null && _active.FirstSequence == firstSequence)
        {
            return; // the active segment holds no reading yet (its records failed): keep using it
        }

        if (_active is not null && _activeHandle is not null)
        {
            if (_activeLength == SegmentFile.HeaderSize)
            {
                _activeHandle.Dispose();
                RemoveOldest(_active, "empty: its readings were refused");
            }
            else
            {
                rolled.Add(new RolledSegment(_active, _activeHandle, _activeLength));
            }

            _active = null;
            _activeHandle = null;
        }

        UpdateSegmentSize();
        var path = Path.Combine(_options.Directory, SegmentFile.NameFor(firstSequence));
        lock (_segmentsLock)
        {
            // A segment with this name can only be an empty one left by a crash right after it was created.
            if (_segments.FirstOrDefault(s => s.Path == path) is { } empty)
            {
                AddBytes(-empty.CommittedLength);
                _segments = [.. _segments.Where(s => s != empty)];
            }
        }

        var created = _time.GetUtcNow().UtcDateTime;
        var header = new byte[SegmentFile.HeaderSize];
        SegmentFile.WriteHeader(header, firstSequence, created);
        while (true)
        {
            try
            {
                _activeHandle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
                RandomAccess.Write(_activeHandle, header, 0);
                DirectorySync.Flush(_options.Directory); // the new file's name must survive a power cut too
                break;
            }
            catch (IOException e) when (IsDiskFull(e))
            {
                _activeHandle?.Dispose();
                _activeHandle = null;
                TryDelete(path);
                if (!MakeRoomAfterDiskFull(e))
                {
                    throw DiskFull(e);
                }
            }
        }

        _activeLength = SegmentFile.HeaderSize;
        _active = new SegmentInfo(path, firstSequence, created) { CommittedLength = SegmentFile.HeaderSize };
        lock (_segmentsLock)
        {
            _segments = [.. _segments, _active];
        }

        AddBytes(SegmentFile.HeaderSize);
    }

    /// <summary>After a failed commit: every segment it rolled away from goes back to its committed length and is sealed there.</summary>
    private void CutBack(List<RolledSegment> rolled)
    {
        foreach (var segment in rolled)
        {
            try
            {
                RandomAccess.SetLength(segment.Handle, segment.Info.CommittedLength);
                RandomAccess.FlushToDisk(segment.Handle);
            }
            catch (IOException e)
            {
                // Readers stop at the committed length, and on restart the recovery cuts a torn tail off.
                _logger.LogError(e, "buffer: could not cut {Path} back to its committed length; readers ignore what follows it", segment.Info.Path);
            }

            AddBytes(segment.Info.CommittedLength - segment.Length);
            segment.Handle.Dispose();
            if (segment.Info.CommittedLength == SegmentFile.HeaderSize)
            {
                RemoveOldest(segment.Info, "empty: its readings were refused");
            }
            else
            {
                segment.Info.Sealed = true;
            }
        }

        TruncateActiveToCommitted();
    }

    private void SealActive()
    {
        if (_active is null || _activeHandle is null)
        {
            return;
        }

        RandomAccess.FlushToDisk(_activeHandle);
        _activeHandle.Dispose();
        _activeHandle = null;
        _active.CommittedLength = _activeLength;
        _active.Sealed = true;
        _active = null;
    }

    /// <summary>Writes at the end of the active segment; a full disk frees space by the overflow policy and retries.</summary>
    private void WriteRecovering(ReadOnlyMemory<byte> bytes)
    {
        while (true)
        {
            try
            {
                RandomAccess.Write(_activeHandle!, bytes.Span, _activeLength);
                _activeLength += bytes.Length;
                AddBytes(bytes.Length);
                return;
            }
            catch (IOException e) when (IsDiskFull(e))
            {
                // A partial write must not stay behind the committed records.
                RandomAccess.SetLength(_activeHandle!, _activeLength);
                if (!MakeRoomAfterDiskFull(e))
                {
                    throw DiskFull(e);
                }
            }
        }
    }

    private BufferFullException DiskFull(IOException e) => new(
        $"buffer: the disk holding {_options.Directory} is full and nothing can be dropped (buffer.whenFull = {_options.WhenFull}). These readings were not stored; free disk space or lower buffer.maxSizeMb.",
        BufferRefusal.DiskFull,
        e);

    private void TruncateActiveToCommitted()
    {
        if (_active is null || _activeHandle is null)
        {
            return;
        }

        try
        {
            AddBytes(_active.CommittedLength - _activeLength);
            _activeLength = _active.CommittedLength;
            RandomAccess.SetLength(_activeHandle, _activeLength);
        }
        catch (IOException e)
        {
            _logger.LogError(e, "buffer: could not cut {Path} back to its committed length; readers ignore what follows it", _active.Path);
        }
    }

    /// <summary>ENOSPC (Linux errno 28) or ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL (Windows).</summary>
    internal static bool IsDiskFull(IOException e) =>
        e is not BufferFullException && (e.HResult == 28 || (e.HResult & 0xFFFF) is 0x70 or 0x27);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        Wake();
        try
        {
            await _commitLoop;
        }
        catch (Exception e)
        {
            _logger.LogError(e, "buffer: the commit loop ended with an error");
        }

        try
        {
            SealActive();
        }
        catch (IOException e)
        {
            _logger.LogError(e, "buffer: closing the active segment failed");
        }

        lock (_sinks)
        {
            foreach (var sink in _sinks.Values)
            {
                sink.Dispose();
            }
        }

        WriteCounters();
        _dataCommitted.TrySetCanceled();
        await _lockFile.DisposeAsync();
        _stopping.Dispose();
    }

    /// <summary>A segment a commit rolled away from: its still open handle and the length written so far.</summary>
    private sealed record RolledSegment(SegmentInfo Info, SafeFileHandle Handle, long Length);

    private sealed class PendingChunk(ByteBuffer bytes, bool startsSegment, long firstSequence)
    {
        public ByteBuffer Bytes { get; } = bytes;

        public bool StartsSegment { get; } = startsSegment;

        public long FirstSequence { get; } = firstSequence;

        public long LastSequence { get; set; } = firstSequence - 1;
    }
}
