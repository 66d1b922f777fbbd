using System.Buffers.Binary;
using System.Text;

using Gateway.Core;

namespace Gateway.Buffer.Storage;

/// <summary>What the first byte of a record's payload says it is.</summary>
internal enum RecordKind : byte
{
    /// <summary>Names a series id: source, machine, tag, measurement, unit and labels, once per segment.</summary>
    SeriesDefinition = 1,

    /// <summary>One reading that refers to a series id defined earlier in the same segment.</summary>
    Reading = 2,
}

/// <summary>Everything a reading repeats on every sample; interned per segment so a scalar reading is ~50 bytes.</summary>
internal readonly record struct SeriesKey(string Source, string Machine, string Tag, string? Measurement, string? Unit, LabelSet Labels);

/// <summary>
/// Writes readings as records. Each segment starts with an empty series table, so a segment can be read
/// (and deleted) on its own.
/// Reading payload: kind | sequence i64 | series varint | flags (quality bits 0-1, data gap bit 2, backfilled bit 3) | status varint |
/// DateTimeKind of the four timestamps (2 bits each) | timestamp ticks i64 | source, server, gateway timestamps as
/// zigzag tick deltas from the timestamp | value kind | value.
/// </summary>
internal sealed class ReadingEncoder
{
    private readonly Dictionary<SeriesKey, int> _series = [];

    public void StartSegment() => _series.Clear();

    public int SeriesCount => _series.Count;

    /// <summary>Validates first and then writes, so a rejected reading leaves nothing behind.</summary>
    public void Encode(Reading reading, long sequence, ByteBuffer output)
    {
        if (reading is null || reading.Source is null || reading.Machine is null || reading.Tag is null)
        {
            throw new ArgumentException("a reading needs a source, a machine and a tag", nameof(reading));
        }

        if (!Enum.IsDefined(reading.Value.Kind))
        {
            throw new ArgumentException($"value kind {(int)reading.Value.Kind} is unknown", nameof(reading));
        }

        var key = new SeriesKey(reading.Source, reading.Machine, reading.Tag, reading.Measurement, reading.Unit, reading.Labels ?? LabelSet.Empty);
        if (!_series.TryGetValue(key, out var id))
        {
            id = _series.Count;
            WriteFrame(output, key, id, static (o, k, i) => WriteDefinition(o, k, i));
            _series.Add(key, id);
        }

        WriteFrame(output, (reading, sequence), id, static (o, r, i) => WriteReading(o, r.reading, r.sequence, i));
    }

    private static void WriteFrame<T>(ByteBuffer output, T state, int id, Action<ByteBuffer, T, int> writePayload)
    {
        var start = output.Length;
        output.Reserve(RecordFrame.HeaderSize);
        writePayload(output, state, id);
        var payloadLength = output.Length - start - RecordFrame.HeaderSize;
        var frame = output.WrittenSpan(start, output.Length - start);
        RecordFrame.WriteHeader(frame[..RecordFrame.HeaderSize], frame.Slice(RecordFrame.HeaderSize, payloadLength));
    }

    private static void WriteDefinition(ByteBuffer o, SeriesKey key, int id)
    {
        o.WriteByte((byte)RecordKind.SeriesDefinition);
        o.WriteVarUInt((ulong)id);
        o.WriteString(key.Source);
        o.WriteString(key.Machine);
        o.WriteString(key.Tag);
        o.WriteString(key.Measurement);
        o.WriteString(key.Unit);
        o.WriteVarUInt((ulong)key.Labels.Count);
        foreach (var (name, value) in key.Labels.Pairs)
        {
            o.WriteString(name);
            o.WriteString(value);
        }
    }

    private static void WriteReading(ByteBuffer o, Reading r, long sequence, int seriesId)
    {
        o.WriteByte((byte)RecordKind.Reading);
        o.WriteInt64(sequence);
        o.WriteVarUInt((ulong)seriesId);
        o.WriteByte((byte)(((int)r.Quality & 0x3) | (r.DataGap ? 0x4 : 0) | (r.Backfilled ? 0x8 : 0)));
        o.WriteVarUInt(r.StatusCode);
        o.WriteByte((byte)((int)r.Timestamp.Kind | ((int)r.SourceTimestamp.Kind << 2) | ((int)r.ServerTimestamp.Kind << 4) | ((int)r.GatewayTimestamp.Kind << 6)));
        var ticks = r.Timestamp.Ticks;
        o.WriteInt64(ticks);
        o.WriteVarInt(r.SourceTimestamp.Ticks - ticks);
        o.WriteVarInt(r.ServerTimestamp.Ticks - ticks);
        o.WriteVarInt(r.GatewayTimestamp.Ticks - ticks);
        WriteValue(o, r.Value);
    }

