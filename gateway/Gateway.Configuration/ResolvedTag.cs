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
/// <param name="Address">Where the tag is on the device: the source plugin's AddressType, placeholders substituted.</param>
/// <param name="GroupOptions">The group's keys of the source's type: the source plugin's GroupOptionsType.</param>
/// <param name="IntervalMs">The group's read (or publishing) interval in milliseconds.</param>
/// <param name="Measurement">The InfluxDB measurement (the group's, else the source name).</param>
/// <param name="Normalize">The merged normalization rules (any field still null means the built-in default). The loader
/// gives tags with equal rules one instance (see <see cref="NormalizeConfigComparer"/>): read it, never change it.</param>
/// <param name="Labels">Gateway, source and machine labels merged (machine wins).</param>
/// <param name="Location">Where the tag is defined, for messages.</param>
public sealed record ResolvedTag(
    string Source,
    string Machine,
    string Group,
    string Tag,
    object Address,
    object GroupOptions,
    int IntervalMs,
    string Measurement,
    NormalizeConfig Normalize,
    LabelSet Labels,
    SourceLocation? Location)
{
    /// <summary>The key normalization state is kept under.</summary>
    public TagKey Key => new(Source, Machine, Tag);

    /// <summary>The tag as its connector takes it.</summary>
    public SourceTag ToSourceTag() => new(
        Source,
        Machine,
        Group,
        Tag,
        TimeSpan.FromMilliseconds(IntervalMs),
        GroupOptions,
        Address,
        Measurement,
        Labels,
        Normalize.UnitFromServer == true,
        Location?.ToString());
}

/// <summary>Identifies a tag across the gateway.</summary>
public readonly record struct TagKey(string Source, string Machine, string Tag);
