using Gateway.Core;

namespace Gateway.Configuration;

/// <summary>One problem in the configuration, at the place the operator has to edit.</summary>
public sealed record ConfigurationError(SourceLocation Location, string Message)
{
    /// <summary>`PATH:LINE:COLUMN: message`, the format editors and CI logs turn into links.</summary>
    public override string ToString() => $"{Location}: {Message}";
}
