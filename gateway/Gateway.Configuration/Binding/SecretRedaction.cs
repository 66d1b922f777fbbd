namespace Gateway.Configuration.Binding;

/// <summary>Replaces secret values in free text (log lines, messages) by ***.</summary>
internal static class SecretRedaction
{
    public const string Mask = "***";

    // Shorter values would mask ordinary words; a secret that short is not worth keeping anyway.
    public const int MinimumLengthInText = 3;

    public static string Redact(string text, IEnumerable<string> secrets) =>
        RedactSorted(text, secrets.Where(s => s.Length >= MinimumLengthInText).OrderByDescending(s => s.Length).ToArray());

    /// <param name="secrets">Longest first and none shorter than <see cref="MinimumLengthInText"/>.</param>
    public static string RedactSorted(string text, string[] secrets)
    {
        foreach (var secret in secrets)
        {
            // Replace returns the same string when the secret does not occur: no allocation on the common path.
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }
}
