using Gateway.Configuration.Model;

namespace Gateway.Configuration;

/// <summary>Names added, removed and modified between two configurations.</summary>
public sealed record NamedChanges(IReadOnlyList<string> Added, IReadOnlyList<string> Removed, IReadOnlyList<string> Modified)
{
    public bool Any => Added.Count + Removed.Count + Modified.Count > 0;

    /// <summary>Every name whose running instance must be stopped (removed or modified).</summary>
    public IEnumerable<string> ToStop => Removed.Concat(Modified);

    /// <summary>Every name that must be started (added or modified).</summary>
    public IEnumerable<string> ToStart => Added.Concat(Modified);
}

/// <summary>
/// Which sources and sinks changed between two valid configurations, so that hot reload restarts only those.
/// A source counts as modified when its own settings or any of its expanded tags changed (a template, the
/// file's normalize or the gateway labels can change a source without touching its block).
/// </summary>
public sealed class ConfigurationDiff
{
    private ConfigurationDiff(NamedChanges sources, NamedChanges sinks, IReadOnlyList<string> sections)
    {
        Sources = sources;
        Sinks = sinks;
        ChangedSections = sections;
    }

    public NamedChanges Sources { get; }

    public NamedChanges Sinks { get; }

    /// <summary>Top-level sections other than sources and sinks that differ (gateway, buffer, http, logging, ...).</summary>
    public IReadOnlyList<string> ChangedSections { get; }

    public bool HasChanges => Sources.Any || Sinks.Any || ChangedSections.Count > 0;

    public static ConfigurationDiff Between(ConfigurationResult previous, ConfigurationResult current)
    {
        var before = previous.Config ?? throw new ArgumentException("the previous configuration has errors", nameof(previous));
        var after = current.Config ?? throw new ArgumentException("the current configuration has errors", nameof(current));

        var sources = Compare(
            before.Sources.ToDictionary(s => s.Name, s => SourceFingerprint(s, previous), StringComparer.Ordinal),
            after.Sources.ToDictionary(s => s.Name, s => SourceFingerprint(s, current), StringComparer.Ordinal));
        var sinks = Compare(
            before.Sinks.ToDictionary(s => s.Name, ConfigurationPrinter.Fingerprint, StringComparer.Ordinal),
            after.Sinks.ToDictionary(s => s.Name, ConfigurationPrinter.Fingerprint, StringComparer.Ordinal));

        var sections = new List<string>();
        void Section(string name, object? a, object? b)
        {
            var left = a is null ? "" : ConfigurationPrinter.Fingerprint(a);
            var right = b is null ? "" : ConfigurationPrinter.Fingerprint(b);
            if (!string.Equals(left, right, StringComparison.Ordinal))
            {
                sections.Add(name);
            }
        }

        Section("gateway", before.Gateway, after.Gateway);
        Section("simulator", before.Simulator, after.Simulator);
        Section("oee", before.Oee, after.Oee);
        Section("normalize", before.Normalize, after.Normalize);
        Section("buffer", before.Buffer, after.Buffer);
        Section("http", before.Http, after.Http);
        Section("logging", before.Logging, after.Logging);
        return new ConfigurationDiff(sources, sinks, sections);
    }

    private static NamedChanges Compare(Dictionary<string, string> before, Dictionary<string, string> after) => new(
        after.Keys.Where(k => !before.ContainsKey(k)).ToList(),
        before.Keys.Where(k => !after.ContainsKey(k)).ToList(),
        after.Keys.Where(k => before.TryGetValue(k, out var old) && !string.Equals(old, after[k], StringComparison.Ordinal)).ToList());

    private static string SourceFingerprint(SourceConfig source, ConfigurationResult result)
    {
        var text = new System.Text.StringBuilder(ConfigurationPrinter.Fingerprint(source));
        foreach (var tag in result.Tags.Where(t => t.Source == source.Name))
        {
            text.Append('\n').Append(tag.Machine).Append('|').Append(tag.Group).Append('|').Append(tag.Tag)
                .Append('|').Append(ConfigurationPrinter.Fingerprint(tag.Address))
                .Append('|').Append(tag.Measurement).Append('|').Append(tag.Labels).Append('|').Append(tag.IntervalMs)
                .Append('|').Append(ConfigurationPrinter.Fingerprint(tag.Normalize))
                .Append('|').Append(ConfigurationPrinter.Fingerprint(tag.GroupOptions));
        }

        return text.ToString();
    }
}
