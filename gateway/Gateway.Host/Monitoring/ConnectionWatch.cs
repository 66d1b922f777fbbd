using System.Collections.Concurrent;
using Gateway.Core;
using Gateway.Host.Service;

namespace Gateway.Host.Monitoring;

/// <summary>
/// Counts reconnects of every source and sink: each time one comes back to Connected after having been connected and
/// lost. Connectors own their reconnects and report only a state, so the count comes from watching that state; the
/// health reporter samples it every second, which catches every outage longer than that.
/// </summary>
public sealed class ConnectionWatch
{
    private readonly ConcurrentDictionary<string, Watched> _watched = new(StringComparer.Ordinal);

    public long SourceReconnects(string source) => _watched.TryGetValue("source/" + source, out var w) ? w.Reconnects : 0;

    public long SinkReconnects(string sink) => _watched.TryGetValue("sink/" + sink, out var w) ? w.Reconnects : 0;

    /// <summary>Looks at the state of every source and sink of the running data path.</summary>
    public void Observe(GatewayRuntime runtime)
    {
        foreach (var source in runtime.Sources)
        {
            Observe("source/" + source.Config.Name, source.State);
        }

        foreach (var sink in runtime.Sinks)
        {
            Observe("sink/" + sink.Config.Name, sink.Sink.State);
        }
    }

    internal void Observe(string key, ConnectionState state) => _watched.GetOrAdd(key, static _ => new Watched()).Observe(state);

    private sealed class Watched
    {
        private readonly Lock _lock = new();
        private bool _everConnected;
        private bool _connected;
        private long _reconnects;

        public long Reconnects => Interlocked.Read(ref _reconnects);

        public void Observe(ConnectionState state)
        {
            lock (_lock)
            {
                var connected = state == ConnectionState.Connected;
                if (connected && !_connected && _everConnected)
                {
                    Interlocked.Increment(ref _reconnects);
                }

                _everConnected |= connected;
                _connected = connected;
            }
        }
    }
}
