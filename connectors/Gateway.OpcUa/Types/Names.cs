namespace Gateway.OpcUa.Types;

/// <summary>A name qualified by a namespace index (Part 3, 8.3).</summary>
public readonly record struct QualifiedName(ushort NamespaceIndex, string? Name)
{
    public override string ToString() => NamespaceIndex == 0 ? Name ?? "" : $"{NamespaceIndex}:{Name}";

    /// <summary>Parses `Name` or `2:Name`.</summary>
    public static QualifiedName Parse(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && ushort.TryParse(text.AsSpan(0, colon), out var ns))
        {
            return new QualifiedName(ns, text[(colon + 1)..]);
        }

        return new QualifiedName(0, text);
    }
}

/// <summary>Human-readable text with an optional locale (Part 3, 8.5).</summary>
public readonly record struct LocalizedText(string? Text, string? Locale = null)
{
    public override string ToString() => Text ?? "";
}
