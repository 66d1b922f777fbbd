using Gateway.OpcUa.Client;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa.Discovery;

/// <summary>
/// `discover:` with a start and a glob: the variables (or objects) below the start whose browse path matches, of the
/// kept node classes and data types, named by their path below the start (`Machine1/Spindle/Speed` ->
/// `Machine1.Spindle.Speed`). The walk is pruned by the glob, so `Machine*/Spindle/*` browses three levels only.
/// </summary>
public static class BrowseDiscovery
{
    public static async Task<DiscoveryResult> DiscoverAsync(OpcUaClient client, DiscoverOptions options, CancellationToken cancellationToken)
    {
        var start = await ResolveStartAsync(client, options.Start, cancellationToken);
        if (start is null)
        {
            return new DiscoveryResult([], $"discover.start '{options.Start}' was not found on the server (a browse path from Objects, or a NodeId)", 0);
        }

        var glob = new BrowseGlob(options.Glob);
        var classes = ParseClasses(options.NodeClasses);
        var walk = new AddressSpaceWalk(client) { MaxNodes = options.MaxNodes };
        var result = await walk.WalkAsync(
            start,
            node => node.NodeClass is NodeClass.Object or NodeClass.Variable
                && node.NodeId != WellKnownNodes.Server
                && (glob.MaxDepth is not { } depth || node.Path.Count < depth)
                && glob.CouldMatchBelow(node.Path.Select(p => p.Name ?? "").ToList()),
            cancellationToken);
        var matched = result.Nodes
            .Where(n => classes.Contains(n.NodeClass) && glob.Matches(n.Path.Select(p => p.Name ?? "").ToList()))
            .ToList();
        var types = await DataTypesAsync(client, matched, cancellationToken);
        var kept = new List<DiscoveredTag>();
        for (var i = 0; i < matched.Count; i++)
        {
            var type = types[i];
            if (options.DataTypes.Count > 0 && (type is null || !options.DataTypes.Any(t => string.Equals(t, type, StringComparison.OrdinalIgnoreCase))))
            {
                continue;
            }

            kept.Add(new DiscoveredTag(DiscoveredTagNames.FromPath(matched[i].Path.Select(p => p.Name ?? "")), matched[i].NodeId, matched[i].PathText, type));
        }

        var warning = result.CutShort
            ? $"the walk from '{options.Start}' stopped at discover.maxNodes ({options.MaxNodes}) nodes; tags beyond it are not read (raise maxNodes, or narrow start or glob)"
            : null;
        return new DiscoveryResult(DiscoveredTagNames.Unique(kept), warning, result.Visited);
    }

    /// <summary>A NodeId (`ns=`, `nsu=`, `i=`...) or a browse path from Objects; null when it does not resolve.</summary>
    internal static async Task<NodeId?> ResolveStartAsync(OpcUaClient client, string start, CancellationToken cancellationToken)
    {
        if (start is "Objects" or "0:Objects" or "")
        {
            return WellKnownNodes.ObjectsFolder;
        }

        if (ExpandedNodeId.TryParse(start, out _, out _))
        {
            try
            {
                return client.ResolveNodeId(start);
            }
            catch (UaServiceException)
            {
                return null;
            }
        }

        var defaultNamespace = (ushort)Math.Max(0, client.NamespaceArray.Count - 1);
        var translated = await client.TranslateBrowsePathsAsync([OpcUaClient.ParseBrowsePath(start, defaultNamespace)], cancellationToken);
        return translated.Length == 1 && translated[0].StatusCode.IsGood && translated[0].Targets is { Length: > 0 } targets ? targets[0].TargetId.NodeId : null;
    }

    private static HashSet<NodeClass> ParseClasses(IEnumerable<string> names) =>
        names.Select(n => Enum.TryParse<NodeClass>(n, ignoreCase: true, out var c) ? c : NodeClass.Unspecified).Where(c => c != NodeClass.Unspecified).ToHashSet();

    /// <summary>The DataType of each variable (null for other node classes), read in calls of the server's MaxNodesPerRead.</summary>
    internal static async Task<string?[]> DataTypesAsync(OpcUaClient client, IReadOnlyList<FoundNode> nodes, CancellationToken cancellationToken)
    {
        var types = new string?[nodes.Count];
        var variables = Enumerable.Range(0, nodes.Count).Where(i => nodes[i].NodeClass == NodeClass.Variable).ToList();
        if (variables.Count == 0)
        {
            return types;
        }

        var values = await client.ReadAsync(variables.Select(i => new ReadValueId(nodes[i].NodeId, Attributes.DataType)).ToList(), TimestampsToReturn.Neither, cancellationToken);
        for (var j = 0; j < variables.Count && j < values.Length; j++)
        {
            types[variables[j]] = values[j].Value.Value is NodeId type ? DiscoveredTagNames.DataTypeName(type) : null;
        }

        return types;
    }
}
