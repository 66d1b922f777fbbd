namespace Gateway.Core;

/// <summary>
/// One point of the gateway's own health (the <c>gateway</c> measurement of docs/monitoring.md): tags that say what it
/// is about (source, machine, sink, cause, and the gateway's labels) and its figures. Integer fields are counters and
/// counts, float fields ages in seconds.
/// </summary>
public sealed record HealthPoint(
    DateTime Timestamp,
    IReadOnlyList<KeyValuePair<string, string>> Tags,
    IReadOnlyList<KeyValuePair<string, ReadingValue>> Fields);

/// <summary>
/// A sink that also stores the gateway's health points next to the readings (the InfluxDB sink does), so that a
/// center running only a time-series database and Grafana sees them without Prometheus. The host hands it the points
/// every <see cref="HealthInterval"/>; they do not go through the durable buffer (they are made from live figures), but
/// the host keeps unsent ones in memory, within a bound, and hands them again after an outage.
/// </summary>
public interface IHealthPointSink
{
    /// <summary>How often the sink wants health points; zero turns them off.</summary>
    TimeSpan HealthInterval { get; }

    /// <summary>Stores the points, or throws to have them handed again later.</summary>
    Task WriteHealthAsync(IReadOnlyList<HealthPoint> points, CancellationToken cancellationToken);
}
