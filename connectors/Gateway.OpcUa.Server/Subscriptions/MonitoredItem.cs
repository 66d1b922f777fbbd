using System.Collections;
using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.Subscriptions;

/// <summary>
/// One monitored item (Part 4, 5.12.1): watches a variable's value, filters it (DataChangeFilter trigger and deadband,
/// 7.22.2) and keeps what passes in a fixed-size queue until the subscription publishes it. Values stored in the node
/// arrive through <see cref="OnValueChanged"/>; values from a callback are sampled by the publish engine.
/// </summary>
public sealed class MonitoredItem : IValueObserver
{
    private DataValue[] _queue;
    private int _head;
    private int _count;
    private bool _overflow;
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
    }

    public Subscription Subscription { get; }

    public uint Id { get; }

    public VariableNode Node { get; }

    public uint AttributeId { get; }

    public uint ClientHandle { get; internal set; }

    public MonitoringMode Mode { get; internal set; }

    public double SamplingInterval { get; internal set; }

    public uint QueueSize => (uint)_queue.Length;

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

    internal void Resize(uint queueSize)
    {
        var size = (int)Math.Max(1, queueSize);
        if (size == _queue.Length)
        {
            return;
        }

        var kept = new DataValue[size];
        var take = Math.Min(_count, size);
        for (var i = 0; i < take; i++)
        {
            // Keep the newest values.
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

        if (_count < _queue.Length)
        {
            _queue[(_head + _count) % _queue.Length] = value;
            _count++;
        }
        else if (DiscardOldest || _queue.Length == 1)
        {
            // Part 4, 5.12.1.5: the oldest value goes and the next one delivered carries the Overflow bit
            // (a queue of one just keeps the newest, without the bit).
            _queue[_head] = value;
            _head = (_head + 1) % _queue.Length;
            _overflow = _queue.Length > 1;
        }
        else
        {
            _queue[(_head + _count - 1) % _queue.Length] = value;
            _overflow = true;
        }

        return true;
    }

    /// <summary>Takes up to <paramref name="max"/> queued values into <paramref name="output"/>; returns how many.</summary>
    internal int Drain(List<MonitoredItemNotification> output, int max)
    {
        var taken = 0;
        while (_count > 0 && taken < max)
        {
            var value = Shape(_queue[_head]);
            if (_overflow && taken == 0)
            {
                // Part 4, 7.39.1: InfoType DataValue (bit 10) with the Overflow bit (7).
                value = value with { Status = new StatusCode(value.Status.Code | 0x0400 | 0x0080) };
                _overflow = false;
            }

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
        _overflow = false;
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
