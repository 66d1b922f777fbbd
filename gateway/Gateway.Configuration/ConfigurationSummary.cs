namespace Gateway.Configuration;

/// <summary>The one line `gateway validate` prints on success.</summary>
public static class ConfigurationSummary
{
    /// <summary>"2 sources, 14 machines, 560 tags, 2 sinks" (counts what is configured, enabled or not).</summary>
    public static string Describe(ConfigurationResult result)
    {
        var config = result.Config;
        if (config is null)
        {
            return $"{Count(result.Errors.Count, "error")} in {result.Path}";
        }

        var machines = config.Sources.Sum(s => s.Machines.Count);
        return $"{Count(config.Sources.Count, "source")}, {Count(machines, "machine")}, {Count(result.Tags.Count, "tag")}, {Count(config.Sinks.Count, "sink")}";
    }

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
