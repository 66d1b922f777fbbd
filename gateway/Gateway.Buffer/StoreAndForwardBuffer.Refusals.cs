using Microsoft.Extensions.Logging;

namespace Gateway.Buffer;

/// <summary>
/// What the buffer could not store: counted by reason, logged once per episode, and said by <see cref="IngestProblem"/>
/// (readiness) while it lasts. A disk-full episode starts at the first refused commit and ends at the first commit
/// that stores readings again, or when maintenance sees room for a whole segment.
/// </summary>
public sealed partial class StoreAndForwardBuffer
{
    private readonly long[] _refused = new long[Enum.GetValues<BufferRefusal>().Length];
    private readonly Lock _episodeLock = new();
    private string? _diskFullEpisode;
    private DateTime _diskFullSince;
    private long _refusedAtEpisodeStart;
    private int _writersWaitingForRoom;
    private long _capacityBytes = long.MaxValue;

    /// <summary>Readings refused since the buffer was opened, by reason (<see cref="BufferRefusal.Unencodable"/> included).</summary>
    public IReadOnlyDictionary<BufferRefusal, long> Refused =>
        Enum.GetValues<BufferRefusal>().ToDictionary(r => r, r => Interlocked.Read(ref _refused[(int)r]));

    /// <summary>Every reading refused since the buffer was opened.</summary>
    public long RefusedTotal => Enum.GetValues<BufferRefusal>().Sum(RefusedOf);

    /// <summary>
    /// Why readings cannot be stored right now (for /readyz and /status), or null while the buffer takes readings:
    /// a write error that stopped ingest, a full disk with nothing to drop, or the bound reached with refuseNew and
    /// sources waiting.
    /// </summary>
    public string? IngestProblem
    {
        get
        {
            if (_fault is { } fault)
            {
                return $"buffer: ingest stopped by a write error ({fault.InnerException?.Message ?? fault.Message}); {RefusedOf(BufferRefusal.WriteError)} readings refused";
            }

            lock (_episodeLock)
            {
                if (_diskFullEpisode is not null)
                {
                    return $"buffer: {_diskFullEpisode}; {RefusedOf(BufferRefusal.DiskFull) - _refusedAtEpisodeStart} readings refused since {_diskFullSince:yyyy-MM-dd HH:mm:ss}Z";
                }
            }

            return Volatile.Read(ref _writersWaitingForRoom) > 0
                ? $"buffer: full ({Size(BytesOnDisk)} of buffer.maxSizeMb {Size(_options.MaxSizeBytes)}) and buffer.whenFull is refuseNew: sources wait until a sink catches up"
                : null;
        }
    }

    /// <summary>The metric label of a refusal reason: disk_full, buffer_full, write_error, unencodable.</summary>
    public static string RefusalLabel(BufferRefusal reason) => reason switch
    {
        BufferRefusal.DiskFull => "disk_full",
        BufferRefusal.BufferFull => "buffer_full",
        BufferRefusal.WriteError => "write_error",
        _ => "unencodable",
    };

    private long RefusedOf(BufferRefusal reason) => Interlocked.Read(ref _refused[(int)reason]);

    private void CountRefused(BufferRefusal reason, long readings)
    {
        if (readings > 0)
        {
            Interlocked.Add(ref _refused[(int)reason], readings);
        }
    }

    /// <summary>In the commit loop, when a commit failed on a full disk: starts the episode (logged once).</summary>
    private void StartDiskFullEpisode(string why)
    {
        lock (_episodeLock)
        {
            if (_diskFullEpisode is not null)
            {
                return;
            }

            _diskFullEpisode = why;
            _diskFullSince = _time.GetUtcNow().UtcDateTime;
            _refusedAtEpisodeStart = RefusedOf(BufferRefusal.DiskFull);
        }

        _logger.LogCritical(
            "buffer: {Why}. New readings are refused (not stored, never acknowledged to a source) and counted in gateway_buffer_refused_total{{reason=\"disk_full\"}}; ingest resumes by itself once space is free. Free disk space, or lower buffer.maxSizeMb{Hint}",
            why,
            _options.WhenFull == BufferOverflowPolicy.RefuseNew ? " (or set buffer.whenFull to dropOldest)" : "");
    }

    /// <summary>In the commit loop, after readings were stored, or when maintenance sees room again: ends the episode (logged once).</summary>
    private void EndDiskFullEpisode(string how)
    {
        long refused;
        DateTime since;
        lock (_episodeLock)
        {
            if (_diskFullEpisode is null)
            {
                return;
            }

            refused = RefusedOf(BufferRefusal.DiskFull) - _refusedAtEpisodeStart;
            since = _diskFullSince;
            _diskFullEpisode = null;
        }

        _logger.LogWarning(
            "buffer: {How}; {Refused} readings were refused because the disk was full (since {Since:yyyy-MM-dd HH:mm:ss}Z)",
            how,
            refused,
            since);
    }

    /// <summary>During an episode: is there room for a whole segment again? (The next commit would say so too, but a source may be waiting to reconnect.)</summary>
    private void CheckDiskFullEpisode()
    {
        lock (_episodeLock)
        {
            if (_diskFullEpisode is null)
            {
                return;
            }
        }

        var free = FreeSpace(_options.Directory);
        if (free >= CurrentSegmentSize())
        {
            EndDiskFullEpisode($"{Size(free)} free again on the disk holding {_options.Directory}: taking readings again");
        }
    }

    private long CurrentSegmentSize()
    {
        lock (_appendLock)
        {
            return _segmentSize;
        }
    }

    /// <summary>Sets the size of the segments started from now on from the bound and the space the disk has (see <see cref="BufferOptions.SegmentSizeFor"/>).</summary>
    private void UpdateSegmentSize()
    {
        var free = FreeSpace(_options.Directory);
        var capacity = free == long.MaxValue ? long.MaxValue : BytesOnDisk + free;
        Interlocked.Exchange(ref _capacityBytes, capacity);
        var size = _options.SegmentSizeFor(capacity);
        lock (_appendLock)
        {
            _segmentSize = size;
        }
    }

    /// <summary>Bytes free for this process on the file system holding <paramref name="directory"/>; unknown counts as unlimited.</summary>
    internal static long FreeSpace(string directory)
    {
        try
        {
            return new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return long.MaxValue;
        }
    }

    /// <summary>How many readings a chunk holds (they have consecutive sequence numbers).</summary>
    private static long ReadingsIn(PendingChunk chunk) => chunk.LastSequence - chunk.FirstSequence + 1;
}
