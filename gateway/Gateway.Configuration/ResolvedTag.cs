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
    public SourceTag ToSourceTag() => ToSourceTag(Location?.ToString());

    /// <summary>
    /// The tags as their connector takes them, the tags written at one place (a template's tag, expanded for every
    /// machine) sharing one location text: the host keeps the list for the source's whole run (restarts create the
    /// connector from it), and a text of 40-100 B per tag was most of what a <see cref="SourceTag"/> cost.
    /// </summary>
    public static List<SourceTag> ToSourceTags(IEnumerable<ResolvedTag> tags)
    {
        var texts = new Dictionary<SourceLocation, string>();
        var result = new List<SourceTag>();
        foreach (var tag in tags)
        {
            string? text = null;
            if (tag.Location is { } location && !texts.TryGetValue(location, out text))
            {
                text = location.ToString();
                texts[location] = text;
            }

            result.Add(tag.ToSourceTag(text));
        }

        return result;
    }

    private SourceTag ToSourceTag(string? location) => new(
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
        location);
}

/// <summary>Identifies a tag across the gateway.</summary>
public readonly record struct TagKey(string Source, string Machine, string Tag);
