using Gateway.Configuration;

namespace Gateway.Host.Logging;

/// <summary>
/// Stands in for a logged exception whose text holds a secret: its message and its ToString (type, message, inner
/// exceptions and stack, which every console format prints) are the original's, masked. The original is not kept
/// reachable from it, so no provider can print it by another route.
/// </summary>
public sealed class RedactedException : Exception
{
    private readonly string _text;

    private RedactedException(string message, string text, string? stackTrace)
        : base(message)
    {
        _text = text;
        StackTrace = stackTrace;
    }

    public override string? StackTrace { get; }

    public override string ToString() => _text;

    /// <summary>The exception itself when nothing in its text is a secret, else a masked stand-in.</summary>
    public static Exception From(Exception exception, SecretRegistry secrets)
    {
        var text = exception.ToString();
        if (!secrets.Occurs(text))
        {
            return exception;
        }

        return new RedactedException(secrets.Redact(exception.Message), secrets.Redact(text), exception.StackTrace is { } stack ? secrets.Redact(stack) : null);
    }
}
