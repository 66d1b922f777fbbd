using Gateway.OpcUa.Server.Sessions;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.Subscriptions;

/// <summary>What a publishing cycle produced (Part 4, 5.13.1.2 state table, reduced to what the engine acts on).</summary>
public enum CycleOutcome
{
    /// <summary>Not due, or nothing to send yet.</summary>
    Nothing,

    /// <summary>Notifications wait to be sent.</summary>
    Notifications,

    /// <summary>Nothing changed for MaxKeepAliveCount cycles: a keep-alive is due.</summary>
    KeepAlive,
}

/// <summary>
/// A subscription (Part 4, 5.13.1): its monitored items, the items with queued values, its counters, sequence numbers
/// and the retransmission queue that Republish reads. One lock guards it all; the publish engine calls
/// <see cref="RunCycle"/> on its own thread and the session's Publish requests pick up what it made.
/// </summary>
public sealed partial class Subscription
{
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, MonitoredItem> _items = [];
    private readonly Queue<MonitoredItem> _ready = new();
    private readonly List<MonitoredItem> _polled = [];
    private readonly LinkedList<NotificationMessage> _retransmission = new();
    private readonly List<MonitoredItemNotification> _scratch = [];
    private readonly int _maxRetransmission;
    private uint _nextSequence = 1;
    private uint _nextItemId = 1;
    private uint _keepAliveCounter;
    private uint _lifetimeCounter;
    private long _nextCycleTicks;
    private StatusCode? _statusChange;

    internal Subscription(uint id, ServerSession session, int maxRetransmission)
    {
        Id = id;
        Session = session;
        _maxRetransmission = maxRetransmission;
        _nextCycleTicks = DateTime.UtcNow.Ticks;
    }

    public uint Id { get; }

    public ServerSession Session { get; internal set; }

    public double PublishingInterval { get; internal set; }

    public uint LifetimeCount { get; internal set; }

    public uint MaxKeepAliveCount { get; internal set; }

    public uint MaxNotificationsPerPublish { get; internal set; }

    public byte Priority { get; internal set; }

    public bool PublishingEnabled { get; internal set; }

    /// <summary>A cycle wanted to send but no Publish request was parked (Part 4, 5.13.1.2 "late").</summary>
    public bool IsLate { get; private set; }

    /// <summary>When the next publishing cycle is due (UTC ticks), for the publish engine's sleep.</summary>
    internal long NextCycleTicks => Volatile.Read(ref _nextCycleTicks);

    public bool IsExpired { get; private set; }

    /// <summary>The last message said MoreNotifications: the next Publish request gets the rest at once (Part 4, 5.13.5).</summary>
    public bool HasMore { get; private set; }

    internal Lock Gate => _gate;

    /// <summary>The session's turn number when this subscription last took a Publish request (0: never): the oldest goes next.</summary>
    internal long LastServedTurn => Volatile.Read(ref _lastServedTurn);

    private long _lastServedTurn;

    public int ItemCount
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    internal void SetKeepAliveDue()
    {
        lock (_gate)
        {
            // Part 4, 5.13.1.1: the first cycle after creation sends a keep-alive when there is nothing else.
            _keepAliveCounter = MaxKeepAliveCount;
        }
    }

    internal MonitoredItem CreateItem(Gateway.OpcUa.Server.AddressSpace.VariableNode node, uint attributeId, TimestampsToReturn timestamps)
    {
        lock (_gate)
        {
            var item = new MonitoredItem(this, _nextItemId++, node, attributeId, timestamps);
            _items[item.Id] = item;
            if (item.IsPolled)
            {
                _polled.Add(item);
            }

            return item;
        }
    }

    internal MonitoredItem? FindItem(uint id)
    {
        lock (_gate)
        {
            return _items.GetValueOrDefault(id);
        }
    }

    internal IReadOnlyList<MonitoredItem> Items()
    {
        lock (_gate)
        {
            return [.. _items.Values];
        }
    }

