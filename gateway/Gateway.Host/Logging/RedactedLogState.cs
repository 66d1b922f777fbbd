using System.Collections;
using System.Globalization;
using Gateway.Configuration;

namespace Gateway.Host.Logging;

/// <summary>
/// A log entry's state after masking: the formatted message and the structured values, which the JSON format writes
/// next to the message. Values that hold no secret keep their type, so numbers stay numbers in JSON.
/// </summary>
internal sealed class RedactedLogState : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly IReadOnlyList<KeyValuePair<string, object?>> _values;

    public RedactedLogState(string message, IReadOnlyList<KeyValuePair<string, object?>> values)
    {
        Message = message;
        _values = values;
    }

    public string Message { get; }

    public int Count => _values.Count;

    public KeyValuePair<string, object?> this[int index] => _values[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => Message;

    public static IReadOnlyList<KeyValuePair<string, object?>> RedactValues<TState>(TState state, SecretRegistry secrets) =>
        state is IEnumerable<KeyValuePair<string, object?>> pairs
            ? pairs.Select(p => new KeyValuePair<string, object?>(p.Key, RedactValue(p.Value, secrets))).ToList()
            : [];

    /// <summary>A scope as the providers print it: structured values masked one by one, anything else as masked text.</summary>
    public static object? RedactScope(object? scope, SecretRegistry secrets) => scope switch
    {
        null => null,
        IEnumerable<KeyValuePair<string, object?>> => new RedactedLogState(secrets.Redact(scope.ToString() ?? ""), RedactValues(scope, secrets)),
        _ => RedactValue(scope, secrets),
    };

    private static object? RedactValue(object? value, SecretRegistry secrets)
    {
        if (value is null)
        {
            return null;
        }

        // Formatted as the providers would format it; a port or number that is a secret is masked too.
        var text = value is IEnumerable and not string
            ? string.Join(", ", ((IEnumerable)value).Cast<object?>().Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)))
            : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        var redacted = secrets.Redact(text);
        return ReferenceEquals(redacted, text) || redacted == text ? value : redacted;
    }
}
