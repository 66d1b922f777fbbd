using System.Collections;
using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.Subscriptions;

/// <summary>
/// One monitored item (Part 4, 5.12.1): watches a variable's value, filters it (DataChangeFilter trigger and deadband,
/// 7.22.2) and keeps what passes in a queue of the revised size until the subscription publishes it. Values stored in
/// the node arrive through <see cref="OnValueChanged"/>; values from a callback are sampled by the publish engine.
/// </summary>
public sealed class MonitoredItem : IValueObserver
{
    // The ring starts this small and doubles up to the revised queue size as values pile up: a client may ask for a
    // large queueSize on many items, and most queues never hold more than a value or two between publishes.
    private const int InitialLength = 2;

    // Part 4, 7.39.1: InfoType DataValue (bit 10) with the Overflow bit (7).
    private const uint OverflowBits = 0x0400 | 0x0080;

    private DataValue[] _queue;
    private int _capacity;
    private int _head;
    private int _count;
    private bool _hasLast;
    private DataValue _last;

    internal MonitoredItem(Subscription subscription, uint id, VariableNode node, uint attributeId, TimestampsToReturn timestamps)
    {
        Subscription = subscription;
        Id = id;
        Node = node;
        AttributeId = attributeId;
        Timestamps = timestamps;
        _queue = new DataValue[1];
        _capacity = 1;
    }

    public Subscription Subscription { get; }

    public uint Id { get; }

    public VariableNode Node { get; }

    public uint AttributeId { get; }

    public uint ClientHandle { get; internal set; }

    public MonitoringMode Mode { get; internal set; }

    public double SamplingInterval { get; internal set; }

    /// <summary>The revised queue size: the most values kept between two publishes.</summary>
    public uint QueueSize => (uint)_capacity;

    public bool DiscardOldest { get; internal set; } = true;

    public DataChangeTrigger Trigger { get; internal set; } = DataChangeTrigger.StatusValue;

    /// <summary>Absolute deadband in the value's units (a percent deadband is converted with the EURange); 0 = none.</summary>
    public double AbsoluteDeadband { get; internal set; }

    public TimestampsToReturn Timestamps { get; internal set; }

    /// <summary>Sampled by the publish engine (the node's value comes from a callback).</summary>
    public bool IsPolled => Node.ValueSource is not null;

    internal long NextSampleTicks { get; set; }

    internal bool IsQueued { get; set; }

    internal int QueuedCount => _count;

    /// <summary>The values the queue's storage can hold now (grows up to <see cref="QueueSize"/> as values come).</summary>
    internal int AllocatedLength => _queue.Length;

    /// <summary>Sets the revised queue size; a smaller one keeps the newest values.</summary>
    internal void Resize(uint queueSize)
    {
        _capacity = (int)Math.Max(1, queueSize);
        if (_queue.Length > _capacity)
        {
            Reallocate(Math.Min(_capacity, Math.Max(_count, InitialLength)));
        }
    }

    /// <summary>Moves the newest queued values, oldest first, into storage of <paramref name="length"/> values.</summary>
    private void Reallocate(int length)
    {
        var kept = new DataValue[length];
        var take = Math.Min(_count, length);
        for (var i = 0; i < take; i++)
        {
            kept[i] = _queue[(_head + _count - take + i) % _queue.Length];
        }

        _queue = kept;
        _head = 0;
        _count = take;
    }

    public void OnValueChanged(VariableNode node, in DataValue value) => Subscription.Offer(this, value);

