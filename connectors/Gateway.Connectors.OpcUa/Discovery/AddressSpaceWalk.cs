using Gateway.OpcUa.Client;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa.Discovery;

/// <summary>A node the walk reached: its path of browse names below the start, and what the Browse result said of it.</summary>
public sealed record FoundNode(NodeId NodeId, IReadOnlyList<QualifiedName> Path, NodeClass NodeClass, NodeId TypeDefinition)
{
    /// <summary>The browse names below the start without namespace prefixes, '/'-separated (what a glob matches).</summary>
    public string PathText => string.Join("/", Path.Select(p => p.Name));
}

/// <summary>What a walk found, and whether <see cref="AddressSpaceWalk.MaxNodes"/> cut it short.</summary>
public sealed record WalkResult(IReadOnlyList<FoundNode> Nodes, int Visited, bool CutShort);

/// <summary>
/// Walks the address space below a start node breadth-first along forward hierarchical references (Part 4, 5.8.2):
/// many nodes per Browse call (the server's MaxNodesPerBrowse), every continuation point followed with BrowseNext and
/// released when the walk stops early, each node visited once (the reference graph may have cycles and shared nodes),
/// and at most <see cref="MaxNodes"/> nodes visited.
/// </summary>
public sealed class AddressSpaceWalk(OpcUaClient client)
{
    // Part 3, 5.2: the reference types a walk needs that the generated vocabulary does not name.
    internal static readonly NodeId HasSubtype = new(0, 45u);
    internal static readonly NodeId HasComponent = new(0, 47u);
    internal static readonly NodeId BaseObjectType = new(0, 58u);

    /// <summary>Most nodes visited (browsed or listed) before the walk stops.</summary>
    public int MaxNodes { get; init; } = 20_000;

    /// <summary>References asked for per node and call; the server may send fewer with a continuation point.</summary>
    public uint MaxReferencesPerNode { get; init; } = 1000;

    /// <summary>
    /// The nodes below <paramref name="start"/>; <paramref name="descend"/> says whether to browse below a found node
    /// (its path, its class), so a glob prunes the walk instead of filtering a whole tree.
    /// </summary>
    public async Task<WalkResult> WalkAsync(NodeId start, Func<FoundNode, bool> descend, CancellationToken cancellationToken)
    {
        var seen = new HashSet<NodeId> { start };
        var found = new List<FoundNode>();
        var level = new List<(NodeId Node, IReadOnlyList<QualifiedName> Path)> { (start, []) };
        var perCall = await NodesPerBrowseAsync(cancellationToken);
        var cut = false;
        while (level.Count > 0 && !cut)
        {
            var next = new List<(NodeId, IReadOnlyList<QualifiedName>)>();
            foreach (var chunk in level.Chunk(perCall))
            {
                var references = await BrowseChunkAsync(chunk.Select(c => c.Node).ToList(), cancellationToken);
                for (var i = 0; i < chunk.Length && !cut; i++)
                {
                    foreach (var reference in references[i])
                    {
                        // Only this server's nodes: a reference to another server (ServerIndex > 0) is not followed.
                        if (reference.NodeId.ServerIndex != 0 || !seen.Add(reference.NodeId.NodeId))
                        {
                            continue;
                        }

                        if (seen.Count > MaxNodes)
                        {
                            cut = true;
                            break;
                        }

                        var node = new FoundNode(reference.NodeId.NodeId, [.. chunk[i].Path, reference.BrowseName], reference.NodeClass, reference.TypeDefinition.NodeId);
                        found.Add(node);
                        if (descend(node))
                        {
                            next.Add((node.NodeId, node.Path));
                        }
                    }
                }

                if (cut)
                {
                    break;
                }
            }

            level = next;
        }

        return new WalkResult(found, Math.Min(seen.Count, MaxNodes), cut);
    }

    /// <summary>The server's MaxNodesPerBrowse (Part 5, 6.3.11), at most 500 per call either way.</summary>
    private async Task<int> NodesPerBrowseAsync(CancellationToken cancellationToken)
    {
        var values = await client.ReadAsync([new ReadValueId(WellKnownNodes.MaxNodesPerBrowse)], TimestampsToReturn.Neither, cancellationToken);
        return values.Length == 1 && values[0].Status.IsGood && values[0].Value.TryGetInt64(out var limit) && limit > 0 ? (int)Math.Min(limit, 500) : 500;
    }

