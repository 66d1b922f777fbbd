using System.Globalization;
using System.Xml.Linq;
using Gateway.Connectors.OpcUa.Discovery;
using Gateway.Testing;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>
/// The browse paths and type ids of <see cref="MachineToolModel"/> held against the normative files in
/// ../shared/opcua-schema/companion (the DI, Machinery and MachineTool nodesets and NodeId lists): every path the model
/// reads is an instance declaration of its type, so a typo or a renamed node fails here, not at a customer's machine.
/// </summary>
public sealed class MachineToolModelTests
{
    internal static readonly string CompanionDirectory = Path.Combine(RepositoryPaths.Root, "..", "shared", "opcua-schema", "companion");

    private static readonly Lazy<CompanionNodeSets> NodeSets = new(() => CompanionNodeSets.Load(
        Path.Combine(CompanionDirectory, "Opc.Ua.Di.NodeSet2.xml"),
        Path.Combine(CompanionDirectory, "Opc.Ua.Machinery.NodeSet2.xml"),
        Path.Combine(CompanionDirectory, "Opc.Ua.MachineTool.NodeSet2.xml")));

    [Fact]
    public void The_type_ids_are_those_of_the_MachineTool_NodeId_list()
    {
        var ids = NodeIdList("Opc.Ua.MachineTool.NodeIds.csv");
        Assert.Equal(MachineToolModel.MachineToolType, ids["MachineToolType"]);
        Assert.Equal(MachineToolModel.ChannelMonitoringType, ids["ChannelMonitoringType"]);
        Assert.Equal(MachineToolModel.SpindleMonitoringType, ids["SpindleMonitoringType"]);
        Assert.Equal(MachineToolModel.ProductionJobType, ids["ProductionJobType"]);
    }

