using System.CommandLine;
using System.Text;
using System.Text.Json;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Client.DataTypes;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Transport;
using Gateway.OpcUa.Types;

namespace Gateway.Host.CommandLine;

/// <summary>
/// `gateway browse ENDPOINT [--from NODEID] [--depth N] [--json] [--yaml] [--include-server] [--model machinetool]`: walks the address space.
/// From the Objects folder (the default) every object in it is a machine; from any other node, that node is the
/// machine. `--yaml` prints one template per machine. The Server object (i=2253: diagnostics, capabilities) is left
/// out unless `--include-server` is given, and a walk that the depth limit cut short says so on stderr.
/// </summary>
public static class BrowseCommand
{
    public static Command Create()
    {
        var endpoint = new Argument<string>("ENDPOINT") { Description = "The server, e.g. opc.tcp://192.168.0.10:4840." };
        var from = new Option<string>("--from") { Description = "Start node (default: the Objects folder, i=85, whose objects are the machines; any other start node is one machine).", DefaultValueFactory = _ => "i=85" };
        var depth = new Option<int>("--depth") { Description = "How many levels to walk.", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of nodes." };
        var yaml = new Option<bool>("--yaml") { Description = "Print a template per machine object, with a tag for each of its variables, to paste into the gateway config." };
        var includeServer = new Option<bool>("--include-server") { Description = "Also walk the Server object (i=2253: diagnostics and capabilities), left out by default." };
        var model = new Option<string?>("--model") { Description = "With --yaml: write out a companion model's instances instead of a walk: `machinetool` (OPC 40501: every MachineToolType instance, found by type)." };
        model.AcceptOnlyFromAmong("machinetool");
        var command = new Command("browse", "Walk an OPC UA server's address space.") { endpoint, from, depth, json, yaml, includeServer, model };
        var connection = new ConnectionOptions();
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                if (connection.ClientOptions(parse, new OpcUaClientOptions { KeepAliveInterval = TimeSpan.Zero }) is not { } options)
                {
                    return ExitCodes.Usage;
                }

                await using var client = await OpcUaClient.ConnectAsync(parse.GetValue(endpoint)!, options, cancellationToken);
                if (parse.GetValue(model) is not null)
                {
                    var (machineTools, warning) = await MachineToolYaml.WriteAsync(client, parse.GetValue(endpoint)!, cancellationToken);
                    if (warning is not null)
                    {
                        error.WriteLine($"gateway browse: {warning}");
                    }

                    output.Write(machineTools);
                    return ExitCodes.Ok;
                }

                var start = client.ResolveNodeId(parse.GetValue(from)!);
                var walk = new Walk(client, parse.GetValue(depth), parse.GetValue(includeServer));

                // From the Objects folder each object is a machine; from anywhere else the start node is the machine.
                var startMachine = start == WellKnownNodes.ObjectsFolder ? null : await BrowseNameAsync(client, start, cancellationToken);
                await walk.VisitAsync(start, "", startMachine, "", 0, cancellationToken);
                var cut = await walk.CutShortAsync(cancellationToken);
                var cutNote = cut.Count == 0 ? null
                    : $"--depth {walk.Depth} stopped the walk at {cut.Count} object(s) with children not listed (e.g. {cut[0]}); use --depth {walk.Depth + 1} or more to see them";
                if (cutNote is not null)
                {
                    error.WriteLine($"gateway browse: {cutNote}");
                }

                if (parse.GetValue(json))
                {
                    output.WriteLine(JsonSerializer.Serialize(walk.Found.Select(n => new { nodeId = n.NodeId, browseName = n.BrowseName, displayName = n.DisplayName, nodeClass = n.NodeClass, dataType = n.DataType, path = n.Path }), JsonText.Options));
                }
                else if (parse.GetValue(yaml))
                {
                    output.Write(ToYaml(walk.Found, client.NamespaceArray, parse.GetValue(endpoint)!, cutNote));
                }
                else
                {
                    foreach (var node in walk.Found)
                    {
                        output.WriteLine($"{new string(' ', node.Level * 2)}{node.DisplayName} ({node.NodeClass}{(node.DataType is null ? "" : ", " + node.DataType)}) {node.NodeId}");
                    }
                }

                return ExitCodes.Ok;
            }
            catch (UaException e)
            {
                error.WriteLine($"gateway browse: {e.Message} ({e.StatusName})");
                return ExitCodes.ConnectionError;
            }
        });
        return command;
    }

    /// <summary>A node found by the walk; <paramref name="Machine"/> is the machine object it belongs to, <paramref name="InMachine"/> its path below it.</summary>
    private sealed record BrowsedNode(string NodeId, string BrowseName, string DisplayName, string NodeClass, string? DataType, string Path, int Level, string Machine, string InMachine)
    {
        /// <summary>For a variable of a structured DataType the server describes: its leaf field paths.</summary>
        public IReadOnlyList<string>? StructureFields { get; init; }
    }

    private static async Task<string> BrowseNameAsync(OpcUaClient client, NodeId node, CancellationToken cancellationToken)
    {
        var values = await client.ReadAsync([new ReadValueId(node, Attributes.BrowseName)], TimestampsToReturn.Neither, cancellationToken);
        return values.Length == 1 && values[0].Value.Value is QualifiedName name && !string.IsNullOrEmpty(name.Name) ? name.Name : node.ToString();
    }

    private sealed class Walk(OpcUaClient client, int depth, bool includeServer)
    {
        private readonly HashSet<NodeId> _seen = [];
        private readonly List<(NodeId Node, string Path)> _notWalked = [];

        public int Depth => depth;

        public List<BrowsedNode> Found { get; } = [];

        public async Task VisitAsync(NodeId node, string path, string? machine, string inMachine, int level, CancellationToken cancellationToken)
        {
            if (!_seen.Add(node))
            {
                return;
            }

            if (level >= depth)
            {
                _notWalked.Add((node, path));
                return;
            }

            var references = (await client.BrowseAllAsync(node, 1000, cancellationToken))
                .Where(r => includeServer || r.NodeId.NodeId != WellKnownNodes.Server)
                .ToList();
            var dataTypes = await DataTypesAsync(references, cancellationToken);
            foreach (var reference in references)
            {
                var id = reference.NodeId.NodeId;
                var name = reference.BrowseName.Name ?? "";
                var childPath = path.Length == 0 ? reference.BrowseName.ToString() : path + "/" + reference.BrowseName;

                // A machine is an object directly in the Objects folder; variables there belong to "objects".
                var childMachine = machine ?? (reference.NodeClass == NodeClass.Object ? name : "objects");
                var childInMachine = machine is null && reference.NodeClass == NodeClass.Object ? "" : inMachine.Length == 0 ? name : inMachine + "/" + name;
                Found.Add(new BrowsedNode(id.ToString(), reference.BrowseName.ToString(), reference.DisplayName.Text ?? "", reference.NodeClass.ToString(), dataTypes.GetValueOrDefault(id), "Objects/" + childPath, level, childMachine, childInMachine)
                {
                    StructureFields = _structureFields.GetValueOrDefault(id),
                });
                if (reference.NodeClass == NodeClass.Object)
                {
                    await VisitAsync(id, childPath, childMachine, childInMachine, level + 1, cancellationToken);
                }
            }
        }

        private async Task<Dictionary<NodeId, string>> DataTypesAsync(List<ReferenceDescription> references, CancellationToken cancellationToken)
        {
            var variables = references.Where(r => r.NodeClass == NodeClass.Variable).ToList();
            var dataTypes = new Dictionary<NodeId, string>();
            if (variables.Count == 0)
            {
                return dataTypes;
            }

            var types = await client.ReadAsync(variables.Select(v => new ReadValueId(v.NodeId.NodeId, Attributes.DataType)).ToList(), TimestampsToReturn.Neither, cancellationToken);
            for (var i = 0; i < variables.Count; i++)
            {
                if (types[i].Value.Value is NodeId type)
                {
                    dataTypes[variables[i].NodeId.NodeId] = type.NamespaceIndex == 0 && type.IdType == IdType.Numeric && type.NumericIdentifier <= 25
                        ? ((BuiltInType)type.NumericIdentifier).ToString()
                        : type.NamespaceIndex == 0 && type.IdType == IdType.Numeric && type.NumericIdentifier == DecimalValue.DataTypeId ? "Decimal"
                        : await StructureNameAsync(variables[i].NodeId.NodeId, type, cancellationToken) ?? type.ToString();
                }
            }

            return dataTypes;
        }

        private readonly Dictionary<NodeId, IReadOnlyList<string>> _structureFields = [];
        private DataTypeCatalog? _catalog;

        /// <summary>"ToolData (structure)" for a DataType the server describes as a structure (its fields kept for --yaml); else null.</summary>
        private async Task<string?> StructureNameAsync(NodeId variable, NodeId dataType, CancellationToken cancellationToken)
        {
            _catalog ??= new DataTypeCatalog(client);
            try
            {
                var info = await _catalog.ResolveAsync(dataType, cancellationToken);
                if (info.Structure is { } layout)
                {
                    _structureFields[variable] = layout.LeafPaths();
                    return $"{info.Name} (structure)";
                }

                return info.IsStructure ? $"{info.Name} (structure, not described: {info.Problem ?? "abstract"})" : info.Enum is not null ? $"{info.Name} (enumeration)" : null;
            }
            catch (UaException)
            {
                return null;
            }
        }

        /// <summary>The paths of the objects the depth limit left unwalked that do have children (one Browse call per 100).</summary>
        public async Task<IReadOnlyList<string>> CutShortAsync(CancellationToken cancellationToken)
        {
            var cut = new List<string>();
            foreach (var chunk in _notWalked.Chunk(100))
            {
                var results = await client.BrowseAsync(chunk.Select(c => new BrowseDescription { NodeId = c.Node }).ToList(), 1, cancellationToken);
                for (var i = 0; i < results.Length && i < chunk.Length; i++)
                {
                    if (results[i].References is { Length: > 0 } && (includeServer || results[i].References!.Any(r => r.NodeId.NodeId != WellKnownNodes.Server)))
                    {
                        cut.Add("Objects/" + chunk[i].Path);
                    }
                }
            }

            return cut;
        }
    }

    /// <summary>
    /// One template per machine object, each with one group of its variables named by their path below the machine
    /// (Spindle/Speed -> spindle_speed), and a commented source that uses them.
    /// </summary>
    private static string ToYaml(List<BrowsedNode> nodes, IReadOnlyList<string> namespaces, string endpoint, string? cutNote)
    {
        var machines = nodes.Where(n => n.NodeClass == nameof(NodeClass.Variable)).GroupBy(n => n.Machine).ToList();
        var text = new StringBuilder();
        text.Append("# gateway browse ").Append(endpoint).Append(": ").Append(machines.Count).Append(" machine object(s), ")
            .Append(machines.Sum(m => m.Count())).Append(" variable(s). One template per machine; the source at the end uses them.\n");
        if (cutNote is not null)
        {
            text.Append("# ").Append(cutNote).Append('\n');
        }

        text.Append("templates:\n");
        var templateNames = new HashSet<string>(StringComparer.Ordinal);
        var templates = new List<string>();
        foreach (var machine in machines)
        {
            var template = Unique(ConfigName(machine.Key), templateNames);
            templates.Add(template);
            text.Append("  ").Append(template).Append(":\n");
            text.Append("    groups:\n");
            text.Append("      - name: ").Append(template).Append('\n');
            text.Append("        tags:\n");
            var tagNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (var node in machine)
            {
                var name = Unique(TagName(node.InMachine.Length == 0 ? node.BrowseName : node.InMachine), tagNames);

                // nsu= keeps the tag right when the server renumbers its namespaces.
                var id = NodeId.Parse(node.NodeId);
                var nodeText = id.NamespaceIndex > 0 && id.NamespaceIndex < namespaces.Count
                    ? $"nsu={namespaces[id.NamespaceIndex]};{node.NodeId[(node.NodeId.IndexOf(';', StringComparison.Ordinal) + 1)..]}"
                    : node.NodeId;
                text.Append("          - name: ").Append(name).Append('\n');
                text.Append("            nodeId: \"").Append(nodeText.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                text.Append(node.DataType is null ? "\n" : $"   # {node.DataType}\n");
                if (node.StructureFields is { } fields)
                {
                    // A structure: one JSON reading by default; flatten gives a reading per field, fields: keeps a part.
                    text.Append("            structure: json   # or flatten (a reading per field: ").Append(name).Append('.').Append(fields.Count > 0 ? fields[0] : "field").Append(", ...)\n");
                    text.Append("            # fields: [").Append(string.Join(", ", fields)).Append("]\n");
                }
            }
        }

        text.Append("# sources:\n");
        text.Append("#   - name: my-server\n");
        text.Append("#     endpoint: ").Append(endpoint).Append('\n');
        text.Append("#     machines:\n");
        foreach (var template in templates)
        {
            text.Append("#       - { name: ").Append(template).Append(", template: ").Append(template).Append(" }\n");
        }

        return text.ToString();
    }

    private static string Unique(string name, HashSet<string> taken)
    {
        var unique = name;
        for (var i = 2; !taken.Add(unique); i++)
        {
            unique = $"{name}_{i}";
        }

        return unique;
    }

    /// <summary>A template or machine name as the configuration allows it: letters, digits, '_', '.', '-', not starting with a sign.</summary>
    private static string ConfigName(string browseName)
    {
        var name = new string(browseName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '-').ToArray()).Trim('-', '_', '.');
        return name.Length == 0 ? "machine" : name;
    }

    /// <summary>A tag name from a path below the machine (Spindle/Speed -> spindle_speed), starting with a letter or '_'.</summary>
    private static string TagName(string path)
    {
        var joined = string.Join("_", path.Split('/').Select(s => s.Split(':')[^1]));
        var name = new string(joined.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_').ToArray()).Trim('_');
        return name.Length == 0 ? "_" : char.IsAsciiDigit(name[0]) ? "_" + name : name;
    }
}
