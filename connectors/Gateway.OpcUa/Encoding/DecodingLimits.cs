namespace Gateway.OpcUa.Encoding;

/// <summary>
/// Bounds applied to everything read off the wire, checked before anything is allocated, so that a malformed or
/// hostile message fails with <see cref="UaDecodingException"/> instead of exhausting memory.
/// </summary>
public sealed record DecodingLimits
{
    public static DecodingLimits Default { get; } = new();

    /// <summary>Longest String, in bytes.</summary>
    public int MaxStringLength { get; init; } = 16 * 1024 * 1024;

    /// <summary>Longest ByteString, in bytes.</summary>
    public int MaxByteStringLength { get; init; } = 16 * 1024 * 1024;

    /// <summary>Most elements of one array.</summary>
    public int MaxArrayLength { get; init; } = 1_000_000;

    /// <summary>Deepest nesting of Variant, ExtensionObject and DiagnosticInfo.</summary>
    public int MaxNestingDepth { get; init; } = 32;
}