    internal bool RemoveItem(uint id)
    {
        MonitoredItem? item;
        lock (_gate)
        {
            if (!_items.Remove(id, out item))
            {
                return RemoveEventItem(id);
            }

            _polled.Remove(item);
            item.ClearQueue();
        }

        item.Node.RemoveObserver(item);
        return true;
    }

    /// <summary>A value from a node: filtered into the item's queue under the lock.</summary>
    internal void Offer(MonitoredItem item, in DataValue value, bool force = false)
    {
        lock (_gate)
        {
            if (item.Accept(value, force) && !item.IsQueued)
            {
                item.IsQueued = true;
                _ready.Enqueue(item);
            }
        }
    }

    internal void RequeueAll()
    {
        lock (_gate)
        {
            foreach (var item in _items.Values)
            {
                if (item.RequeueLast() && !item.IsQueued)
                {
                    item.IsQueued = true;
                    _ready.Enqueue(item);
                }
            }
        }
    }

    /// <summary>Queues a StatusChangeNotification (e.g. GoodSubscriptionTransferred, BadTimeout) for the next Publish.</summary>
    internal void QueueStatusChange(StatusCode status)
    {
        lock (_gate)
        {
            _statusChange = status;
        }
    }

    internal void ResetLifetime()
    {
        lock (_gate)
        {
            _lifetimeCounter = 0;
        }
    }

    /// <summary>Runs a publishing cycle when one is due: samples callback-fed items, then says what should be sent.</summary>
    internal CycleOutcome RunCycle(long nowTicks)
    {
        if (nowTicks < Volatile.Read(ref _nextCycleTicks))
        {
            return IsLate ? LateOutcome() : CycleOutcome.Nothing;
        }

        lock (_gate)
        {
            var interval = (long)(PublishingInterval * TimeSpan.TicksPerMillisecond);
            _nextCycleTicks = Math.Max(_nextCycleTicks + interval, nowTicks - interval + 1);
            SamplePolled(nowTicks);

            var outcome = PendingOutcome();
            if (outcome == CycleOutcome.Nothing)
            {
                _keepAliveCounter++;
                if (_keepAliveCounter >= MaxKeepAliveCount)
                {
                    outcome = CycleOutcome.KeepAlive;
                }
            }

            if (outcome != CycleOutcome.Nothing)
            {
                if (IsLate || !Session.HasParkedPublish)
                {
                    // Part 4, 5.13.1.1: each cycle that cannot send counts towards the lifetime.
                    IsLate = true;
                    _lifetimeCounter++;
                    if (_lifetimeCounter >= LifetimeCount)
                    {
                        IsExpired = true;
                    }
                }
            }

            return outcome;
        }
    }

    private CycleOutcome LateOutcome()
    {
        lock (_gate)
        {
            var pending = PendingOutcome();
            return pending == CycleOutcome.Nothing ? CycleOutcome.KeepAlive : pending;
        }
    }

    private CycleOutcome PendingOutcome() =>
        _statusChange is not null || (PublishingEnabled && (_ready.Count > 0 || HasEvents)) ? CycleOutcome.Notifications : CycleOutcome.Nothing;

    private void SamplePolled(long nowTicks)
    {
        foreach (var item in _polled)
        {
            if (item.NextSampleTicks > nowTicks)
            {
                continue;
            }

            item.NextSampleTicks = nowTicks + (long)(Math.Max(item.SamplingInterval, PublishingInterval) * TimeSpan.TicksPerMillisecond);
            var value = item.Node.Value;
            if (item.Accept(value, force: false) && !item.IsQueued)
            {
                item.IsQueued = true;
                _ready.Enqueue(item);
            }
        }
    }

