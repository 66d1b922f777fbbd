using Gateway.OpcUa.Client;

namespace Gateway.Connectors.OpcUa.Discovery;

/// <summary>Runs a group's `discover:`: the browse with a glob, or a companion model.</summary>
public static class GroupDiscovery
{
    public static async Task<DiscoveryResult> RunAsync(OpcUaClient client, DiscoverOptions options, CancellationToken cancellationToken)
    {
        if (options.Model != DiscoveryModel.Machinetool)
        {
            return await BrowseDiscovery.DiscoverAsync(client, options, cancellationToken);
        }

        var (instances, warning, visited) = await MachineToolModel.FindAsync(client, options.MaxNodes, cancellationToken);
        var chosen = instances.Where(i => BrowseGlob.NameMatches(options.Instances, i.Name)).ToList();
        if (chosen.Count == 0)
        {
            warning ??= instances.Count == 0
                ? "no MachineToolType instance found below Objects"
                : $"no MachineTool instance matches discover.instances '{options.Instances}' (found: {string.Join(", ", instances.Select(i => i.Name))})";
        }

        // One machine tool: its tags by their model names; more: each name starts with the instance's.
        var tags = chosen.Count == 1
            ? chosen[0].Tags
            : chosen.SelectMany(i => i.Tags.Select(t => t with { Name = DiscoveredTagNames.FromPath([i.Name]) + "." + t.Name })).ToList();
        return new DiscoveryResult(DiscoveredTagNames.Unique(tags), warning, visited);
    }
}
