using Gateway.Core;

using InfluxDB.Client.Api.Domain;

namespace Gateway.Sinks.InfluxDb;

/// <summary>The InfluxDB type of a field, named as the servers name it in type-conflict messages.</summary>
public enum InfluxFieldType
{
    Float,
    Integer,
    Boolean,
    String,
}

/// <summary>
/// One reading as one line of line protocol, with what the sink needs to match it against a server's
/// rejection message (measurement, field name and type) and to dead-letter it (the reading).
/// </summary>
/// <param name="Reading">The reading the line was made from.</param>
/// <param name="Text">The line protocol, made by <see cref="LineProtocolWriter"/>.</param>
/// <param name="Measurement">The measurement, unescaped.</param>
/// <param name="Field">The field name (for arrays, the base of the indexed names <c>Field_0</c>, <c>Field_1</c>...).</param>
/// <param name="ArrayLength">The number of indexed fields, or -1 for a scalar.</param>
/// <param name="Type">The type of the field(s).</param>
public sealed record InfluxLine(Reading Reading, string Text, string Measurement, string Field, int ArrayLength, InfluxFieldType Type)
{
    /// <summary>Whether this line writes a field of this name and type.</summary>
    public bool Writes(string field, InfluxFieldType type)
    {
        if (type != Type)
        {
            return false;
        }

        if (ArrayLength < 0)
        {
            return string.Equals(field, Field, StringComparison.Ordinal);
        }

        return field.Length > Field.Length + 1
            && field.StartsWith(Field, StringComparison.Ordinal)
            && field[Field.Length] == '_'
            && int.TryParse(field.AsSpan(Field.Length + 1), out var index)
            && index >= 0 && index < ArrayLength;
    }
}

/// <summary>Why a reading produced no line.</summary>
public enum SkipReason
{
    None,

    /// <summary>Quality not Good and <c>badQuality: drop</c>.</summary>
    BadQualityDropped,

    /// <summary>The reading has no value (typically a Bad reading from a disconnected device).</summary>
    NullValue,

    /// <summary>Only NaN or infinite numbers, which InfluxDB cannot store.</summary>
    NotFinite,
}

/// <summary>
/// The mapping from a reading to a point: measurement = the reading's measurement (or the configured one),
/// tags = gateway, machine, every label and (when not Good) quality, field = the tag name with the value
/// (arrays as indexed fields), time = the reading's timestamp truncated to the configured precision.
/// </summary>
public sealed class PointMapping
{
    private static readonly long UnixEpochTicks = DateTime.UnixEpoch.Ticks;

    // One writer per thread: the sink maps the slices of a batch in parallel.
    [ThreadStatic]
    private static LineProtocolWriter? _threadWriter;

    private readonly InfluxDbSinkOptions _options;
    private readonly string _gatewayName;

    public PointMapping(InfluxDbSinkOptions options, string gatewayName)
    {
        _options = options;
        _gatewayName = gatewayName;
        Precision = options.Precision switch
        {
            InfluxPrecision.S => WritePrecision.S,
            InfluxPrecision.Us => WritePrecision.Us,
            InfluxPrecision.Ns => WritePrecision.Ns,
            _ => WritePrecision.Ms,
        };
    }

    public WritePrecision Precision { get; }

    private static LineProtocolWriter ThreadWriter => _threadWriter ??= new LineProtocolWriter();

    /// <summary>Maps one reading; null (with the reason) when the reading is not written.</summary>
    public InfluxLine? Map(Reading reading, out SkipReason skipped)
    {
        skipped = SkipReason.None;
        if (reading.Quality != Quality.Good && _options.BadQuality == BadQualityHandling.Drop)
        {
            skipped = SkipReason.BadQualityDropped;
            return null;
        }

        if (reading.Value.IsNull)
        {
            skipped = SkipReason.NullValue;
            return null;
        }

        var measurement = string.IsNullOrEmpty(_options.Measurement)
            ? reading.Measurement ?? reading.Source
            : _options.Measurement;
        var writer = ThreadWriter;
        writer.Start(measurement);
        AddTags(writer, reading);
        var (arrayLength, type) = AddFields(writer, reading.Tag, reading.Value);

        // NaN and infinite doubles are left out (the line protocol cannot carry them); nothing left means no line.
        if (!writer.End(Timestamp(reading)))
        {
            skipped = SkipReason.NotFinite;
            return null;
        }

        return new InfluxLine(reading, writer.ToString(), measurement, reading.Tag, arrayLength, type);
    }

    /// <summary>
    /// One health point of the gateway (docs/monitoring.md) as one line of the health measurement: the point's tags, the
    /// gateway tag, every field (integers stay integers: they are counters, and their type is fixed in the docs).
    /// </summary>
    public InfluxLine MapHealth(HealthPoint point)
    {
        var measurement = _options.HealthMeasurement;
        var writer = ThreadWriter;
        writer.Start(measurement);
        foreach (var (key, value) in point.Tags)
        {
            writer.Tag(key, value);
        }

        AddTag(writer, _options.GatewayTag, _gatewayName);

        // Fields in key order, a later one of the same name replacing an earlier one (a few per point, every 10 s or so).
        var fields = new SortedDictionary<string, ReadingValue>(StringComparer.Ordinal);
        foreach (var (field, value) in point.Fields)
        {
            fields[field] = value;
        }

        foreach (var (field, value) in fields)
        {
            switch (value.Kind)
            {
                case ValueKind.Int64:
                    writer.Field(field, value.AsInt64());
                    break;
                case ValueKind.Double:
                    writer.Field(field, value.AsDouble());
                    break;
                case ValueKind.Boolean:
                    writer.Field(field, value.AsBoolean());
                    break;
                default:
                    writer.Field(field, value.ToString());
                    break;
            }
        }

        var reading = new Reading
        {
            Source = measurement,
            Machine = "",
            Tag = point.Fields.Count > 0 ? point.Fields[0].Key : measurement,
            Timestamp = point.Timestamp,
            GatewayTimestamp = point.Timestamp,
        };
        var text = writer.End(Timestamp(reading)) ? writer.ToString() : "";
        return new InfluxLine(reading, text, measurement, reading.Tag, -1, InfluxFieldType.Integer);
    }