    /// <summary>
    /// Every forward hierarchical reference of each node. A node whose continuation point the server could not keep
    /// (BadNoContinuationPoints: its MaxBrowseContinuationPoints is used up by the others) is browsed again alone.
    /// </summary>
    private async Task<List<ReferenceDescription>[]> BrowseChunkAsync(IReadOnlyList<NodeId> nodes, CancellationToken cancellationToken)
    {
        var all = nodes.Select(_ => new List<ReferenceDescription>()).ToArray();
        var results = await client.BrowseAsync(nodes.Select(n => new BrowseDescription { NodeId = n, BrowseDirection = BrowseDirection.Forward }).ToList(), MaxReferencesPerNode, cancellationToken);
        var retryAlone = new List<int>();
        var pending = new List<(int Index, byte[] Point)>();
        for (var i = 0; i < nodes.Count; i++)
        {
            var result = i < results.Length ? results[i] : null;
            if (result is null || result.StatusCode.Code == StatusCodes.BadNoContinuationPoints)
            {
                retryAlone.Add(i);
                continue;
            }

            Collect(all[i], result, pending, i);
        }

        try
        {
            while (pending.Count > 0)
            {
                var points = pending.ToList();
                pending.Clear();
                var more = await client.BrowseNextAsync(points.Select(p => (byte[]?)p.Point).ToList(), false, cancellationToken);
                for (var j = 0; j < points.Count; j++)
                {
                    if (j < more.Length)
                    {
                        Collect(all[points[j].Index], more[j], pending, points[j].Index);
                    }
                }
            }
        }
        finally
        {
            // Stopped early (cancelled, a failed call): give the server its continuation points back.
            if (pending.Count > 0)
            {
                try
                {
                    await client.BrowseNextAsync(pending.Select(p => (byte[]?)p.Point).ToList(), true, CancellationToken.None);
                }
                catch (UaException)
                {
                }
            }
        }

        foreach (var i in retryAlone)
        {
            all[i].AddRange(await client.BrowseAllAsync(nodes[i], MaxReferencesPerNode, cancellationToken));
        }

        return all;
    }

    private static void Collect(List<ReferenceDescription> into, BrowseResult result, List<(int, byte[])> pending, int index)
    {
        // A node that cannot be browsed (access, gone meanwhile) contributes nothing; the walk goes on.
        if (result.StatusCode.IsBad)
        {
            return;
        }

        into.AddRange(result.References ?? []);
        if (result.ContinuationPoint is { Length: > 0 } point)
        {
            pending.Add((index, point));
        }
    }

    /// <summary>Whether <paramref name="type"/> is <paramref name="baseType"/> or one of its subtypes, following inverse HasSubtype; cached per walk owner.</summary>
    public async Task<bool> IsSubtypeOfAsync(NodeId type, NodeId baseType, Dictionary<NodeId, NodeId?> supertypes, CancellationToken cancellationToken)
    {
        var current = type;
        for (var depth = 0; depth < 32 && !current.IsNull; depth++)
        {
            if (current == baseType)
            {
                return true;
            }

            if (!supertypes.TryGetValue(current, out var super))
            {
                var results = await client.BrowseAsync(
                    [new BrowseDescription { NodeId = current, BrowseDirection = BrowseDirection.Inverse, ReferenceTypeId = HasSubtype, IncludeSubtypes = false }],
                    1,
                    cancellationToken);
                super = results.Length == 1 && results[0].StatusCode.IsGood && results[0].References is { Length: > 0 } refs ? refs[0].NodeId.NodeId : null;
                if (results.Length == 1 && results[0].ContinuationPoint is { Length: > 0 } point)
                {
                    await client.BrowseNextAsync([point], true, cancellationToken);
                }

                supertypes[current] = super;
            }

            if (super is null)
            {
                return false;
            }

            current = super;
        }

        return false;
    }
}
