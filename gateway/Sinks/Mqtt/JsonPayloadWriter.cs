using System.Text.Encodings.Web;
using System.Text.Json;

using Gateway.Core;

namespace Gateway.Sinks.Mqtt;

/// <summary>
/// Writes the MQTT payloads with <see cref="Utf8JsonWriter"/> straight into a pooled buffer. The exact shapes are in
/// docs/mqtt.md and config/schema/mqtt-json.schema.json / mqtt-json-batch.schema.json.
/// </summary>
public sealed class JsonPayloadWriter : IDisposable
{
    private static readonly JsonEncodedText ValueName = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText QualityName = JsonEncodedText.Encode("quality");
    private static readonly JsonEncodedText StatusName = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText TimestampName = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText UnitName = JsonEncodedText.Encode("unit");
    private static readonly JsonEncodedText GapName = JsonEncodedText.Encode("gap");
    private static readonly JsonEncodedText BackfilledName = JsonEncodedText.Encode("backfilled");
    private static readonly JsonEncodedText SeqName = JsonEncodedText.Encode("seq");
    private static readonly JsonEncodedText TagName = JsonEncodedText.Encode("tag");
    private static readonly JsonEncodedText ReadingsName = JsonEncodedText.Encode("readings");
    private static readonly JsonEncodedText[] QualityText =
    [
        JsonEncodedText.Encode(nameof(Quality.Good)),
        JsonEncodedText.Encode(nameof(Quality.Uncertain)),
        JsonEncodedText.Encode(nameof(Quality.Bad)),
    ];

    // Payloads go to machines, not browsers: keep units like "°C" readable instead of \u00B0C.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private readonly Utf8JsonWriter _writer;

    public JsonPayloadWriter(PooledBufferWriter buffer)
    {
        Buffer = buffer;
        _writer = new Utf8JsonWriter(buffer, WriterOptions);
    }

    public PooledBufferWriter Buffer { get; }

    /// <summary>Writes one `json` message; returns where it lies in <see cref="Buffer"/>.</summary>
    public (int Start, int Length) WriteReading(Reading reading)
    {
        var start = Buffer.WrittenCount;
        _writer.Reset(Buffer);
        _writer.WriteStartObject();
        WriteReadingFields(_writer, reading, withTag: false);
        _writer.WriteEndObject();
        _writer.Flush();
        return (start, Buffer.WrittenCount - start);
    }

    /// <summary>Writes one `json-batch` message with the readings at <paramref name="indexes"/>.</summary>
    public (int Start, int Length) WriteBatch(IReadOnlyList<Reading> readings, ReadOnlySpan<int> indexes, DateTime now)
    {
        var start = Buffer.WrittenCount;
        _writer.Reset(Buffer);
        _writer.WriteStartObject();
        WriteTimestamp(_writer, TimestampName, now);
        _writer.WriteStartArray(ReadingsName);
        foreach (var index in indexes)
        {
            _writer.WriteStartObject();
            WriteReadingFields(_writer, readings[index], withTag: true);
            _writer.WriteEndObject();
        }

        _writer.WriteEndArray();
        _writer.WriteEndObject();
        _writer.Flush();
        return (start, Buffer.WrittenCount - start);
    }

    /// <summary>The retained status message: online on connect, offline as Last Will and on a graceful stop.</summary>
    public static byte[] StatusMessage(bool online, string gateway, string sink, string version, DateTime startedAt, DateTime now)
    {
        using var buffer = new PooledBufferWriter(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("status", online ? "online" : "offline");
            writer.WriteString("gateway", gateway);
            writer.WriteString("sink", sink);
            writer.WriteString("version", version);
            WriteTimestamp(writer, JsonEncodedText.Encode("startedAt"), startedAt);
            WriteTimestamp(writer, TimestampName, now);
            writer.WriteEndObject();
        }

        return buffer.WrittenMemory.ToArray();
    }

    public void Dispose() => _writer.Dispose();

    private static void WriteReadingFields(Utf8JsonWriter writer, Reading reading, bool withTag)
    {
        if (withTag)
        {
            writer.WriteString(TagName, reading.Tag);
        }

        writer.WritePropertyName(ValueName);
        WriteValue(writer, reading.Value);
        writer.WriteString(QualityName, QualityText[Math.Min((int)reading.Quality, QualityText.Length - 1)]);
        writer.WriteNumber(StatusName, reading.StatusCode);
        WriteTimestamp(writer, TimestampName, reading.Timestamp);
        if (!string.IsNullOrEmpty(reading.Unit))
        {
            writer.WriteString(UnitName, reading.Unit);
        }

        if (reading.DataGap)
        {
            writer.WriteBoolean(GapName, true);
        }

        if (reading.Backfilled)
        {
            writer.WriteBoolean(BackfilledName, true);
        }

        writer.WriteNumber(SeqName, reading.Sequence);
    }

    private static void WriteValue(Utf8JsonWriter writer, ReadingValue value)
    {
        switch (value.Kind)
        {
            case ValueKind.Double:
                WriteDouble(writer, value.AsDouble());
                break;
            case ValueKind.Int64:
                writer.WriteNumberValue(value.AsInt64());
                break;
            case ValueKind.Boolean:
                writer.WriteBooleanValue(value.AsBoolean());
                break;
            case ValueKind.String:
                writer.WriteStringValue(value.AsString());
                break;

            // Checked well-formed when the value was made (ReadingValue.FromJson): embedded as JSON, not as a string.
            case ValueKind.Json:
                writer.WriteRawValue(value.AsJson(), skipInputValidation: true);
                break;
            case ValueKind.DoubleArray:
                writer.WriteStartArray();
                foreach (var item in value.AsDoubleArray())
                {
                    WriteDouble(writer, item);
                }

                writer.WriteEndArray();
                break;
            case ValueKind.Int64Array:
                writer.WriteStartArray();
                foreach (var item in value.AsInt64Array())
                {
                    writer.WriteNumberValue(item);
                }

                writer.WriteEndArray();
                break;
            case ValueKind.BooleanArray:
                writer.WriteStartArray();
                foreach (var item in value.AsBooleanArray())
                {
                    writer.WriteBooleanValue(item);
                }

                writer.WriteEndArray();
                break;
            case ValueKind.StringArray:
                writer.WriteStartArray();
                foreach (var item in value.AsStringArray())
                {
                    writer.WriteStringValue(item);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    // JSON (RFC 8259, section 6) has no NaN or Infinity: such a value is sent as null, its quality unchanged.
    private static void WriteDouble(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    /// <summary>ISO 8601 in UTC with milliseconds, e.g. 2026-11-25T03:00:00.123Z. An unspecified kind is taken as UTC.</summary>
    private static void WriteTimestamp(Utf8JsonWriter writer, JsonEncodedText name, DateTime timestamp)
    {
        var utc = timestamp.Kind == DateTimeKind.Local ? timestamp.ToUniversalTime() : timestamp;
        Span<byte> text = stackalloc byte[Iso8601Milliseconds.Length];
        Iso8601Milliseconds.Format(utc, text);
        writer.WriteString(name, text);
    }
}
