namespace Gateway.Core;

/// <summary>
/// A device connector: reads a source (one OPC UA server, say) and writes readings until cancelled.
/// It owns its reconnects and must never throw for a device fault: it reports state through
/// <see cref="State"/> and keeps trying.
/// </summary>
public interface ISourceConnector : IAsyncDisposable, IReportsHealth
{
    string Name { get; }

    ConnectionState State { get; }

    Task RunAsync(IReadingWriter output, CancellationToken cancellationToken);
}

public enum ConnectionState
{
    Disconnected = 0,
    Connecting = 1,
    Connected = 2,
    Faulted = 3,
}
