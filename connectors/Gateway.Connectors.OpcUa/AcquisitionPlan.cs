namespace Gateway.Connectors.OpcUa;

/// <summary>A source's tags grouped the way they are read: one entry per tag group (poll or subscribe, one rate).</summary>
public sealed class AcquisitionPlan
{
    private AcquisitionPlan(IReadOnlyList<PlannedGroup> groups) => Groups = groups;

    public IReadOnlyList<PlannedGroup> Groups { get; }

    public int TagCount => Groups.Sum(g => g.Tags.Count);

    public static AcquisitionPlan From(IEnumerable<OpcUaTag> tags) => From(tags, []);

    /// <param name="tagless">Groups that have no tags (yet): a discovery group before its first discovery.</param>
    public static AcquisitionPlan From(IEnumerable<OpcUaTag> tags, IEnumerable<PlannedGroup> tagless)
    {
        var groups = tags.GroupBy(t => (t.Machine, t.Group))
            .Select(g => new PlannedGroup(g.Key.Machine, g.Key.Group, g.First().GroupConfig, g.First().Interval, g.ToList()))
            .ToList();
        groups.AddRange(tagless.Where(t => !groups.Contains(t)).Select(t => t with { Tags = [] }));
        return new AcquisitionPlan(groups);
    }
}

/// <summary>One tag group of one machine; the same group (machine and name) also after a discovery changed its tags.</summary>
public sealed record PlannedGroup(string Machine, string Name, OpcUaGroupOptions Config, TimeSpan Interval, IReadOnlyList<OpcUaTag> Tags)
{
    public bool IsPoll => Config.Mode == AcquisitionMode.Poll;

    public bool IsEvents => Config.Mode == AcquisitionMode.Events;

    public int IntervalMs => (int)Interval.TotalMilliseconds;

    public bool Equals(PlannedGroup? other) =>
        other is not null && string.Equals(Machine, other.Machine, StringComparison.Ordinal) && string.Equals(Name, other.Name, StringComparison.Ordinal);

    public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(Machine), StringComparer.Ordinal.GetHashCode(Name));
}