    public static TheoryData<string, string, string> Paths()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (type, items) in new[] { ("MachineToolType", MachineToolModel.InstanceItems), ("ChannelMonitoringType", MachineToolModel.ChannelItems), ("SpindleMonitoringType", MachineToolModel.SpindleItems), ("ProductionJobType", MachineToolModel.JobItems) })
        {
            foreach (var item in items)
            {
                data.Add(type, item.Tag, string.Join("/", item.Path));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Every_path_the_model_reads_is_declared_by_its_type_in_the_nodeset(string type, string tag, string path)
    {
        var nodeSets = NodeSets.Value;
        var start = nodeSets.TypeNamed(MachineToolModel.MachineToolUri, type);
        var segments = path.Split('/').Select(s => s.Split(':') is [var prefix, var name]
            ? (prefix switch { "mt" => MachineToolModel.MachineToolUri, "m" => MachineToolModel.MachineryUri, _ => throw new ArgumentException(prefix) }, name)
            : (CompanionNodeSets.StandardUri, s)).ToList();
        var found = nodeSets.Resolve(start, segments);
        Assert.True(found is not null, $"{type}/{path} (tag {tag}) is not an instance declaration in the nodesets");
    }

    [Fact]
    public void A_misspelt_path_is_not_found()
    {
        var nodeSets = NodeSets.Value;
        var start = nodeSets.TypeNamed(MachineToolModel.MachineToolUri, "MachineToolType");
        Assert.NotNull(nodeSets.Resolve(start, [(MachineToolModel.MachineToolUri, "Monitoring"), (MachineToolModel.MachineToolUri, "MachineTool"), (MachineToolModel.MachineToolUri, "OperationMode")]));
        Assert.Null(nodeSets.Resolve(start, [(MachineToolModel.MachineToolUri, "Monitoring"), (MachineToolModel.MachineToolUri, "MachineTool"), (MachineToolModel.MachineToolUri, "OperatingMode")]));
        Assert.Null(nodeSets.Resolve(start, [(MachineToolModel.MachineryUri, "Monitoring")])); // the right name in the wrong namespace
    }

    internal static Dictionary<string, uint> NodeIdList(string file) =>
        File.ReadLines(Path.Combine(CompanionDirectory, file))
            .Select(l => l.Split(','))
            .Where(f => f.Length == 3 && uint.TryParse(f[1], CultureInfo.InvariantCulture, out _))
            .ToDictionary(f => f[0], f => uint.Parse(f[1], CultureInfo.InvariantCulture));
}

/// <summary>
/// The nodes of a few UANodeSet files, keyed by namespace URI and identifier, with enough of their references to follow
/// instance declarations: a type's children and its supertypes' children, and a child's own children and its type's.
/// </summary>
internal sealed class CompanionNodeSets
{
    public const string StandardUri = "http://opcfoundation.org/UA/";
    private static readonly XNamespace Ua = "http://opcfoundation.org/UA/2011/03/UANodeSet.xsd";
    private static readonly HashSet<string> Hierarchical = ["i=47", "i=46", "i=35", "i=49", "i=17604"];
    private readonly Dictionary<string, Node> _nodes = [];

    private sealed record Node(string Key, string BrowseUri, string BrowseName, List<(string Type, bool Forward, string Target)> References);

    public static CompanionNodeSets Load(params string[] files)
    {
        var sets = new CompanionNodeSets();
        foreach (var file in files)
        {
            var document = XDocument.Load(file);
            var uris = new List<string> { StandardUri };
            uris.AddRange(document.Root!.Element(Ua + "NamespaceUris")?.Elements(Ua + "Uri").Select(u => u.Value) ?? []);
            var aliases = document.Root.Element(Ua + "Aliases")?.Elements(Ua + "Alias").ToDictionary(a => (string)a.Attribute("Alias")!, a => a.Value) ?? [];
            string Key(string id)
            {
                id = aliases.GetValueOrDefault(id, id);
                if (id.StartsWith("ns=", StringComparison.Ordinal))
                {
                    var semicolon = id.IndexOf(';', StringComparison.Ordinal);
                    return uris[int.Parse(id[3..semicolon], CultureInfo.InvariantCulture)] + "|" + id[(semicolon + 1)..];
                }

                return StandardUri + "|" + id;
            }

            foreach (var element in document.Root.Elements().Where(e => e.Name.LocalName.StartsWith("UA", StringComparison.Ordinal)))
            {
                var browse = (string)element.Attribute("BrowseName")!;
                var colon = browse.IndexOf(':', StringComparison.Ordinal);
                var (uri, name) = colon > 0 && int.TryParse(browse[..colon], CultureInfo.InvariantCulture, out var ns) ? (uris[ns], browse[(colon + 1)..]) : (StandardUri, browse);
                var references = element.Element(Ua + "References")?.Elements(Ua + "Reference")
                    .Select(r => (Key((string)r.Attribute("ReferenceType")!).Split('|')[1], (string?)r.Attribute("IsForward") != "false", Key(r.Value.Trim())))
                    .ToList() ?? [];
                var key = Key((string)element.Attribute("NodeId")!);
                sets._nodes[key] = new Node(key, uri, name, references);
            }
        }

        return sets;
    }

    public string TypeNamed(string uri, string name) =>
        _nodes.Values.Single(n => n.BrowseUri == uri && n.BrowseName == name && n.Key.StartsWith(uri, StringComparison.Ordinal)).Key;

    /// <summary>The node at the end of the path below <paramref name="start"/>, or null.</summary>
    public string? Resolve(string start, IReadOnlyList<(string Uri, string Name)> path)
    {
        var current = start;
        foreach (var (uri, name) in path)
        {
            current = Children(current).FirstOrDefault(c => _nodes[c].BrowseUri == uri && _nodes[c].BrowseName == name);
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    /// <summary>A node's hierarchical children, its supertypes' (a type), and its type definition's (an instance).</summary>
    private IEnumerable<string> Children(string key)
    {
        var seen = new HashSet<string>();
        var queue = new Queue<string>([key]);
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            if (!seen.Add(node) || !_nodes.TryGetValue(node, out var declared))
            {
                continue;
            }

            foreach (var (type, forward, target) in declared.References)
            {
                if (forward && Hierarchical.Contains(type) && _nodes.ContainsKey(target))
                {
                    yield return target;
                }
                else if ((type == "i=45" && !forward) || (type == "i=40" && forward))
                {
                    queue.Enqueue(target); // the supertype, or the type definition
                }
            }
        }
    }
}
