using System.Globalization;

namespace Gateway.Sinks.InfluxDb;

/// <summary>
/// Writes one line of InfluxDB line protocol at a time into a buffer it keeps and reuses:
/// <c>measurement[,tag=value...] field=value[,field=value...] timestamp</c>.
/// Tags are set in any order (a later value of a key replaces the earlier one, an empty value removes the key) and
/// written sorted by key, ordinally, as InfluxDB prefers; fields must be given in ordinal key order.
/// The output is the same, character for character, as InfluxDB.Client's PointData made before (the sink's tests compare
/// the two), so that series written before and after the change stay the same series.
/// </summary>
/// <remarks>
/// Line protocol reference (InfluxDB 1.x "Line protocol reference", 2.x "Line protocol"): measurements escape comma and
/// space; tag keys, tag values and field keys escape comma, equals sign and space; string field values are in double
/// quotes and escape double quote and backslash; integers end in <c>i</c>; booleans are <c>true</c>/<c>false</c>;
/// floats cannot be NaN or infinite, so such a field is left out. Newline, carriage return and tab in names cannot be
/// sent as they are (a newline ends the line): like PointData, they are written as the two characters <c>\n</c>,
/// <c>\r</c>, <c>\t</c>. Not thread-safe: one writer per thread.
/// </remarks>
public sealed class LineProtocolWriter
{
    private char[] _buffer = new char[256];
    private int _length;
    private KeyValuePair<string, string>[] _tags = new KeyValuePair<string, string>[16];
    private int _tagCount;
    private bool _tagsWritten;
    private bool _hasField;

    /// <summary>The line written so far.</summary>
    public ReadOnlySpan<char> Line => _buffer.AsSpan(0, _length);

    /// <summary>Starts a new line with this measurement (not empty), forgetting the previous line.</summary>
    public void Start(string measurement)
    {
        if (string.IsNullOrEmpty(measurement))
        {
            throw new ArgumentException("Expecting a non-empty string for the measurement name", nameof(measurement));
        }

        _length = 0;
        _tagCount = 0;
        _tagsWritten = false;
        _hasField = false;
        WriteEscaped(measurement, escapeEquals: false);
    }

    /// <summary>Sets a tag; a later value of the same key replaces this one, an empty value removes the key.</summary>
    public void Tag(string key, string? value)
    {
        if (_tagsWritten)
        {
            throw new InvalidOperationException("tags come before the first field");
        }

        var index = IndexOfTag(key);
        if (string.IsNullOrEmpty(value))
        {
            if (index >= 0)
            {
                Array.Copy(_tags, index + 1, _tags, index, _tagCount - index - 1);
                _tagCount--;
            }

            return;
        }

        if (index >= 0)
        {
            _tags[index] = new(key, value);
            return;
        }

        if (_tagCount == _tags.Length)
        {
            Array.Resize(ref _tags, _tags.Length * 2);
        }

        _tags[_tagCount++] = new(key, value);
    }

    /// <summary>A float field; NaN and infinities are left out (the line protocol has no way to write them).</summary>
    public void Field(string key, double value)
    {
        if (!double.IsFinite(value))
        {
            return;
        }

        StartField(key, -1);
        WriteFormatted(value);
    }

    /// <summary>An integer field (<c>42i</c>).</summary>
    public void Field(string key, long value)
    {
        StartField(key, -1);
        WriteFormatted(value);
        Append('i');
    }

    /// <summary>A boolean field.</summary>
    public void Field(string key, bool value)
    {
        StartField(key, -1);
        Append(value ? "true" : "false");
    }

    /// <summary>A string field, in double quotes.</summary>
    public void Field(string key, string value)
    {
        StartField(key, -1);
        WriteQuoted(value);
    }

    /// <summary>The float field <c>key_index</c> (an array element); NaN and infinities are left out.</summary>
    public void IndexedField(string key, int index, double value)
    {
        if (!double.IsFinite(value))
        {
            return;
        }

        StartField(key, index);
        WriteFormatted(value);
    }

    /// <summary>The integer field <c>key_index</c>.</summary>
    public void IndexedField(string key, int index, long value)
    {
        StartField(key, index);
        WriteFormatted(value);
        Append('i');
    }

    /// <summary>The boolean field <c>key_index</c>.</summary>
    public void IndexedField(string key, int index, bool value)
    {
        StartField(key, index);
        Append(value ? "true" : "false");
    }

    /// <summary>The string field <c>key_index</c>.</summary>
    public void IndexedField(string key, int index, string value)
    {
        StartField(key, index);
        WriteQuoted(value);
    }