    private static void WriteValue(ByteBuffer o, ReadingValue value)
    {
        o.WriteByte((byte)value.Kind);
        switch (value.Kind)
        {
            case ValueKind.Null:
                break;
            case ValueKind.Double:
                o.WriteDouble(value.AsDouble());
                break;
            case ValueKind.Int64:
                o.WriteVarInt(value.AsInt64());
                break;
            case ValueKind.Boolean:
                o.WriteByte(value.AsBoolean() ? (byte)1 : (byte)0);
                break;
            case ValueKind.String:
                o.WriteString(value.AsString());
                break;
            case ValueKind.Json:
                o.WriteString(value.AsJson());
                break;
            case ValueKind.DoubleArray:
                var doubles = value.AsDoubleArray();
                o.WriteVarUInt((ulong)doubles.Length);
                foreach (var d in doubles)
                {
                    o.WriteDouble(d);
                }

                break;
            case ValueKind.Int64Array:
                var longs = value.AsInt64Array();
                o.WriteVarUInt((ulong)longs.Length);
                foreach (var l in longs)
                {
                    o.WriteVarInt(l);
                }

                break;
            case ValueKind.BooleanArray:
                var bools = value.AsBooleanArray();
                o.WriteVarUInt((ulong)bools.Length);
                foreach (var b in bools)
                {
                    o.WriteByte(b ? (byte)1 : (byte)0);
                }

                break;
            case ValueKind.StringArray:
                var strings = value.AsStringArray();
                o.WriteVarUInt((ulong)strings.Length);
                foreach (var s in strings)
                {
                    o.WriteString(s ?? "");
                }

                break;
            default:
                throw new ArgumentException($"Reading value kind {value.Kind} has no buffer encoding.", nameof(value));
        }
    }
}

/// <summary>Reads records back; holds the series table of the segment being read.</summary>
internal sealed class ReadingDecoder
{
    private readonly List<SeriesKey> _series = [];

    public void StartSegment() => _series.Clear();

    /// <summary>The series defined so far in this segment (a default entry for a definition lost to damage).</summary>
    public IReadOnlyList<SeriesKey> Series => _series;

    /// <summary>The sequence number of a reading record without decoding it, or -1 for other records.</summary>
    public static long PeekSequence(ReadOnlySpan<byte> payload) =>
        payload.Length >= 9 && payload[0] == (byte)RecordKind.Reading ? BinaryPrimitives.ReadInt64LittleEndian(payload[1..]) : -1;

