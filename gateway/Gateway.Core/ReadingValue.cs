using System.Globalization;

namespace Gateway.Core;

/// <summary>What a <see cref="ReadingValue"/> holds.</summary>
public enum ValueKind : byte
{
    Null = 0,
    Double = 1,
    Int64 = 2,
    Boolean = 3,
    String = 4,
    DoubleArray = 5,
    Int64Array = 6,
    BooleanArray = 7,
    StringArray = 8,

    /// <summary>
    /// A JSON object or array as text: a decoded structure or an event's fields. Sinks embed it as JSON (MQTT) or
    /// write it as a string field (InfluxDB); normalization passes it through unchanged.
    /// </summary>
    Json = 9,
}

/// <summary>
/// The value of a reading: a double, an integer, a boolean, a string, or an array of one of these.
/// A small tagged union so that scalars (the common case) carry no allocation of their own.
/// </summary>
public readonly struct ReadingValue : IEquatable<ReadingValue>
{
    private readonly double _number;
    private readonly long _integer;
    private readonly object? _reference;

    private ReadingValue(ValueKind kind, double number, long integer, object? reference)
    {
        Kind = kind;
        _number = number;
        _integer = integer;
        _reference = reference;
    }

    public ValueKind Kind { get; }

    public bool IsNull => Kind == ValueKind.Null;

    public bool IsArray => Kind is >= ValueKind.DoubleArray and <= ValueKind.StringArray;

    public static ReadingValue Null => default;

    public static ReadingValue FromDouble(double value) => new(ValueKind.Double, value, 0, null);

    public static ReadingValue FromInt64(long value) => new(ValueKind.Int64, 0, value, null);

    public static ReadingValue FromBoolean(bool value) => new(ValueKind.Boolean, 0, value ? 1 : 0, null);

    public static ReadingValue FromString(string value) => new(ValueKind.String, 0, 0, value ?? throw new ArgumentNullException(nameof(value)));

    public static ReadingValue FromArray(double[] values) => new(ValueKind.DoubleArray, 0, 0, values ?? throw new ArgumentNullException(nameof(values)));

    public static ReadingValue FromArray(long[] values) => new(ValueKind.Int64Array, 0, 0, values ?? throw new ArgumentNullException(nameof(values)));

    public static ReadingValue FromArray(bool[] values) => new(ValueKind.BooleanArray, 0, 0, values ?? throw new ArgumentNullException(nameof(values)));

    public static ReadingValue FromArray(string[] values) => new(ValueKind.StringArray, 0, 0, values ?? throw new ArgumentNullException(nameof(values)));

    /// <summary>
    /// A JSON object or array, checked here once so that every sink can embed it as it is.
    /// </summary>
    /// <exception cref="ArgumentException">The text is not one well-formed JSON object or array.</exception>
    public static ReadingValue FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json);
            if (document.RootElement.ValueKind is not (System.Text.Json.JsonValueKind.Object or System.Text.Json.JsonValueKind.Array))
            {
                throw new ArgumentException($"A JSON reading value must be an object or an array, not {document.RootElement.ValueKind}.", nameof(json));
            }
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ArgumentException($"A JSON reading value is not well-formed JSON: {e.Message}", nameof(json), e);
        }

        return new(ValueKind.Json, 0, 0, json);
    }

    public double AsDouble() => Kind == ValueKind.Double ? _number : throw WrongKind(ValueKind.Double);

    public long AsInt64() => Kind == ValueKind.Int64 ? _integer : throw WrongKind(ValueKind.Int64);

    public bool AsBoolean() => Kind == ValueKind.Boolean ? _integer != 0 : throw WrongKind(ValueKind.Boolean);

    public string AsString() => Kind == ValueKind.String ? (string)_reference! : throw WrongKind(ValueKind.String);

    /// <summary>The JSON text of a <see cref="ValueKind.Json"/> value (an object or an array).</summary>
    public string AsJson() => Kind == ValueKind.Json ? (string)_reference! : throw WrongKind(ValueKind.Json);

    public double[] AsDoubleArray() => Kind == ValueKind.DoubleArray ? (double[])_reference! : throw WrongKind(ValueKind.DoubleArray);

    public long[] AsInt64Array() => Kind == ValueKind.Int64Array ? (long[])_reference! : throw WrongKind(ValueKind.Int64Array);

    public bool[] AsBooleanArray() => Kind == ValueKind.BooleanArray ? (bool[])_reference! : throw WrongKind(ValueKind.BooleanArray);

    public string[] AsStringArray() => Kind == ValueKind.StringArray ? (string[])_reference! : throw WrongKind(ValueKind.StringArray);

    /// <summary>The value as a double when it is numeric or boolean (for scaling and deadbands); null otherwise.</summary>
    public double? TryGetNumber() => Kind switch
    {
        ValueKind.Double => _number,
        ValueKind.Int64 => _integer,
        ValueKind.Boolean => _integer,
        _ => null,
    };

    public bool Equals(ReadingValue other)
    {
        if (Kind != other.Kind)
        {
            return false;
        }

        return Kind switch
        {
            ValueKind.Null => true,
            ValueKind.Double => _number.Equals(other._number),
            ValueKind.Int64 or ValueKind.Boolean => _integer == other._integer,
            ValueKind.String or ValueKind.Json => string.Equals((string)_reference!, (string)other._reference!, StringComparison.Ordinal),
            ValueKind.DoubleArray => AsDoubleArray().AsSpan().SequenceEqual(other.AsDoubleArray()),
            ValueKind.Int64Array => AsInt64Array().AsSpan().SequenceEqual(other.AsInt64Array()),
            ValueKind.BooleanArray => AsBooleanArray().AsSpan().SequenceEqual(other.AsBooleanArray()),
            ValueKind.StringArray => AsStringArray().AsSpan().SequenceEqual(other.AsStringArray()),
            _ => false,
        };
    }

    public override bool Equals(object? obj) => obj is ReadingValue other && Equals(other);

    public override int GetHashCode() => Kind switch
    {
        ValueKind.Double => HashCode.Combine(Kind, _number),
        ValueKind.Int64 or ValueKind.Boolean => HashCode.Combine(Kind, _integer),
        ValueKind.String or ValueKind.Json => HashCode.Combine(Kind, _reference),
        _ => (int)Kind,
    };

    public static bool operator ==(ReadingValue left, ReadingValue right) => left.Equals(right);

    public static bool operator !=(ReadingValue left, ReadingValue right) => !left.Equals(right);

    public override string ToString() => Kind switch
    {
        ValueKind.Null => "null",
        ValueKind.Double => _number.ToString("R", CultureInfo.InvariantCulture),
        ValueKind.Int64 => _integer.ToString(CultureInfo.InvariantCulture),
        ValueKind.Boolean => _integer != 0 ? "true" : "false",
        ValueKind.String or ValueKind.Json => (string)_reference!,
        ValueKind.DoubleArray => "[" + string.Join(",", AsDoubleArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]",
        ValueKind.Int64Array => "[" + string.Join(",", AsInt64Array()) + "]",
        ValueKind.BooleanArray => "[" + string.Join(",", AsBooleanArray().Select(v => v ? "true" : "false")) + "]",
        ValueKind.StringArray => "[" + string.Join(",", AsStringArray()) + "]",
        _ => "?",
    };

    private InvalidOperationException WrongKind(ValueKind asked) =>
        new($"The reading value is {Kind}, not {asked}.");
}