    /// <summary>
    /// Ends the line with its timestamp (in the precision the write names). False when no field was written: a line
    /// needs at least one field, so there is no line.
    /// </summary>
    public bool End(long timestamp)
    {
        if (!_hasField)
        {
            return false;
        }

        Append(' ');
        WriteFormatted(timestamp);
        return true;
    }

    /// <summary>The line as a string.</summary>
    public override string ToString() => new(_buffer, 0, _length);

    /// <summary>
    /// The next array index after <paramref name="index"/> in the order of the names <c>key_0, key_1, key_10, key_11...
    /// key_2</c> (ordinal order of the decimal index), or -1 after the last of <paramref name="count"/>.
    /// </summary>
    public static int NextIndexInNameOrder(int index, int count)
    {
        var last = (long)count - 1;
        if (index == 0)
        {
            // "0" sorts before every other index; no other index starts with a 0.
            return last >= 1 ? 1 : -1;
        }

        long next = index;
        if (next * 10 <= last)
        {
            return (int)(next * 10);
        }

        while (next >= last || next % 10 == 9)
        {
            next /= 10;
            if (next == 0)
            {
                return -1;
            }
        }

        return (int)(next + 1);
    }

    private int IndexOfTag(string key)
    {
        for (var i = 0; i < _tagCount; i++)
        {
            if (string.Equals(_tags[i].Key, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private void StartField(string key, int index)
    {
        // An indexed name is never empty ("_0" for an empty key, as PointData wrote it).
        if (index < 0 && string.IsNullOrEmpty(key))
        {
            throw new ArgumentException("Expecting a non-empty string for a field name", nameof(key));
        }

        if (!_tagsWritten)
        {
            WriteTags();
        }

        if (_hasField)
        {
            Append(',');
        }

        WriteEscaped(key, escapeEquals: true);
        if (index >= 0)
        {
            Append('_');
            WriteFormatted(index);
        }

        Append('=');
        _hasField = true;
    }

    private void WriteTags()
    {
        // Insertion sort: a handful of tags, most of them (the labels) already in order.
        for (var i = 1; i < _tagCount; i++)
        {
            var tag = _tags[i];
            var j = i - 1;
            while (j >= 0 && string.CompareOrdinal(_tags[j].Key, tag.Key) > 0)
            {
                _tags[j + 1] = _tags[j];
                j--;
            }

            _tags[j + 1] = tag;
        }

        for (var i = 0; i < _tagCount; i++)
        {
            var (key, value) = _tags[i];
            if (key.Length == 0)
            {
                continue;
            }

            Append(',');
            WriteEscaped(key, escapeEquals: true);
            Append('=');
            WriteEscaped(value, escapeEquals: true);
        }

        Append(' ');
        _tagsWritten = true;
    }

    private void WriteEscaped(string name, bool escapeEquals)
    {
        EnsureRoom(name.Length * 2);
        var buffer = _buffer;
        var length = _length;
        foreach (var c in name)
        {
            switch (c)
            {
                case '\n':
                    buffer[length++] = '\\';
                    buffer[length++] = 'n';
                    continue;
                case '\r':
                    buffer[length++] = '\\';
                    buffer[length++] = 'r';
                    continue;
                case '\t':
                    buffer[length++] = '\\';
                    buffer[length++] = 't';
                    continue;
                case ' ' or ',':
                    buffer[length++] = '\\';
                    break;
                case '=' when escapeEquals:
                    buffer[length++] = '\\';
                    break;
            }

            buffer[length++] = c;
        }

        _length = length;
    }

    private void WriteQuoted(string value)
    {
        EnsureRoom(value.Length * 2 + 2);
        var buffer = _buffer;
        var length = _length;
        buffer[length++] = '"';
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                buffer[length++] = '\\';
            }

            buffer[length++] = c;
        }

        buffer[length++] = '"';
        _length = length;
    }

    private void WriteFormatted<T>(T value)
        where T : ISpanFormattable
    {
        // 32 characters hold any long and the shortest round-trip form of any double ("-1.7976931348623157E+308").
        EnsureRoom(32);
        value.TryFormat(_buffer.AsSpan(_length), out var written, default, CultureInfo.InvariantCulture);
        _length += written;
    }

    private void Append(char c)
    {
        EnsureRoom(1);
        _buffer[_length++] = c;
    }

    private void Append(string text)
    {
        EnsureRoom(text.Length);
        text.CopyTo(_buffer.AsSpan(_length));
        _length += text.Length;
    }

    private void EnsureRoom(int more)
    {
        if (_length + more > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
        }
    }
}
