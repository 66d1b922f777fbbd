using Gateway.Configuration.Model;
using Gateway.Core;

namespace Gateway.Configuration;

/// <summary>
/// One tag as the gateway will read it, after includes, templates and placeholders are expanded and the
/// normalization rules of every level (file, source, template, machine, group, tag) are merged, most specific winning.
/// </summary>
/// <param name="Source">The source (connection) name.</param>
/// <param name="Machine">The machine name.</param>
/// <param name="Group">The tag group name.</param>
/// <param name="Tag">The clean tag name readings carry.</param>
/// <param name="NodeId">The NodeId text with placeholders substituted, or null when <paramref name="BrowsePath"/> is used.</param>
/// <param name="BrowsePath">The browse path with placeholders substituted, or null.</param>
/// <param name="IndexRange">The OPC UA index range, or null.</param>
/// <param name="GroupConfig">The tag group's acquisition settings (mode, interval, queue, deadband).</param>
/// <param name="Measurement">The InfluxDB measurement (the group's, else the source name).</param>
/// <param name="Normalize">The merged normalization rules (any field still null means the built-in default).</param>
/// <param name="Labels">Gateway, source and machine labels merged (machine wins).</param>
/// <param name="Location">Where the tag is defined, for messages.</param>
public sealed record ResolvedTag(
    string Source,
    string Machine,
    string Group,
    string Tag,
    string? NodeId,
    string? BrowsePath,
    string? IndexRange,
    TagGroupConfig GroupConfig,
    string Measurement,
    NormalizeConfig Normalize,
    LabelSet Labels,
    SourceLocation? Location)
{
    /// <summary>The key normalization state is kept under.</summary>
    public TagKey Key => new(Source, Machine, Tag);
}

/// <summary>Identifies a tag across the gateway.</summary>
public readonly record struct TagKey(string Source, string Machine, string Tag);
