using Gateway.OpcUa.Server.Subscriptions;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.Sessions;

/// <summary>Where a response goes: the secure channel a request came in on.</summary>
public interface IResponseChannel
{
    uint ChannelId { get; }

    bool IsOpen { get; }

    /// <summary>Queues a response; never blocks on the socket.</summary>
    void Send(uint requestId, IServiceMessage response);
}

/// <summary>A Publish request the server holds until a subscription has something to send (Part 4, 5.13.5).</summary>
internal readonly record struct ParkedPublish(IResponseChannel Channel, uint RequestId, uint RequestHandle, long DeadlineTicks, StatusCode[] AckResults);

/// <summary>A continuation point of Browse: the references of one node not yet returned (Part 4, 7.9).</summary>
internal sealed record BrowseContinuation(ReferenceDescription[] References, int Next, uint MaxPerNode);

/// <summary>A session (Part 4, 5.6): its identity, its subscriptions, its parked Publish requests and continuation points.</summary>
public sealed class ServerSession
{
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, Subscription> _subscriptions = [];
    private readonly Queue<ParkedPublish> _parked = new();
    private readonly Dictionary<string, BrowseContinuation> _continuations = new(StringComparer.Ordinal);
    private long _lastActivityTicks = DateTime.UtcNow.Ticks;
    private int _continuationCounter;

    internal ServerSession(NodeId sessionId, NodeId authenticationToken, string name, double timeoutMs, IResponseChannel channel)
    {
        SessionId = sessionId;
        AuthenticationToken = authenticationToken;
        Name = name;
        TimeoutMs = timeoutMs;
        Channel = channel;
    }

    public NodeId SessionId { get; }

    public NodeId AuthenticationToken { get; }

    public string Name { get; }

    public double TimeoutMs { get; }

    public bool IsActivated { get; internal set; }

    /// <summary>The user of ActivateSession; null for anonymous.</summary>
    public string? UserName { get; internal set; }

    public IResponseChannel Channel { get; internal set; }

    public bool IsClosed { get; private set; }

    internal Lock Gate => _gate;

    internal void Touch() => Volatile.Write(ref _lastActivityTicks, DateTime.UtcNow.Ticks);

    internal bool HasTimedOut(long nowTicks) =>
        nowTicks - Volatile.Read(ref _lastActivityTicks) > (long)(TimeoutMs * TimeSpan.TicksPerMillisecond);

    /// <summary>When the session times out unless a request comes first (UTC ticks; the publish engine wakes then).</summary>
    internal long TimeoutDueTicks => Volatile.Read(ref _lastActivityTicks) + (long)(TimeoutMs * TimeSpan.TicksPerMillisecond) + 1;

    /// <summary>The earliest TimeoutHint deadline of the parked Publish requests (UTC ticks), long.MaxValue for none.</summary>
    internal long EarliestParkedDeadlineTicks
    {
        get
        {
            lock (_gate)
            {
                var earliest = long.MaxValue;
                foreach (var parked in _parked)
                {
                    if (parked.DeadlineTicks > 0)
                    {
                        earliest = Math.Min(earliest, parked.DeadlineTicks + 1);
                    }
                }

                return earliest;
            }
        }
    }

    public IReadOnlyList<Subscription> Subscriptions
    {
        get
        {
            lock (_gate)
            {
                return [.. _subscriptions.Values];
            }
        }
    }

    private long _turns;

    /// <summary>The next number of the turns its subscriptions take at its Publish requests (<see cref="ServiceDispatcher.InTurn"/>).</summary>
    internal long NextTurn() => Interlocked.Increment(ref _turns);

    internal bool HasParkedPublish
    {
        get
        {
            lock (_gate)
            {
                return _parked.Count > 0;
            }
        }
    }

    internal void AddSubscription(Subscription subscription)
    {
        lock (_gate)
        {
            _subscriptions[subscription.Id] = subscription;
        }
    }

    internal Subscription? FindSubscription(uint id)
    {
        lock (_gate)
        {
            return _subscriptions.GetValueOrDefault(id);
        }
    }

    internal bool RemoveSubscription(uint id)
    {
        lock (_gate)
        {
            return _subscriptions.Remove(id);
        }
    }

    internal int SubscriptionCount
    {
        get
        {
            lock (_gate)
            {
                return _subscriptions.Count;
            }
        }
    }

    /// <summary>Parks a Publish request; returns the one pushed out when too many are parked.</summary>
    internal ParkedPublish? Park(ParkedPublish publish, int max)
    {
        lock (_gate)
        {
            _parked.Enqueue(publish);
            return _parked.Count > max ? _parked.Dequeue() : null;
        }
    }

    internal bool TryTakeParked(out ParkedPublish publish)
    {
        lock (_gate)
        {
            while (_parked.TryDequeue(out publish))
            {
                if (publish.Channel.IsOpen)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Parked requests whose TimeoutHint passed, or all of them when <paramref name="all"/>.</summary>
    internal List<ParkedPublish> TakeExpiredParked(long nowTicks, bool all)
    {
        lock (_gate)
        {
            var expired = new List<ParkedPublish>();
            var count = _parked.Count;
            for (var i = 0; i < count; i++)
            {
                var p = _parked.Dequeue();
                if (all || (p.DeadlineTicks > 0 && p.DeadlineTicks < nowTicks) || !p.Channel.IsOpen)
                {
                    expired.Add(p);
                }
                else
                {
                    _parked.Enqueue(p);
                }
            }

            return expired;
        }
    }

    internal byte[]? SaveContinuation(BrowseContinuation continuation, uint max)
    {
        lock (_gate)
        {
            if (_continuations.Count >= max)
            {
                return null;
            }

            var id = BitConverter.GetBytes(++_continuationCounter).Concat(Guid.NewGuid().ToByteArray()[..4]).ToArray();
            _continuations[Convert.ToHexString(id)] = continuation;
            return id;
        }
    }

    internal BrowseContinuation? TakeContinuation(byte[]? id)
    {
        if (id is null)
        {
            return null;
        }

        lock (_gate)
        {
            return _continuations.Remove(Convert.ToHexString(id), out var continuation) ? continuation : null;
        }
    }

    internal IReadOnlyList<Subscription> Close()
    {
        lock (_gate)
        {
            IsClosed = true;
            var subscriptions = _subscriptions.Values.ToList();
            _subscriptions.Clear();
            _continuations.Clear();
            return subscriptions;
        }
    }
}
