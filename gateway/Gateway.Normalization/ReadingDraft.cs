using Gateway.Configuration;
using Gateway.Core;

namespace Gateway.Normalization;

/// <summary>
/// The fields of a reading that the steps may change, on the stack while the chain runs, so that a reading
/// costs one new <see cref="Reading"/> at the end instead of one per step.
/// </summary>
internal struct ReadingDraft
{
    public ReadingDraft(Reading original, DateTime gatewayTimestamp)
    {
        Original = original;
        Value = original.Value;
        StatusCode = original.StatusCode;
        // The connector may leave Quality at its default (Good); the status code's severity is authoritative
        // unless the connector chose a worse quality itself.
        var fromStatus = QualityOf.StatusCode(original.StatusCode);
        Quality = original.Quality > fromStatus ? original.Quality : fromStatus;
        GatewayTimestamp = gatewayTimestamp;
        Timestamp = original.SourceTimestamp;
        Unit = original.Unit;
    }

    /// <summary>The reading as the connector wrote it.</summary>
    public Reading Original { get; }

    /// <summary>When the gateway received the value (the connector's stamp, else the pipeline's clock).</summary>
    public DateTime GatewayTimestamp { get; }

    public ReadingValue Value;

    public uint StatusCode;

    public Quality Quality;

    public DateTime Timestamp;

    public string? Unit;

    /// <summary>
    /// The normalized reading. When the steps changed nothing (the common case: the connector stamped the reading
    /// completely and the tag has no value rules) it is <see cref="Original"/> itself, which saves a copy per reading.
    /// </summary>
    public readonly Reading ToReading(ResolvedTag? tag)
    {
        var measurement = Original.Measurement ?? tag?.Measurement;
        var labels = Original.Labels.Count == 0 && tag is not null ? tag.Labels : Original.Labels;
        if (StatusCode == Original.StatusCode
            && Quality == Original.Quality
            && SameInstant(Timestamp, Original.Timestamp)
            && SameInstant(GatewayTimestamp, Original.GatewayTimestamp)
            && string.Equals(Unit, Original.Unit, StringComparison.Ordinal)
            && string.Equals(measurement, Original.Measurement, StringComparison.Ordinal)
            && ReferenceEquals(labels, Original.Labels)
            && SameValue(Value, Original.Value))
        {
            return Original;
        }

        return Original with
        {
            Value = Value,
            StatusCode = StatusCode,
            Quality = Quality,
            Timestamp = Timestamp,
            GatewayTimestamp = GatewayTimestamp,
            Unit = Unit,
            Measurement = measurement,
            Labels = labels,
        };
    }

    // DateTime's == ignores the kind, which the buffer stores: both must match for the copy to be skipped.
    private static bool SameInstant(DateTime a, DateTime b) => a.Ticks == b.Ticks && a.Kind == b.Kind;

    /// <summary>
    /// The same value to the bit (a scaled -0.0 is not 0.0 on the wire) or the same instance: stricter than
    /// <see cref="ReadingValue.Equals(ReadingValue)"/>, so an unchanged reading is never mistaken for a changed one's.
    /// </summary>
    private static bool SameValue(ReadingValue a, ReadingValue b)
    {
        if (a.Kind != b.Kind)
        {
            return false;
        }

        return a.Kind switch
        {
            ValueKind.Null => true,
            ValueKind.Double => BitConverter.DoubleToInt64Bits(a.AsDouble()) == BitConverter.DoubleToInt64Bits(b.AsDouble()),
            ValueKind.Int64 => a.AsInt64() == b.AsInt64(),
            ValueKind.Boolean => a.AsBoolean() == b.AsBoolean(),
            ValueKind.String => ReferenceEquals(a.AsString(), b.AsString()),
            ValueKind.Json => ReferenceEquals(a.AsJson(), b.AsJson()),
            ValueKind.DoubleArray => ReferenceEquals(a.AsDoubleArray(), b.AsDoubleArray()),
            ValueKind.Int64Array => ReferenceEquals(a.AsInt64Array(), b.AsInt64Array()),
            ValueKind.BooleanArray => ReferenceEquals(a.AsBooleanArray(), b.AsBooleanArray()),
            ValueKind.StringArray => ReferenceEquals(a.AsStringArray(), b.AsStringArray()),
            _ => false,
        };
    }
}