    /// <summary>
    /// Builds the next message for a parked Publish request: the queued notifications (up to the per-publish maximum),
    /// else a keep-alive. Returns the message, whether more notifications wait, and the sequence numbers available.
    /// </summary>
    internal PublishResponse TakeMessage(uint serverMaxNotifications)
    {
        lock (_gate)
        {
            IsLate = false;
            _keepAliveCounter = 0;
            _lifetimeCounter = 0;
            Volatile.Write(ref _lastServedTurn, Session.NextTurn());
            var now = DateTime.UtcNow;
            var response = new PublishResponse { SubscriptionId = Id };
            var data = new List<ExtensionObject>(2);
            if (PublishingEnabled && _ready.Count > 0)
            {
                var max = (int)(MaxNotificationsPerPublish == 0 ? serverMaxNotifications : Math.Min(MaxNotificationsPerPublish, serverMaxNotifications));
                _scratch.Clear();
                while (_ready.Count > 0 && _scratch.Count < max)
                {
                    var item = _ready.Peek();
                    item.Drain(_scratch, max - _scratch.Count);
                    if (item.QueuedCount == 0)
                    {
                        item.IsQueued = false;
                        _ready.Dequeue();
                    }
                }

                data.Add(ExtensionObject.From(new DataChangeNotification { MonitoredItems = [.. _scratch] }));
                _scratch.Clear();
            }

            if (DrainEvents((int)(MaxNotificationsPerPublish == 0 ? serverMaxNotifications : Math.Min(MaxNotificationsPerPublish, serverMaxNotifications))) is { } events)
            {
                data.Add(events);
            }

            if (_statusChange is { } status)
            {
                data.Add(ExtensionObject.From(new StatusChangeNotification { Status = status }));
                _statusChange = null;
            }

            if (data.Count == 0)
            {
                // Part 4, 5.13.1.1: a keep-alive carries the next sequence number without using it up.
                response.NotificationMessage = new NotificationMessage { SequenceNumber = _nextSequence, PublishTime = now, NotificationData = [] };
            }
            else
            {
                var message = new NotificationMessage { SequenceNumber = _nextSequence, PublishTime = now, NotificationData = [.. data] };
                _nextSequence = _nextSequence == uint.MaxValue ? 1 : _nextSequence + 1;
                _retransmission.AddLast(message);
                while (_retransmission.Count > _maxRetransmission)
                {
                    _retransmission.RemoveFirst();
                }

                response.NotificationMessage = message;
                response.MoreNotifications = PublishingEnabled && (_ready.Count > 0 || HasEvents);
            }

            HasMore = response.MoreNotifications;

            response.AvailableSequenceNumbers = [.. _retransmission.Select(m => m.SequenceNumber)];
            return response;
        }
    }

    /// <summary>Part 4, 5.13.5: an acknowledged message leaves the retransmission queue.</summary>
    internal StatusCode Acknowledge(uint sequenceNumber)
    {
        lock (_gate)
        {
            for (var node = _retransmission.First; node is not null; node = node.Next)
            {
                if (node.Value.SequenceNumber == sequenceNumber)
                {
                    _retransmission.Remove(node);
                    return StatusCode.Good;
                }
            }

            return new StatusCode(StatusCodes.BadSequenceNumberUnknown);
        }
    }

    /// <summary>Part 4, 5.13.6: a message still in the retransmission queue.</summary>
    internal NotificationMessage? Republish(uint sequenceNumber)
    {
        lock (_gate)
        {
            _lifetimeCounter = 0;
            return _retransmission.FirstOrDefault(m => m.SequenceNumber == sequenceNumber);
        }
    }

    internal uint[] AvailableSequenceNumbers()
    {
        lock (_gate)
        {
            return [.. _retransmission.Select(m => m.SequenceNumber)];
        }
    }

    /// <summary>Detaches every item from its node, so the simulator stops feeding a deleted subscription.</summary>
    internal void Close()
    {
        MonitoredItem[] items;
        lock (_gate)
        {
            items = [.. _items.Values];
            _items.Clear();
            _polled.Clear();
            _ready.Clear();
            ClearEventItems();
        }

        foreach (var item in items)
        {
            item.Node.RemoveObserver(item);
        }
    }
}
