namespace Gateway.Core;

/// <summary>
/// One value that flows through the gateway: born in a connector, changed by normalization,
/// stored in the buffer (which assigns <see cref="Sequence"/>), and sent by the sinks.
/// </summary>
public sealed record Reading
{
    /// <summary>The configured source (one OPC UA server connection).</summary>
    public required string Source { get; init; }

    /// <summary>The machine the tag belongs to.</summary>
    public required string Machine { get; init; }

    /// <summary>The clean tag name (after renaming).</summary>
    public required string Tag { get; init; }

    /// <summary>The tag group's measurement (InfluxDB measurement); defaults to the source name.</summary>
    public string? Measurement { get; init; }

    public ReadingValue Value { get; init; }

    /// <summary>The OPC UA status code as received (0 = Good).</summary>
    public uint StatusCode { get; init; }

    public Quality Quality { get; init; }

    /// <summary>Set when the server reported lost values (the Overflow bit of the status), a data gap.</summary>
    public bool DataGap { get; init; }

    /// <summary>Read afterwards from the server's history (OPC UA HistoryRead) to fill a gap, not received live.</summary>
    public bool Backfilled { get; init; }

    public DateTime SourceTimestamp { get; init; }

    public DateTime ServerTimestamp { get; init; }

    /// <summary>When the gateway received the value.</summary>
    public DateTime GatewayTimestamp { get; init; }

    /// <summary>The timestamp chosen by normalization (source, server or gateway); the one sinks publish.</summary>
    public DateTime Timestamp { get; init; }

    /// <summary>The engineering unit, when known.</summary>
    public string? Unit { get; init; }

    /// <summary>The static labels of the machine (site, line, ...).</summary>
    public LabelSet Labels { get; init; } = LabelSet.Empty;

    /// <summary>The gateway-wide sequence number assigned when the buffer committed the reading; 0 before that.</summary>
    public long Sequence { get; init; }

    /// <summary>
    /// A reading of <paramref name="tag"/> from a device whose protocol carries no timestamps (Modbus, MELSEC): the
    /// device's time is when its answer arrived, so every timestamp is <paramref name="received"/>.
    /// </summary>
    public static Reading StampedOnArrival(SourceTag tag, ReadingValue value, uint status, DateTime received) => new()
    {
        Source = tag.Source,
        Machine = tag.Machine,
        Tag = tag.Tag,
        Measurement = tag.Measurement,
        Value = value,
        StatusCode = status,
        Quality = QualityOf.StatusCode(status),
        SourceTimestamp = received,
        ServerTimestamp = received,
        GatewayTimestamp = received,
        Timestamp = received,
        Labels = tag.Labels,
    };
}
