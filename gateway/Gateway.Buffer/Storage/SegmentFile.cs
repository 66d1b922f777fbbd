using System.Buffers.Binary;
using System.Globalization;

using Microsoft.Win32.SafeHandles;

namespace Gateway.Buffer.Storage;

/// <summary>
/// A segment: one file of the append-only log, named by the first sequence number it may hold
/// (<c>00000000000000000001.seg</c>). It starts with a 32-byte header:
/// <c>"GWSEG001" | first sequence i64 | created (UTC ticks) i64 | CRC32C u32 of the 24 bytes before | 4 zero bytes</c>.
/// </summary>
internal static class SegmentFile
{
    public const int HeaderSize = 32;
    public const string Extension = ".seg";
    private static ReadOnlySpan<byte> Magic => "GWSEG001"u8;

    public static string NameFor(long firstSequence) => firstSequence.ToString("D20", CultureInfo.InvariantCulture) + Extension;

    public static bool TryParseName(string path, out long firstSequence)
    {
        var name = Path.GetFileName(path);
        firstSequence = 0;
        return name.EndsWith(Extension, StringComparison.Ordinal)
            && long.TryParse(name.AsSpan(0, name.Length - Extension.Length), NumberStyles.None, CultureInfo.InvariantCulture, out firstSequence);
    }

    public static void WriteHeader(Span<byte> header, long firstSequence, DateTime createdUtc)
    {
        header[..HeaderSize].Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], firstSequence);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], createdUtc.Ticks);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], Crc32C.Append(0, header[..24]));
    }

    /// <summary>Reads the header; false when it is missing or damaged (the segment is then unreadable as a whole).</summary>
    public static bool TryReadHeader(SafeFileHandle handle, out long firstSequence, out DateTime createdUtc)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        firstSequence = 0;
        createdUtc = default;
        if (RandomAccess.Read(handle, header, 0) < HeaderSize
            || !header[..8].SequenceEqual(Magic)
            || BinaryPrimitives.ReadUInt32LittleEndian(header[24..]) != Crc32C.Append(0, header[..24]))
        {
            return false;
        }

        firstSequence = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        var ticks = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        createdUtc = ticks is >= 0 and <= 3155378975999999999 ? new DateTime(ticks, DateTimeKind.Utc) : DateTime.MinValue;
        return true;
    }

    public static SafeFileHandle OpenForReading(string path) =>
        File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
}

/// <summary>Where a scanner found damage: the segment, the byte offset and what was wrong.</summary>
internal readonly record struct DamageReport(string Path, long Offset, string Reason);

/// <summary>
/// Reads one segment front to back through a window (one read syscall per window, up to 1 MiB), skipping damaged
/// records: after a bad frame it searches forward for the next frame whose CRC checks.
/// </summary>
internal sealed class SegmentScanner : IDisposable
{
    // A cursor that keeps up with live data reads a few KiB at a time and holds its scanner for as long as the segment
    // is written, one per sink: it starts small and grows (at once, up to MaxWindowSize) only when more is waiting
    // than fits, as in a catch-up after an outage, where 1 MiB reads keep the drain fast.
    internal const int InitialWindowSize = 64 * 1024;
    internal const int MaxWindowSize = 1024 * 1024;
    private readonly SafeFileHandle _handle;
    private readonly Action<DamageReport>? _onDamage;
    private readonly int _maxWindowSize;
    private byte[] _window = new byte[InitialWindowSize];
    private long _windowStart;
    private int _windowLength;

    /// <param name="path">The segment file.</param>
    /// <param name="onDamage">Told of each damaged record skipped.</param>
    /// <param name="maxWindowSize">How far the window may grow when more is waiting; a reader that takes one record at a
    /// time (the oldest-pending probe) gains nothing from more than <see cref="InitialWindowSize"/>.</param>
    public SegmentScanner(string path, Action<DamageReport>? onDamage, int maxWindowSize = MaxWindowSize)
    {
        Path = path;
        _onDamage = onDamage;
        _maxWindowSize = maxWindowSize;
        _handle = SegmentFile.OpenForReading(path);
        if (!SegmentFile.TryReadHeader(_handle, out var first, out var created))
        {
            _handle.Dispose();
            throw new InvalidDataException($"{path}: the segment header is missing or damaged");
        }

        FirstSequence = first;
        CreatedUtc = created;
        Offset = SegmentFile.HeaderSize;
    }

    public string Path { get; }

    public long FirstSequence { get; }

    public DateTime CreatedUtc { get; }

    /// <summary>The file offset of the next record to read.</summary>
    public long Offset { get; private set; }

