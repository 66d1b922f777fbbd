using Gateway.OpcUa.Client;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa.Discovery;

/// <summary>
/// OPC 40501 (umati, MachineTool): finds every instance of MachineToolType on a server by its type, with the namespace
/// URIs resolved through the server's NamespaceArray (never by index), and the variables a shop wants first: operation
/// mode, machine state, active program and its state, part counters, overrides of each channel and spindle. The
/// browse paths are the type's instance declarations in Opc.Ua.MachineTool.NodeSet2.xml (held against that file by
/// MachineToolModelTests). Notifications (the Notification/Messages event notifier) are events: this model lists the
/// notifier's NodeId (<see cref="MachineToolInstance.MessagesNotifier"/>) for a `mode: events` group to subscribe to.
/// </summary>
public static class MachineToolModel
{
    public const string MachineToolUri = "http://opcfoundation.org/UA/MachineTool/";
    public const string MachineryUri = "http://opcfoundation.org/UA/Machinery/";

    // Opc.Ua.MachineTool.NodeIds.csv (numeric ids in the MachineTool namespace).
    public const uint MachineToolType = 13;
    public const uint ChannelMonitoringType = 16;
    public const uint SpindleMonitoringType = 22;
    public const uint ProductionJobType = 29;

    /// <summary>A variable read from every instance: its tag name and browse path below the instance ("mt:" the MachineTool, "m:" the Machinery namespace, none ns 0).</summary>
    public sealed record Item(string Tag, params string[] Path);

    /// <summary>What a shop wants first from each MachineTool instance (the first path of a tag that resolves wins).</summary>
    public static readonly IReadOnlyList<Item> InstanceItems =
    [
        new("operation_mode", "mt:Monitoring", "mt:MachineTool", "mt:OperationMode"),
        new("machine_state", "mt:Monitoring", "mt:MachineTool", "m:MachineryItemState", "CurrentState"),
        new("machine_state", "m:MachineryBuildingBlocks", "m:MachineryItemState", "CurrentState"),
        new("feed_override", "mt:Monitoring", "mt:MachineTool", "mt:FeedOverride"),
        new("power_on_duration", "mt:Monitoring", "mt:MachineTool", "mt:PowerOnDuration"),
        new("program_name", "mt:Production", "mt:ActiveProgram", "mt:Name"),
        new("program_state", "mt:Production", "mt:ActiveProgram", "mt:State", "CurrentState"),
        new("parts_produced", "mt:Production", "mt:Statistics", "mt:PartsProducedInLifetime"),
    ];

    /// <summary>Per channel (a Monitoring component of ChannelMonitoringType or a subtype), tag `channel_NAME_...`.</summary>
    public static readonly IReadOnlyList<Item> ChannelItems =
    [
        new("state", "mt:ChannelState"),
        new("mode", "mt:ChannelMode"),
        new("feed_override", "mt:FeedOverride"),
        new("rapid_override", "mt:RapidOverride"),
    ];

    /// <summary>Per spindle (a Monitoring component of SpindleMonitoringType or a subtype), tag `spindle_NAME_...`.</summary>
    public static readonly IReadOnlyList<Item> SpindleItems =
    [
        new("override", "mt:Override"),
        new("rotating", "mt:IsRotating"),
    ];

    /// <summary>Per production job (a ProductionPlan component of ProductionJobType), tag `job_NAME_...`: the part counters of the job.</summary>
    public static readonly IReadOnlyList<Item> JobItems =
    [
        new("runs_completed", "mt:RunsCompleted"),
        new("runs_planned", "mt:RunsPlanned"),
    ];

    /// <summary>
    /// Every MachineTool instance below the Objects folder, with its variables as tags. A server that does not know the
    /// MachineTool namespace has none (an empty list, with the reason).
    /// </summary>
    public static async Task<(IReadOnlyList<MachineToolInstance> Instances, string? Warning, int Visited)> FindAsync(OpcUaClient client, int maxNodes, CancellationToken cancellationToken)
    {
        var namespaces = client.NamespaceArray.ToList();
        var mt = namespaces.IndexOf(MachineToolUri);
        var machinery = namespaces.IndexOf(MachineryUri);
        if (mt < 0)
        {
            return ([], $"the server's NamespaceArray has no {MachineToolUri}: it models no OPC 40501 machine tool", 0);
        }

        var walk = new AddressSpaceWalk(client) { MaxNodes = maxNodes };
        var machineToolType = new NodeId((ushort)mt, MachineToolType);
        var supertypes = new Dictionary<NodeId, NodeId?>();
        var typeMatches = new Dictionary<(NodeId, NodeId), bool>();
        async Task<bool> IsAsync(NodeId type, NodeId baseType)
        {
            if (!typeMatches.TryGetValue((type, baseType), out var yes))
            {
                yes = await walk.IsSubtypeOfAsync(type, baseType, supertypes, cancellationToken);
                typeMatches[(type, baseType)] = yes;
            }

            return yes;
        }

        // Only objects are walked: a machine tool is an object, and its own subtree is read by path below.
        var objects = new List<FoundNode>();
        var result = await walk.WalkAsync(
            WellKnownNodes.ObjectsFolder,
            node =>
            {
                if (node.NodeClass != NodeClass.Object || node.NodeId == WellKnownNodes.Server)
                {
                    return false;
                }

                objects.Add(node);
                return true;
            },
            cancellationToken);
        var instances = new List<FoundNode>();
        foreach (var node in objects)
        {
            if (!node.TypeDefinition.IsNull && await IsAsync(node.TypeDefinition, machineToolType))
            {
                instances.Add(node);
            }
        }

        var found = new List<MachineToolInstance>();
        foreach (var instance in instances)
        {
            found.Add(await ReadInstanceAsync(client, instance, (ushort)mt, machinery < 0 ? null : (ushort)machinery, IsAsync, cancellationToken));
        }

        var warning = result.CutShort ? $"the search for machine tools stopped at discover.maxNodes ({maxNodes}) nodes; machine tools beyond it are not read (raise maxNodes)" : null;
        return (found, warning, result.Visited);
    }

