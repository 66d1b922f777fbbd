using System.Buffers.Binary;

using Microsoft.Win32.SafeHandles;

namespace Gateway.Buffer.Storage;

/// <summary>
/// A sink's durable cursor: the highest sequence it acknowledged. Two 32-byte slots written in turn
/// (<c>generation u64 | acknowledged sequence i64 | CRC32C u32 | zero padding</c>); the valid slot with the
/// higher generation wins, so a write torn by a power cut leaves the previous cursor intact.
/// Writes go to the page cache at once (a kill -9 keeps them) and are fsynced in the background: a power cut
/// can move a cursor back a little, which only means a few readings are delivered twice (at-least-once).
/// </summary>
internal sealed class CursorFile : IDisposable
{
    public const string Extension = ".cursor";
    private const int SlotSize = 32;
    private readonly SafeFileHandle _handle;
    private ulong _generation;
    private volatile bool _dirty;

    private CursorFile(string path, SafeFileHandle handle, ulong generation, long acknowledged)
    {
        Path = path;
        _handle = handle;
        _generation = generation;
        Acknowledged = acknowledged;
    }

    public string Path { get; }

    public long Acknowledged { get; private set; }

    public static string PathFor(string directory, string sink) => System.IO.Path.Combine(directory, sink + Extension);

    public static CursorFile OpenOrCreate(string path, long initial)
    {
        var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        if (TryRead(handle, out var generation, out var acknowledged))
        {
            return new CursorFile(path, handle, generation, acknowledged);
        }

        var cursor = new CursorFile(path, handle, 0, initial);
        cursor.Write(initial);
        cursor.Flush();
        return cursor;
    }

    /// <summary>Reads a cursor without opening it for writing (inspection); null when missing or unreadable.</summary>
    public static long? TryReadAcknowledged(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return TryRead(handle, out _, out var acknowledged) ? acknowledged : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Write(long acknowledged)
    {
        _generation++;
        Span<byte> slot = stackalloc byte[SlotSize];
        slot.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(slot, _generation);
        BinaryPrimitives.WriteInt64LittleEndian(slot[8..], acknowledged);
        BinaryPrimitives.WriteUInt32LittleEndian(slot[16..], Crc32C.Append(0, slot[..16]));
        RandomAccess.Write(_handle, slot, (long)(_generation % 2) * SlotSize);
        Acknowledged = acknowledged;
        _dirty = true;
    }

    public void Flush()
    {
        if (_dirty)
        {
            _dirty = false;
            RandomAccess.FlushToDisk(_handle);
        }
    }

    private static bool TryRead(SafeFileHandle handle, out ulong generation, out long acknowledged)
    {
        Span<byte> data = stackalloc byte[SlotSize * 2];
        var read = RandomAccess.Read(handle, data, 0);
        generation = 0;
        acknowledged = 0;
        var found = false;
        for (var slot = 0; slot < 2 && (slot + 1) * SlotSize <= read; slot++)
        {
            var s = data.Slice(slot * SlotSize, SlotSize);
            var g = BinaryPrimitives.ReadUInt64LittleEndian(s);
            if (BinaryPrimitives.ReadUInt32LittleEndian(s[16..]) == Crc32C.Append(0, s[..16]) && g >= generation && g > 0)
            {
                generation = g;
                acknowledged = BinaryPrimitives.ReadInt64LittleEndian(s[8..]);
                found = true;
            }
        }

        return found;
    }

    public void Dispose()
    {
        try
        {
            Flush();
        }
        catch (IOException)
        {
            // the disk went away; the cursor only moves back, which at-least-once delivery tolerates
        }

        _handle.Dispose();
    }
}
