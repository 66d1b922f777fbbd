using System.Collections.Concurrent;

namespace Gateway.Connectors.OpcUa;

/// <summary>
/// The cap on concurrent sessions per server (`maxSessions`, default 1), across every source of this gateway process
/// that names the same endpoint. A connector takes a slot before it creates a session and gives it back only after the
/// session is closed or its connection is gone, so a reconnect never opens a second session next to the old one.
/// PLCs often allow only a handful of sessions; a reconnect storm must not use them up.
/// </summary>
public static class SessionSlots
{
    private static readonly ConcurrentDictionary<string, EndpointSlots> ByEndpoint = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Waits for a free slot on <paramref name="endpoint"/>; dispose the result to give it back.</summary>
    public static Task<IDisposable> AcquireAsync(string endpoint, int maxSessions, CancellationToken cancellationToken) =>
        ByEndpoint.GetOrAdd(KeyOf(endpoint), _ => new EndpointSlots()).AcquireAsync(Math.Max(1, maxSessions), cancellationToken);

    /// <summary>Sessions this process holds on <paramref name="endpoint"/> right now.</summary>
    public static int InUse(string endpoint) => ByEndpoint.TryGetValue(KeyOf(endpoint), out var slots) ? slots.InUse : 0;

    // opc.tcp://Host:4840/path and opc.tcp://host:4840 are the same server.
    private static string KeyOf(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) ? $"{uri.Host}:{(uri.Port < 0 ? 4840 : uri.Port)}" : endpoint;

    private sealed class EndpointSlots
    {
        private readonly Lock _lock = new();
        private readonly LinkedList<(int Max, TaskCompletionSource<IDisposable> Waiter)> _waiters = new();
        private int _inUse;

        public int InUse
        {
            get
            {
                lock (_lock)
                {
                    return _inUse;
                }
            }
        }

        public Task<IDisposable> AcquireAsync(int max, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                if (_inUse < max && _waiters.Count == 0)
                {
                    _inUse++;
                    return Task.FromResult<IDisposable>(new Slot(this));
                }

                var waiter = new TaskCompletionSource<IDisposable>(TaskCreationOptions.RunContinuationsAsynchronously);
                var node = _waiters.AddLast((max, waiter));
                var registration = cancellationToken.Register(() =>
                {
                    lock (_lock)
                    {
                        if (node.List is not null)
                        {
                            _waiters.Remove(node);
                        }
                    }

                    waiter.TrySetCanceled(cancellationToken);
                });
                _ = waiter.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return waiter.Task;
            }
        }

        private void Release()
        {
            lock (_lock)
            {
                _inUse--;
                // First come, first served: the longest waiter gets the slot when its own cap allows.
                while (_waiters.First is { } first && _inUse < first.Value.Max)
                {
                    _waiters.RemoveFirst();
                    if (first.Value.Waiter.TrySetResult(new Slot(this)))
                    {
                        _inUse++;
                    }
                }
            }
        }

        private sealed class Slot(EndpointSlots owner) : IDisposable
        {
            private int _released;

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _released, 1) == 0)
                {
                    owner.Release();
                }
            }
        }
    }
}