    /// <summary>Called under the subscription's lock: filters and queues a new value; true when the item has something to report.</summary>
    internal bool Accept(in DataValue value, bool force)
    {
        if (Mode == MonitoringMode.Disabled)
        {
            return false;
        }

        if (!force && _hasLast && !Passes(_last, value))
        {
            return false;
        }

        _hasLast = true;
        _last = value;
        if (Mode != MonitoringMode.Reporting)
        {
            return false;
        }

        if (_count == _queue.Length && _count < _capacity)
        {
            Reallocate(Math.Min(_capacity, _queue.Length * 2));
        }

        if (_count < _queue.Length)
        {
            _queue[(_head + _count) % _queue.Length] = value;
            _count++;
        }
        else if (_capacity == 1)
        {
            // Part 4, 5.12.1.5: a queue of one keeps the newest value, without the Overflow bit; no discard policy.
            _queue[_head] = value;
        }
        else if (DiscardOldest)
        {
            // Part 4, 5.12.1.5: the oldest value goes and the next one in the queue gets the Overflow bit.
            _queue[_head] = value;
            _head = (_head + 1) % _queue.Length;
            _queue[_head] = WithOverflow(_queue[_head]);
        }
        else
        {
            // Part 4, 5.12.1.5: the last value added is replaced by the new one, which gets the Overflow bit.
            _queue[(_head + _count - 1) % _queue.Length] = WithOverflow(value);
        }

        return true;
    }

    private static DataValue WithOverflow(in DataValue value) => value with { Status = new StatusCode(value.Status.Code | OverflowBits) };

    /// <summary>Takes up to <paramref name="max"/> queued values into <paramref name="output"/>; returns how many.</summary>
    internal int Drain(List<MonitoredItemNotification> output, int max)
    {
        var taken = 0;
        while (_count > 0 && taken < max)
        {
            var value = Shape(_queue[_head]);
            _queue[_head] = default;
            _head = (_head + 1) % _queue.Length;
            _count--;
            output.Add(new MonitoredItemNotification(ClientHandle, value));
            taken++;
        }

        return taken;
    }

    /// <summary>Queues the last value again, e.g. after TransferSubscriptions with SendInitialValues.</summary>
    internal bool RequeueLast() => _hasLast && Accept(_last, force: true);

    internal void ClearQueue()
    {
        Array.Clear(_queue);
        _head = 0;
        _count = 0;
    }

    private DataValue Shape(in DataValue value) => Timestamps switch
    {
        TimestampsToReturn.Source => value with { ServerTimestamp = default, ServerPicoseconds = 0 },
        TimestampsToReturn.Server => value with { SourceTimestamp = default, SourcePicoseconds = 0 },
        TimestampsToReturn.Neither => value with { SourceTimestamp = default, ServerTimestamp = default, SourcePicoseconds = 0, ServerPicoseconds = 0 },
        _ => value,
    };

    private bool Passes(in DataValue last, in DataValue next)
    {
        // Part 4, 7.22.2: Status compares the status only; StatusValue adds the value (within the deadband);
        // StatusValueTimestamp adds the source timestamp.
        if (last.Status.Code != next.Status.Code)
        {
            return true;
        }

        if (Trigger == DataChangeTrigger.Status)
        {
            return false;
        }

        if (Trigger == DataChangeTrigger.StatusValueTimestamp && last.SourceTimestamp != next.SourceTimestamp)
        {
            return true;
        }

        return ValueChanged(last.Value, next.Value, AbsoluteDeadband);
    }

    internal static bool ValueChanged(in Variant last, in Variant next, double deadband)
    {
        if (last.Type != next.Type || last.IsArray != next.IsArray)
        {
            return true;
        }

        if (!next.IsArray && next.TryGetDouble(out var b) && last.TryGetDouble(out var a))
        {
            if (deadband > 0)
            {
                return Math.Abs(b - a) > deadband;
            }

            return BitConverter.DoubleToInt64Bits(a) != BitConverter.DoubleToInt64Bits(b) || (next.TryGetInt64(out var nb) && last.TryGetInt64(out var na) && na != nb);
        }

        var left = last.Value;
        var right = next.Value;
        if (left is IStructuralEquatable structural)
        {
            return !structural.Equals(right, StructuralComparisons.StructuralEqualityComparer);
        }

        return !Equals(left, right);
    }
}
