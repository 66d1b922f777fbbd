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

    public readonly Reading ToReading(ResolvedTag? tag) => Original with
    {
        Value = Value,
        StatusCode = StatusCode,
        Quality = Quality,
        Timestamp = Timestamp,
        GatewayTimestamp = GatewayTimestamp,
        Unit = Unit,
        Measurement = Original.Measurement ?? tag?.Measurement,
        Labels = Original.Labels.Count == 0 && tag is not null ? tag.Labels : Original.Labels,
    };
}