    /// <summary>Where the last whole, valid record ended (the length to keep when cutting off a torn tail).</summary>
    public long EndOfLastRecord { get; private set; } = SegmentFile.HeaderSize;

    /// <summary>The sequence of the last reading record read or skipped.</summary>
    public long LastSequence { get; private set; }

    public ReadingDecoder Decoder { get; } = new();

    public long FileLength => RandomAccess.GetLength(_handle);

    /// <summary>
    /// The next reading with a sequence above <paramref name="afterSequence"/> whose record ends at or before
    /// <paramref name="limit"/>. <paramref name="sealedEnd"/> says the limit is the end of a file that will not
    /// grow, so a record cut off there is a torn tail (damage), not a record still being written.
    /// </summary>
    public bool TryNext(long limit, bool sealedEnd, long afterSequence, out Gateway.Core.Reading? reading, bool decode = true)
    {
        reading = null;
        while (Offset < limit)
        {
            var span = Window(Offset, RecordFrame.HeaderSize, limit);
            var check = RecordFrame.Check(span, out var payloadLength);
            if (check == FrameCheck.Incomplete && payloadLength > 0)
            {
                span = Window(Offset, RecordFrame.HeaderSize + payloadLength, limit);
                check = RecordFrame.Check(span, out payloadLength);
            }

            if (check == FrameCheck.Incomplete)
            {
                if (!sealedEnd)
                {
                    return false;
                }

                Damage(Offset, $"torn tail: {limit - Offset} bytes of an incomplete record at the end of the file");
                Offset = limit;
                return false;
            }

            if (check == FrameCheck.Damaged)
            {
                Damage(Offset, "record checksum or framing does not match");
                Offset = Resync(Offset + 1, limit);
                continue;
            }

            var frameOffset = Offset;
            var payload = span.Slice(RecordFrame.HeaderSize, payloadLength);
            Offset += RecordFrame.HeaderSize + payloadLength;
            EndOfLastRecord = Offset;
            var sequence = ReadingDecoder.PeekSequence(payload);
            if (sequence >= 0)
            {
                LastSequence = sequence;
                if (sequence <= afterSequence)
                {
                    continue;
                }

                if (!decode)
                {
                    return true; // counting only: the caller reads LastSequence
                }
            }

            try
            {
                reading = Decoder.Apply(payload);
            }
            catch (InvalidDataException e)
            {
                Damage(frameOffset, e.Message);
                continue;
            }

            if (reading is not null)
            {
                return true;
            }
        }

        return false;
    }

    private long Resync(long from, long limit)
    {
        var position = from;
        while (position < limit)
        {
            var span = Window(position, 64 * 1024, limit);
            var index = span.IndexOf([(byte)(RecordFrame.Magic & 0xFF), (byte)(RecordFrame.Magic >> 8)]);
            if (index < 0)
            {
                position += Math.Max(1, span.Length - 1);
                continue;
            }

            var candidate = position + index;
            var header = Window(candidate, RecordFrame.HeaderSize, limit);
            var check = RecordFrame.Check(header, out var length);
            if (check == FrameCheck.Incomplete && length > 0)
            {
                check = RecordFrame.Check(Window(candidate, RecordFrame.HeaderSize + length, limit), out _);
            }

            if (check == FrameCheck.Valid)
            {
                return candidate;
            }

            position = candidate + 1;
        }

        return limit;
    }

    /// <summary>The window's size now (tests: it grows only when more is waiting than fits).</summary>
    internal int WindowLength => _window.Length;

    /// <summary>The bytes from <paramref name="offset"/>, at least <paramref name="count"/> of them unless the limit comes first.</summary>
    private ReadOnlySpan<byte> Window(long offset, int count, long limit)
    {
        var wanted = (int)Math.Min(count, limit - offset);
        if (offset < _windowStart || offset + wanted > _windowStart + _windowLength)
        {
            var waiting = limit - offset;
            if (count > _window.Length || (waiting > _window.Length && _window.Length < _maxWindowSize))
            {
                _window = new byte[Math.Max(count, (int)Math.Min(_maxWindowSize, Math.Max(waiting, _window.Length * 2L)))];
            }

            var toRead = (int)Math.Min(_window.Length, waiting);
            var read = 0;
            while (read < toRead)
            {
                var n = RandomAccess.Read(_handle, _window.AsSpan(read, toRead - read), offset + read);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            _windowStart = offset;
            _windowLength = read;
        }

        var start = (int)(offset - _windowStart);
        var available = (int)Math.Min(_windowLength - start, limit - offset);
        return _window.AsSpan(start, Math.Max(0, available));
    }

    private void Damage(long offset, string reason) => _onDamage?.Invoke(new DamageReport(Path, offset, reason));

    public void Dispose() => _handle.Dispose();
}
