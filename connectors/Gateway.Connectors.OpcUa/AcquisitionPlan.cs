namespace Gateway.Connectors.OpcUa;

/// <summary>A source's tags grouped the way they are read: one entry per tag group (poll or subscribe, one rate).</summary>
public sealed class AcquisitionPlan
{
    private AcquisitionPlan(IReadOnlyList<PlannedGroup> groups) => Groups = groups;

    public IReadOnlyList<PlannedGroup> Groups { get; }

    public int TagCount => Groups.Sum(g => g.Tags.Count);

    public static AcquisitionPlan From(IEnumerable<OpcUaTag> tags) => new(
        tags.GroupBy(t => (t.Machine, t.Group))
            .Select(g => new PlannedGroup(g.Key.Machine, g.Key.Group, g.First().GroupConfig, g.First().Interval, g.ToList()))
            .ToList());
}

/// <summary>One tag group of one machine.</summary>
public sealed record PlannedGroup(string Machine, string Name, OpcUaGroupOptions Config, TimeSpan Interval, IReadOnlyList<OpcUaTag> Tags)
{
    public bool IsPoll => Config.Mode == AcquisitionMode.Poll;

    public bool IsEvents => Config.Mode == AcquisitionMode.Events;

    public int IntervalMs => (int)Interval.TotalMilliseconds;
}
