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

    /// <summary>No more records will be added; a record cut off at the end is a torn tail.</summary>
    public bool Sealed
    {
        get => _sealed;
        set => _sealed = value;
    }
}