    /// <summary>Applies a definition (returns null) or decodes a reading. Throws <see cref="InvalidDataException"/> on malformed payloads.</summary>
    public Reading? Apply(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload);
        var kind = (RecordKind)r.Byte();
        switch (kind)
        {
            case RecordKind.SeriesDefinition:
                var id = (int)r.VarUInt();
                var key = new SeriesKey(
                    r.String() ?? throw new InvalidDataException("series without a source"),
                    r.String() ?? throw new InvalidDataException("series without a machine"),
                    r.String() ?? throw new InvalidDataException("series without a tag"),
                    r.String(),
                    r.String(),
                    ReadLabels(ref r));
                key = ShareWithPrevious(key);
                if (id != _series.Count)
                {
                    // A definition before this one was lost to damage: keep ids aligned so later readings still resolve.
                    while (_series.Count < id)
                    {
                        _series.Add(default);
                    }
                }

                if (id < _series.Count)
                {
                    _series[id] = key;
                }
                else
                {
                    _series.Add(key);
                }

                return null;
            case RecordKind.Reading:
                return ReadReading(ref r);
            default:
                throw new InvalidDataException($"unknown record kind {(byte)kind}");
        }
    }

    /// <summary>
    /// A machine's series follow one another in a segment: its source, machine, measurement and label set are taken
    /// from the series before when equal, so its readings share one instance of each (less heap, and sinks that
    /// group by machine compare references first) and the label set is not built again for every tag.
    /// </summary>
    private SeriesKey ShareWithPrevious(SeriesKey key)
    {
        var previous = _previous;
        _previous = key = key with
        {
            Source = string.Equals(key.Source, previous.Source, StringComparison.Ordinal) ? previous.Source : key.Source,
            Machine = string.Equals(key.Machine, previous.Machine, StringComparison.Ordinal) ? previous.Machine : key.Machine,
            Measurement = string.Equals(key.Measurement, previous.Measurement, StringComparison.Ordinal) ? previous.Measurement : key.Measurement,
            Labels = previous.Labels is not null && previous.Labels.Equals(key.Labels) ? previous.Labels : key.Labels,
        };
        return key;
    }

    private SeriesKey _previous;

    private Reading ReadReading(ref PayloadReader r)
    {
        var sequence = r.Int64();
        var seriesId = (int)r.VarUInt();
        if (seriesId >= _series.Count || _series[seriesId].Source is null)
        {
            throw new InvalidDataException($"reading {sequence} refers to series {seriesId}, whose definition is missing or damaged");
        }

        var series = _series[seriesId];
        var flags = r.Byte();
        var status = (uint)r.VarUInt();
        var kinds = r.Byte();
        var ticks = r.Int64();
        var source = r.VarInt() + ticks;
        var server = r.VarInt() + ticks;
        var gateway = r.VarInt() + ticks;
        var value = ReadValue(ref r);
        return new Reading
        {
            Source = series.Source,
            Machine = series.Machine,
            Tag = series.Tag,
            Measurement = series.Measurement,
            Unit = series.Unit,
            Labels = series.Labels,
            Sequence = sequence,
            Quality = (Quality)(flags & 0x3),
            DataGap = (flags & 0x4) != 0,
            Backfilled = (flags & 0x8) != 0, // 0 in records written before the bit existed
            StatusCode = status,
            Timestamp = Time(ticks, kinds),
            SourceTimestamp = Time(source, kinds >> 2),
            ServerTimestamp = Time(server, kinds >> 4),
            GatewayTimestamp = Time(gateway, kinds >> 6),
            Value = value,
        };
    }

    private static DateTime Time(long ticks, int kind) =>
        ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks
            ? throw new InvalidDataException("timestamp out of range")
            : new DateTime(ticks, (DateTimeKind)(kind & 0x3));

    private static ReadingValue ReadValue(ref PayloadReader r)
    {
        var kind = (ValueKind)r.Byte();
        switch (kind)
        {
            case ValueKind.Null:
                return ReadingValue.Null;
            case ValueKind.Double:
                return ReadingValue.FromDouble(r.Double());
            case ValueKind.Int64:
                return ReadingValue.FromInt64(r.VarInt());
            case ValueKind.Boolean:
                return ReadingValue.FromBoolean(r.Byte() != 0);
            case ValueKind.String:
                return ReadingValue.FromString(r.String() ?? "");
            case ValueKind.Json:
                try
                {
                    return ReadingValue.FromJson(r.String() ?? "");
                }
                catch (ArgumentException e)
                {
                    throw new InvalidDataException("a JSON value that is not a JSON object or array", e);
                }

            case ValueKind.DoubleArray:
                var doubles = new double[r.Count(8)];
                for (var i = 0; i < doubles.Length; i++)
                {
                    doubles[i] = r.Double();
                }

                return ReadingValue.FromArray(doubles);
            case ValueKind.Int64Array:
                var longs = new long[r.Count(1)];
                for (var i = 0; i < longs.Length; i++)
                {
                    longs[i] = r.VarInt();
                }

                return ReadingValue.FromArray(longs);
            case ValueKind.BooleanArray:
                var bools = new bool[r.Count(1)];
                for (var i = 0; i < bools.Length; i++)
                {
                    bools[i] = r.Byte() != 0;
                }

                return ReadingValue.FromArray(bools);
            case ValueKind.StringArray:
                var strings = new string[r.Count(1)];
                for (var i = 0; i < strings.Length; i++)
                {
                    strings[i] = r.String() ?? "";
                }

                return ReadingValue.FromArray(strings);
            default:
                throw new InvalidDataException($"unknown value kind {(byte)kind}");
        }
    }

    private LabelSet ReadLabels(ref PayloadReader r)
    {
        var count = r.Count(2);
        if (count == 0)
        {
            return LabelSet.Empty;
        }

        var pairs = new KeyValuePair<string, string>[count];
        for (var i = 0; i < count; i++)
        {
            pairs[i] = new(r.String() ?? "", r.String() ?? "");
        }

        // Written from a label set's sorted pairs: the same pairs as the series before are its set.
        return _previous.Labels is { } previous && SamePairs(previous.Pairs, pairs) ? previous : LabelSet.From(pairs);
    }

    private static bool SamePairs(IReadOnlyList<KeyValuePair<string, string>> set, KeyValuePair<string, string>[] pairs)
    {
        if (set.Count != pairs.Length)
        {
            return false;
        }

        for (var i = 0; i < pairs.Length; i++)
        {
            if (!string.Equals(set[i].Key, pairs[i].Key, StringComparison.Ordinal) || !string.Equals(set[i].Value, pairs[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Bounds-checked reads from one payload: every read checks what is left before it reads.</summary>
    private ref struct PayloadReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public byte Byte() => Take(1)[0];

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

        public ulong VarUInt()
        {
            ulong value = 0;
            for (var shift = 0; shift < 70; shift += 7)
            {
                var b = Byte();
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw new InvalidDataException("varint too long");
        }

        public long VarInt()
        {
            var raw = VarUInt();
            return (long)(raw >> 1) ^ -(long)(raw & 1);
        }

        /// <summary>An element count, checked against the bytes left (each element takes at least <paramref name="minBytes"/>).</summary>
        public int Count(int minBytes)
        {
            var count = VarUInt();
            if (count > (ulong)((_data.Length - _position) / minBytes))
            {
                throw new InvalidDataException($"count {count} exceeds the record");
            }

            return (int)count;
        }

        public string? String()
        {
            var lengthPlusOne = VarUInt();
            if (lengthPlusOne == 0)
            {
                return null;
            }

            if (lengthPlusOne - 1 > (ulong)(_data.Length - _position))
            {
                throw new InvalidDataException("string longer than the record");
            }

            return Encoding.UTF8.GetString(Take((int)(lengthPlusOne - 1)));
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (_position + count > _data.Length)
            {
                throw new InvalidDataException("record ends early");
            }

            var span = _data.Slice(_position, count);
            _position += count;
            return span;
        }
    }
}
