namespace Gateway.Core;

/// <summary>
/// A destination for readings (MQTT, InfluxDB, ...). The buffer drives every sink through its own durable
/// cursor: it hands the sink a batch and moves the cursor only when <see cref="DeliverAsync"/> completes.
/// </summary>
public interface ISink : IAsyncDisposable, IReportsHealth
{
    string Name { get; }

    ConnectionState State { get; }

    /// <summary>Connects (or starts an embedded server). Failure here is not fatal: delivery retries.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Delivers a batch. Completes only when the destination acknowledged every reading in it (or the sink
    /// put a reading the destination refused for good into its dead-letter file). Throws to have the
    /// whole batch retried later; the sink must tolerate receiving a batch again (at-least-once).
    /// </summary>
    Task DeliverAsync(IReadOnlyList<Reading> batch, CancellationToken cancellationToken);

    /// <summary>
    /// True when the sink logs the start and end of its own outages (with causes only it can word, such as a refused
    /// password); the delivery loop then keeps its own start line at Debug so an outage is not announced twice.
    /// </summary>
    bool ReportsOwnOutages => false;

    /// <summary>
    /// True when the sink keeps a replayed backlog apart from fresh readings (<see cref="IReplayedBacklog"/>): the buffer
    /// then lets a tag's fresh readings overtake that tag's own backlog during a catch-up. False (the default): every
    /// tag's readings reach the sink in sequence order, and fresh ones wait behind their tag's backlog.
    /// </summary>
    bool ReplaysBacklog => false;

    /// <summary>Graceful stop: flush in-flight work, say goodbye (status topic), close connections.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
