using Gateway.Configuration;
using Gateway.Configuration.Model;

namespace Gateway.Connectors.OpcUa;

/// <summary>A source's tags grouped the way they are read: one entry per tag group (poll or subscribe, one rate).</summary>
public sealed class AcquisitionPlan
{
    private AcquisitionPlan(IReadOnlyList<PlannedGroup> groups) => Groups = groups;

    public IReadOnlyList<PlannedGroup> Groups { get; }

    public int TagCount => Groups.Sum(g => g.Tags.Count);

    public static AcquisitionPlan From(IEnumerable<ResolvedTag> tags) => new(
        tags.GroupBy(t => (t.Machine, t.Group))
            .Select(g => new PlannedGroup(g.Key.Machine, g.Key.Group, g.First().GroupConfig, g.ToList()))
            .ToList());
}

/// <summary>One tag group of one machine.</summary>
public sealed record PlannedGroup(string Machine, string Name, TagGroupConfig Config, IReadOnlyList<ResolvedTag> Tags)
{
    public bool IsPoll => Config.Mode == AcquisitionMode.Poll;

    public TimeSpan Interval => TimeSpan.FromMilliseconds(Config.IntervalMs);
}
