using System.Text.Json;
using Gateway.Configuration.Binding;

namespace Gateway.Configuration;

/// <summary>
/// Every secret value this process has loaded: values of keys marked [Secret] and the contents of every
/// <c>${file:...}</c>, whatever key they were used in. <see cref="ConfigurationLoader"/> adds to <see cref="Process"/>
/// on every load (the first and each hot reload); the host's log sink and the command line mask what it holds.
/// Nothing is ever removed: after a password rotation the old one may still sit in a queued log line or an exception.
/// </summary>
public sealed class SecretRegistry
{
    private readonly object _gate = new();

    // Longest first, so that a secret that contains another is masked whole; replaced, never changed in place.
    private string[] _secrets = [];

    /// <summary>The registry of this process, filled by every configuration load.</summary>
    public static SecretRegistry Process { get; } = new();

    /// <summary>Shorter values are not masked in free text: they would mask ordinary words and numbers.</summary>
    public const int MinimumLength = SecretRedaction.MinimumLengthInText;

    public bool IsEmpty => Volatile.Read(ref _secrets).Length == 0;

    public void Add(IEnumerable<string> values)
    {
        lock (_gate)
        {
            var known = Volatile.Read(ref _secrets);
            var added = values.Where(v => v.Length >= MinimumLength && !known.Contains(v, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
            if (added.Count == 0)
            {
                return;
            }

            Volatile.Write(ref _secrets, known.Concat(added).OrderByDescending(s => s.Length).ThenBy(s => s, StringComparer.Ordinal).ToArray());
        }
    }

    /// <summary>The text with every occurrence of a registered secret replaced by ***.</summary>
    public string Redact(string text) => SecretRedaction.RedactSorted(text, Volatile.Read(ref _secrets));

    /// <summary>
    /// A JSON text with every secret masked, also where the serializer escaped it (System.Text.Json's default encoder
    /// writes <c>pa+ss</c> as <c>pa\u002Bss</c>).
    /// </summary>
    public string RedactJson(string json)
    {
        foreach (var secret in Volatile.Read(ref _secrets))
        {
            json = json.Replace(secret, SecretRedaction.Mask, StringComparison.Ordinal)
                .Replace(JsonEncodedText.Encode(secret).ToString(), SecretRedaction.Mask, StringComparison.Ordinal);
        }

        return json;
    }

    /// <summary>True when the text holds a registered secret.</summary>
    public bool Occurs(string text) => Volatile.Read(ref _secrets).Any(s => text.Contains(s, StringComparison.Ordinal));
}
