using Gateway.Core;

namespace Gateway.Buffer.Storage;

/// <summary>One segment as the buffer tracks it. Only the commit loop changes it.</summary>
internal sealed class SegmentInfo(string path, long firstSequence, DateTime createdUtc)
{
    private long _committedLength;
    private volatile bool _sealed;

    public string Path { get; } = path;

    public long FirstSequence { get; } = firstSequence;

    public DateTime CreatedUtc { get; } = createdUtc;

    /// <summary>When the last record was committed (or the file's write time for segments from an earlier run).</summary>
    public DateTime LastWriteUtc { get; set; } = createdUtc;

    /// <summary>Bytes readers may read: fsynced records only.</summary>
    public long CommittedLength
    {
        get => Volatile.Read(ref _committedLength);
        set => Volatile.Write(ref _committedLength, value);
    }

    /// <summary>
    /// Adds the (source, machine, tag) of every series defined in this segment so far. A sealed segment is scanned
    /// once and remembered; the active one is scanned each time (only when a live lane opens) and closed again.
    /// </summary>
    public void CollectTags(HashSet<StoreAndForwardBuffer.TagKey> into)
    {
        lock (_tagLock)
        {
            if (_tags is null)
            {
                var tags = new HashSet<StoreAndForwardBuffer.TagKey>();
                var isSealed = Sealed;
                try
                {
                    using var scanner = new SegmentScanner(Path, null);
                    while (scanner.TryNext(CommittedLength, isSealed, long.MaxValue, out _))
                    {
                    }

                    foreach (var series in scanner.Decoder.Series)
                    {
                        if (series.Source is not null)
                        {
                            tags.Add(new(series.Source, series.Machine, series.Tag));
                        }
                    }
                }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
                {
                    // deleted or unreadable: it holds no backlog any more
                }

                into.UnionWith(tags);
                if (isSealed)
                {
                    _tags = tags;
                }

                return;
            }

            into.UnionWith(_tags);
        }
    }

    private readonly Lock _tagLock = new();
    private HashSet<StoreAndForwardBuffer.TagKey>? _tags;

    /// <summary>No more records will be added; a record cut off at the end is a torn tail.</summary>
    public bool Sealed
    {
        get => _sealed;
        set => _sealed = value;
    }
}
