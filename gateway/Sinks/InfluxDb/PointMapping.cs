using Gateway.Core;

using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Writes;

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
/// <param name="Text">The line protocol, made by InfluxDB.Client's <see cref="PointData"/>.</param>
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
        var builder = PointData.Builder.Measurement(measurement);
        AddTags(builder, reading);
        var (arrayLength, type) = AddFields(builder, reading.Tag, reading.Value);
        builder = builder.Timestamp(Timestamp(reading), Precision);

        // PointData leaves out NaN and infinite doubles (the line protocol cannot carry them); nothing left means no line.
        var text = builder.ToPointData().ToLineProtocol();
        if (text.Length == 0)
        {
            skipped = SkipReason.NotFinite;
            return null;
        }

        return new InfluxLine(reading, text, measurement, reading.Tag, arrayLength, type);
    }

    /// <summary>
    /// One health point of the gateway (docs/monitoring.md) as one line of the health measurement: the point's tags, the
    /// gateway tag, every field (integers stay integers: they are counters, and their type is fixed in the docs).
    /// </summary>
    public InfluxLine MapHealth(HealthPoint point)
    {
        var measurement = _options.HealthMeasurement;
        var builder = PointData.Builder.Measurement(measurement);
        foreach (var (key, value) in point.Tags)
        {
            builder.Tag(key, value);
        }

        AddTag(builder, _options.GatewayTag, _gatewayName);
        foreach (var (field, value) in point.Fields)
        {
            _ = value.Kind switch
            {
                ValueKind.Int64 => builder.Field(field, value.AsInt64()),
                ValueKind.Double => builder.Field(field, value.AsDouble()),
                ValueKind.Boolean => builder.Field(field, value.AsBoolean()),
                _ => builder.Field(field, value.ToString()),
            };
        }

        var reading = new Reading
        {
            Source = measurement,
            Machine = "",
            Tag = point.Fields.Count > 0 ? point.Fields[0].Key : measurement,
            Timestamp = point.Timestamp,
            GatewayTimestamp = point.Timestamp,
        };
        builder = builder.Timestamp(Timestamp(reading), Precision);
        return new InfluxLine(reading, builder.ToPointData().ToLineProtocol(), measurement, reading.Tag, -1, InfluxFieldType.Integer);
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

    private void AddTags(PointData.Builder builder, Reading reading)
    {
        if (_options.LabelsAsTags)
        {
            foreach (var label in reading.Labels.Pairs)
            {
                builder.Tag(label.Key, label.Value);
            }
        }

        // The gateway's own tags come after the labels so that a label cannot hide them.
        AddTag(builder, _options.SourceTag, reading.Source);
        AddTag(builder, _options.MachineTag, reading.Machine);
        AddTag(builder, _options.GatewayTag, _gatewayName);
        if (reading.Quality != Quality.Good)
        {
            AddTag(builder, _options.QualityTag, reading.Quality == Quality.Bad ? "bad" : "uncertain");
        }
    }

    private static void AddTag(PointData.Builder builder, string key, string value)
    {
        if (!string.IsNullOrEmpty(key))
        {
            builder.Tag(key, value);
        }
    }

    private (int ArrayLength, InfluxFieldType Type) AddFields(PointData.Builder builder, string field, ReadingValue value)
    {
        switch (value.Kind)
        {
            case ValueKind.Double:
                builder.Field(field, value.AsDouble());
                return (-1, InfluxFieldType.Float);
            case ValueKind.Int64:
                return (-1, AddInteger(builder, field, value.AsInt64()));
            case ValueKind.Boolean:
                builder.Field(field, value.AsBoolean());
                return (-1, InfluxFieldType.Boolean);
            case ValueKind.String:
                builder.Field(field, value.AsString());
                return (-1, InfluxFieldType.String);

            // A structure or an event's fields: one string field holding the JSON, queryable as text.
            case ValueKind.Json:
                builder.Field(field, value.AsJson());
                return (-1, InfluxFieldType.String);
            case ValueKind.DoubleArray:
                var doubles = value.AsDoubleArray();
                for (var i = 0; i < doubles.Length; i++)
                {
                    builder.Field(IndexedName(field, i), doubles[i]);
                }

                return (doubles.Length, InfluxFieldType.Float);
            case ValueKind.Int64Array:
                var integers = value.AsInt64Array();
                var type = _options.IntegersAsFloat ? InfluxFieldType.Float : InfluxFieldType.Integer;
                for (var i = 0; i < integers.Length; i++)
                {
                    AddInteger(builder, IndexedName(field, i), integers[i]);
                }

                return (integers.Length, type);
            case ValueKind.BooleanArray:
                var booleans = value.AsBooleanArray();
                for (var i = 0; i < booleans.Length; i++)
                {
                    builder.Field(IndexedName(field, i), booleans[i]);
                }

                return (booleans.Length, InfluxFieldType.Boolean);
            case ValueKind.StringArray:
                var strings = value.AsStringArray();
                for (var i = 0; i < strings.Length; i++)
                {
                    builder.Field(IndexedName(field, i), strings[i]);
                }

                return (strings.Length, InfluxFieldType.String);
            default:
                throw new ArgumentOutOfRangeException(nameof(value), value.Kind, "no InfluxDB field type for this value kind");
        }
    }

    private InfluxFieldType AddInteger(PointData.Builder builder, string field, long value)
    {
        if (_options.IntegersAsFloat)
        {
            builder.Field(field, (double)value);
            return InfluxFieldType.Float;
        }

        builder.Field(field, value);
        return InfluxFieldType.Integer;
    }

    private static string IndexedName(string field, int index) => field + "_" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
