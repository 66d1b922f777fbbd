using System.Globalization;
using System.Text;

namespace Gateway.Dashboards.Tests;

/// <summary>The kinds of point in the <c>gateway</c> measurement (docs/monitoring.md), told apart by their tags.</summary>
public enum HealthPointKind
{
    /// <summary>Tags gateway + labels only: the whole process.</summary>
    Gateway,

    /// <summary>Plus <c>source</c>.</summary>
    Source,

    /// <summary>Plus <c>source</c> and <c>machine</c>.</summary>
    Machine,

    /// <summary>Plus <c>sink</c>.</summary>
    Sink,

    /// <summary>Plus <c>sink</c> and <c>cause</c>.</summary>
    PublishError,
}

public enum FieldType
{
    Integer,
    Float,
}

/// <summary>
/// InfluxDB line protocol in exactly the shapes docs/monitoring.md documents: reading points as the InfluxDB sink
/// writes them (docs/influxdb.md) and the gateway's own <c>gateway</c> measurement. The test writes these; the
/// gateway's writers are tested against the same documentation by their owners, and the end-to-end run with the
/// simulator is the lead's integration test.
/// </summary>
public static class DocumentedPoints
{
    /// <summary>Every field of the <c>gateway</c> measurement, the point it is on and its line-protocol type.</summary>
    public static readonly IReadOnlyList<(HealthPointKind Point, string Field, FieldType Type)> GatewayFields =
    [
        (HealthPointKind.Gateway, "buffer_bytes", FieldType.Integer),
        (HealthPointKind.Gateway, "buffer_corrupt", FieldType.Integer),
        (HealthPointKind.Source, "readings_in", FieldType.Integer),
        (HealthPointKind.Source, "source_connected", FieldType.Integer),
        (HealthPointKind.Source, "reconnects", FieldType.Integer),
        (HealthPointKind.Machine, "readings_in", FieldType.Integer),
        (HealthPointKind.Machine, "last_reading_age_s", FieldType.Float),
        (HealthPointKind.Sink, "readings_out", FieldType.Integer),
        (HealthPointKind.Sink, "buffer_pending", FieldType.Integer),
        (HealthPointKind.Sink, "buffer_oldest_age_s", FieldType.Float),
        (HealthPointKind.Sink, "dropped", FieldType.Integer),
        (HealthPointKind.Sink, "sink_connected", FieldType.Integer),
        (HealthPointKind.Sink, "reconnects", FieldType.Integer),
        (HealthPointKind.Sink, "sink_dead_lettered", FieldType.Integer),
        (HealthPointKind.Sink, "sink_messages_published", FieldType.Integer),
        (HealthPointKind.Sink, "sink_points_written", FieldType.Integer),
        (HealthPointKind.Sink, "sink_writes", FieldType.Integer),
        (HealthPointKind.Sink, "sink_failed_writes", FieldType.Integer),
        (HealthPointKind.Sink, "sink_throttled", FieldType.Integer),
        (HealthPointKind.Sink, "sink_splits_for_size", FieldType.Integer),
        (HealthPointKind.Sink, "sink_not_good_written", FieldType.Integer),
        (HealthPointKind.Sink, "sink_not_good_dropped", FieldType.Integer),
        (HealthPointKind.Sink, "sink_null_values_skipped", FieldType.Integer),
        (HealthPointKind.PublishError, "publish_errors", FieldType.Integer),
    ];

    /// <summary>
    /// One reading as the InfluxDB sink writes it: measurement, the labels (site, line, ...), machine, gateway and
    /// quality (non-Good only) as tags in key order, one field named after the tag, time in ms.
    /// </summary>
    public static string Reading(
        string measurement, IReadOnlyDictionary<string, string> labels, string machine, string gateway, string field, object value, DateTime time,
        string? quality = null)
    {
        var tags = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["machine"] = machine, ["gateway"] = gateway };
        foreach (var (key, labelValue) in labels)
        {
            tags[key] = labelValue;
        }

        if (quality is not null)
        {
            tags["quality"] = quality;
        }

        return Line(measurement, tags, [(field, FieldValue(value))], time);
    }

    /// <summary>
    /// One point of the <c>gateway</c> measurement: tags gateway, the gateway's labels and the kind's own tags;
    /// fields checked against <see cref="GatewayFields"/> for name and type.
    /// </summary>
    public static string Health(
        HealthPointKind kind, string gateway, IReadOnlyDictionary<string, string> labels, DateTime time,
        IReadOnlyList<(string Field, object Value)> fields, string? source = null, string? machine = null, string? sink = null, string? cause = null)
    {
        var tags = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["gateway"] = gateway };
        foreach (var (key, value) in labels)
        {
            tags[key] = value;
        }

        void Need(string key, string? value, bool wanted)
        {
            if (wanted != (value is not null))
            {
                throw new ArgumentException($"a {kind} point {(wanted ? "needs" : "has no")} the '{key}' tag (docs/monitoring.md).");
            }

            if (value is not null)
            {
                tags[key] = value;
            }
        }

        Need("source", source, kind is HealthPointKind.Source or HealthPointKind.Machine);
        Need("machine", machine, kind is HealthPointKind.Machine);
        Need("sink", sink, kind is HealthPointKind.Sink or HealthPointKind.PublishError);
        Need("cause", cause, kind is HealthPointKind.PublishError);

        var encoded = new List<(string, string)>();
        foreach (var (field, value) in fields)
        {
            var schema = GatewayFields.Where(f => f.Point == kind && f.Field == field).ToList();
            if (schema.Count == 0)
            {
                throw new ArgumentException($"'{field}' is not a field of a {kind} point in docs/monitoring.md.");
            }

            var type = value is double ? FieldType.Float : FieldType.Integer;
            if (schema[0].Type != type)
            {
                throw new ArgumentException($"'{field}' is documented as {schema[0].Type}, written as {type}.");
            }

            encoded.Add((field, FieldValue(value)));
        }

        return Line("gateway", tags, encoded, time);
    }

    private static string Line(string measurement, IEnumerable<KeyValuePair<string, string>> tags, IEnumerable<(string Key, string Value)> fields, DateTime time)
    {
        var line = new StringBuilder(Escape(measurement, ", "));
        foreach (var (key, value) in tags)
        {
            line.Append(',').Append(Escape(key, ",= ")).Append('=').Append(Escape(value, ",= "));
        }

        line.Append(' ').AppendJoin(',', fields.Select(f => Escape(f.Key, ",= ") + "=" + f.Value));
        var ms = (long)(time.ToUniversalTime() - DateTime.UnixEpoch).TotalMilliseconds;
        return line.Append(' ').Append(ms.ToString(CultureInfo.InvariantCulture)).ToString();
    }

    private static string FieldValue(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture) + "i",
        int i => i.ToString(CultureInfo.InvariantCulture) + "i",
        bool b => b ? "true" : "false",
        string s => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
        _ => throw new ArgumentException($"no line-protocol field type for {value.GetType().Name}"),
    };

    // Line protocol: measurement escapes comma and space; tag keys/values and field keys also '='.
    private static string Escape(string text, string special)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (special.Contains(c, StringComparison.Ordinal))
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }
}