    /// <summary>The reading's timestamp at the configured precision (UTC; an unspecified kind is taken as UTC).</summary>
    public long Timestamp(Reading reading)
    {
        var time = reading.Timestamp == default ? reading.GatewayTimestamp : reading.Timestamp;
        var ticks = (time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time).Ticks - UnixEpochTicks;
        return Precision switch
        {
            WritePrecision.S => ticks / TimeSpan.TicksPerSecond,
            WritePrecision.Us => ticks / 10,
            WritePrecision.Ns => ticks * 100,
            _ => ticks / TimeSpan.TicksPerMillisecond,
        };
    }

    private void AddTags(LineProtocolWriter writer, Reading reading)
    {
        if (_options.LabelsAsTags)
        {
            var labels = reading.Labels.Pairs;
            for (var i = 0; i < labels.Count; i++)
            {
                writer.Tag(labels[i].Key, labels[i].Value);
            }
        }

        // The gateway's own tags come after the labels so that a label cannot hide them.
        AddTag(writer, _options.SourceTag, reading.Source);
        AddTag(writer, _options.MachineTag, reading.Machine);
        AddTag(writer, _options.GatewayTag, _gatewayName);
        if (reading.Quality != Quality.Good)
        {
            AddTag(writer, _options.QualityTag, reading.Quality == Quality.Bad ? "bad" : "uncertain");
        }
    }

    private static void AddTag(LineProtocolWriter writer, string key, string value)
    {
        if (!string.IsNullOrEmpty(key))
        {
            writer.Tag(key, value);
        }
    }

    private (int ArrayLength, InfluxFieldType Type) AddFields(LineProtocolWriter writer, string field, ReadingValue value)
    {
        switch (value.Kind)
        {
            case ValueKind.Double:
                writer.Field(field, value.AsDouble());
                return (-1, InfluxFieldType.Float);
            case ValueKind.Int64:
                if (_options.IntegersAsFloat)
                {
                    writer.Field(field, (double)value.AsInt64());
                    return (-1, InfluxFieldType.Float);
                }

                writer.Field(field, value.AsInt64());
                return (-1, InfluxFieldType.Integer);
            case ValueKind.Boolean:
                writer.Field(field, value.AsBoolean());
                return (-1, InfluxFieldType.Boolean);
            case ValueKind.String:
                writer.Field(field, value.AsString());
                return (-1, InfluxFieldType.String);

            // A structure or an event's fields: one string field holding the JSON, queryable as text.
            case ValueKind.Json:
                writer.Field(field, value.AsJson());
                return (-1, InfluxFieldType.String);

            // Arrays: indexed fields field_0, field_1... written in the order of their names (field_10 before field_2).
            case ValueKind.DoubleArray:
                var doubles = value.AsDoubleArray();
                for (var i = doubles.Length > 0 ? 0 : -1; i >= 0; i = LineProtocolWriter.NextIndexInNameOrder(i, doubles.Length))
                {
                    writer.IndexedField(field, i, doubles[i]);
                }

                return (doubles.Length, InfluxFieldType.Float);
            case ValueKind.Int64Array:
                var integers = value.AsInt64Array();
                for (var i = integers.Length > 0 ? 0 : -1; i >= 0; i = LineProtocolWriter.NextIndexInNameOrder(i, integers.Length))
                {
                    if (_options.IntegersAsFloat)
                    {
                        writer.IndexedField(field, i, (double)integers[i]);
                    }
                    else
                    {
                        writer.IndexedField(field, i, integers[i]);
                    }
                }

                return (integers.Length, _options.IntegersAsFloat ? InfluxFieldType.Float : InfluxFieldType.Integer);
            case ValueKind.BooleanArray:
                var booleans = value.AsBooleanArray();
                for (var i = booleans.Length > 0 ? 0 : -1; i >= 0; i = LineProtocolWriter.NextIndexInNameOrder(i, booleans.Length))
                {
                    writer.IndexedField(field, i, booleans[i]);
                }

                return (booleans.Length, InfluxFieldType.Boolean);
            case ValueKind.StringArray:
                var strings = value.AsStringArray();
                for (var i = strings.Length > 0 ? 0 : -1; i >= 0; i = LineProtocolWriter.NextIndexInNameOrder(i, strings.Length))
                {
                    writer.IndexedField(field, i, strings[i]);
                }

                return (strings.Length, InfluxFieldType.String);
            default:
                throw new ArgumentOutOfRangeException(nameof(value), value.Kind, "no InfluxDB field type for this value kind");
        }
    }
}