    private static async Task<MachineToolInstance> ReadInstanceAsync(
        OpcUaClient client,
        FoundNode instance,
        ushort mt,
        ushort? machinery,
        Func<NodeId, NodeId, Task<bool>> isA,
        CancellationToken cancellationToken)
    {
        var wanted = new List<(string Tag, NodeId Start, string[] Path)>();
        wanted.AddRange(InstanceItems.Select(i => (i.Tag, instance.NodeId, i.Path)));

        // The placeholders (<ChannelName>, <SpindleName>, <ProductionJob>) have instance-chosen browse names: found by type.
        async Task AddComponentsAsync(string[] parentPath, uint type, string prefix, IReadOnlyList<Item> items)
        {
            var parent = await TranslateAsync(client, instance.NodeId, parentPath, mt, machinery, cancellationToken);
            if (parent is null)
            {
                return;
            }

            foreach (var child in await client.BrowseAllAsync(parent, 1000, cancellationToken))
            {
                if (child.NodeClass == NodeClass.Object && !child.TypeDefinition.NodeId.IsNull && await isA(child.TypeDefinition.NodeId, new NodeId(mt, type)))
                {
                    var name = DiscoveredTagNames.FromPath([child.BrowseName.Name ?? "x"]).ToLowerInvariant();
                    wanted.AddRange(items.Select(i => ($"{prefix}_{name}_{i.Tag}", child.NodeId.NodeId, i.Path)));
                }
            }
        }

        await AddComponentsAsync(["mt:Monitoring"], ChannelMonitoringType, "channel", ChannelItems);
        await AddComponentsAsync(["mt:Monitoring"], SpindleMonitoringType, "spindle", SpindleItems);
        await AddComponentsAsync(["mt:Production", "mt:ProductionPlan"], ProductionJobType, "job", JobItems);

        var paths = wanted.Select(w => new BrowsePath { StartingNode = w.Start, Elements = Elements(w.Path, mt, machinery) }).ToList();
        var translated = paths.Count == 0 ? [] : await client.TranslateBrowsePathsAsync(paths, cancellationToken);
        var tags = new List<DiscoveredTag>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < wanted.Count && i < translated.Length; i++)
        {
            if (translated[i].StatusCode.IsGood && translated[i].Targets is { Length: > 0 } targets && !taken.Contains(wanted[i].Tag))
            {
                taken.Add(wanted[i].Tag);
                tags.Add(new DiscoveredTag(wanted[i].Tag, targets[0].TargetId.NodeId, instance.PathText + "/" + string.Join("/", wanted[i].Path.Select(p => p.Split(':')[^1])), null));
            }
        }

        var found = tags.Select(t => new FoundNode(t.NodeId, [], NodeClass.Variable, NodeId.Null)).ToList();
        var types = await BrowseDiscovery.DataTypesAsync(client, found, cancellationToken);
        tags = tags.Select((t, i) => t with { DataType = types[i] }).ToList();
        var messages = await TranslateAsync(client, instance.NodeId, ["mt:Notification", "mt:Messages"], mt, machinery, cancellationToken);
        return new MachineToolInstance(instance.Path[^1].Name ?? "machine", instance.NodeId, instance.PathText, tags, messages);
    }

    private static async Task<NodeId?> TranslateAsync(OpcUaClient client, NodeId start, string[] path, ushort mt, ushort? machinery, CancellationToken cancellationToken)
    {
        var result = await client.TranslateBrowsePathsAsync([new BrowsePath { StartingNode = start, Elements = Elements(path, mt, machinery) }], cancellationToken);
        return result.Length == 1 && result[0].StatusCode.IsGood && result[0].Targets is { Length: > 0 } targets ? targets[0].TargetId.NodeId : null;
    }

    /// <summary>The path's browse names with this server's namespace indexes (a missing Machinery namespace makes its names unmatchable).</summary>
    private static RelativePathElement[] Elements(string[] path, ushort mt, ushort? machinery) =>
        path.Select(segment =>
        {
            var colon = segment.IndexOf(':', StringComparison.Ordinal);
            var prefix = colon < 0 ? "" : segment[..colon];
            var name = colon < 0 ? segment : segment[(colon + 1)..];
            var ns = prefix switch
            {
                "mt" => mt,
                "m" => machinery ?? ushort.MaxValue,
                _ => (ushort)0,
            };
            return new RelativePathElement { TargetName = new QualifiedName(ns, name) };
        }).ToArray();
}

/// <summary>One MachineTool instance on a server: its browse name, where it is, the tags found, and its Messages event notifier.</summary>
public sealed record MachineToolInstance(string Name, NodeId NodeId, string Path, IReadOnlyList<DiscoveredTag> Tags, NodeId? MessagesNotifier);
