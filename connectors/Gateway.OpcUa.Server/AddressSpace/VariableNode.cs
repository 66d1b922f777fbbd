using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.AddressSpace;

/// <summary>Something told of every new value of a variable (a monitored item); called on the setter's thread.</summary>
public interface IValueObserver
{
    void OnValueChanged(VariableNode node, in DataValue value);
}

/// <summary>
/// A variable (Part 3, 5.6). Its value either lives here (<see cref="SetValue(Variant, DateTime, StatusCode)"/>, which
/// tells the monitored items at once) or comes from <see cref="ValueSource"/> on every read (monitored items then
/// sample it).
/// </summary>
public sealed class VariableNode : UaNode
{
    public const byte CurrentRead = 0x01;
    public const byte CurrentWrite = 0x02;

    private readonly Lock _gate = new();
    private DataValue _value;
    private IValueObserver[] _observers = [];

    public VariableNode(NodeId nodeId, QualifiedName browseName, LocalizedText displayName, NodeId dataType)
        : base(nodeId, browseName, displayName)
    {
        DataType = dataType;
        _value = new DataValue(Variant.Null, new StatusCode(StatusCodes.BadWaitingForInitialData));
    }

    public override NodeClass NodeClass => NodeClass.Variable;

    public NodeId DataType { get; }

    /// <summary>Part 3, 5.6.2: -1 scalar, 1 one-dimensional array, 0 one or more dimensions, -2 any, -3 scalar or 1-D.</summary>
    public int ValueRank { get; init; } = -1;

    public uint[]? ArrayDimensions { get; init; }

    public byte AccessLevel { get; init; } = CurrentRead;

    /// <summary>Part 3, 5.6.2: the fastest this value can change, in ms (0 = continuously, -1 = unknown).</summary>
    public double MinimumSamplingInterval { get; init; }

    /// <summary>Engineering unit text, shown as the EngineeringUnits property when set.</summary>
    public string? Unit { get; init; }

    /// <summary>The EURange, needed for a percent deadband (Part 8, 5.3.2.2).</summary>
    public (double Low, double High)? EuRange { get; init; }

    /// <summary>Supplies the value on every read instead of the stored one; monitored items then sample it.</summary>
    public Func<DataValue>? ValueSource { get; init; }

    public DataValue Value
    {
        get
        {
            if (ValueSource is { } source)
            {
                return source();
            }

            lock (_gate)
            {
                return _value;
            }
        }
    }

    public void SetValue(Variant value, DateTime sourceTimestamp, StatusCode status = default) =>
        SetValue(new DataValue(value, status, sourceTimestamp, sourceTimestamp));

    /// <summary>Stores a new value and hands it to every monitored item of this node.</summary>
    public void SetValue(in DataValue value)
    {
        IValueObserver[] observers;
        lock (_gate)
        {
            _value = value;
            observers = _observers;
        }

        foreach (var observer in observers)
        {
            observer.OnValueChanged(this, value);
        }
    }

    internal void AddObserver(IValueObserver observer)
    {
        lock (_gate)
        {
            _observers = [.. _observers, observer];
        }
    }

    internal void RemoveObserver(IValueObserver observer)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_observers, observer);
            if (index >= 0)
            {
                _observers = [.. _observers[..index], .. _observers[(index + 1)..]];
            }
        }
    }
}
