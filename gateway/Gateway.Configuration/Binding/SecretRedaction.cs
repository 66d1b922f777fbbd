namespace Gateway.Configuration.Binding;

/// <summary>Replaces secret values in free text (log lines, messages) by ***.</summary>
internal static class SecretRedaction
{
    public const string Mask = "***";

    // Shorter values would mask ordinary words; a secret that short is not worth keeping anyway.
    private const int MinimumLengthInText = 3;

    public static string Redact(string text, IEnumerable<string> secrets)
    {
        foreach (var secret in secrets.Where(s => s.Length >= MinimumLengthInText).OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }
}
