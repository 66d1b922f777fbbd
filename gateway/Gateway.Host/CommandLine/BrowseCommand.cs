using System.CommandLine;
using System.Text;
using System.Text.Json;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Transport;
using Gateway.OpcUa.Types;

namespace Gateway.Host.CommandLine;

/// <summary>`gateway browse ENDPOINT [--from NODEID] [--depth N] [--json] [--yaml]`: walks the address space.</summary>
public static class BrowseCommand
{
    public static Command Create()
    {
        var endpoint = new Argument<string>("ENDPOINT") { Description = "The server, e.g. opc.tcp://192.168.0.10:4840." };
        var from = new Option<string>("--from") { Description = "Start node (default: the Objects folder, i=85).", DefaultValueFactory = _ => "i=85" };
        var depth = new Option<int>("--depth") { Description = "How many levels to walk.", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of nodes." };
        var yaml = new Option<bool>("--yaml") { Description = "Print a tags section for every variable, to paste into the gateway config." };
        var command = new Command("browse", "Walk an OPC UA server's address space.") { endpoint, from, depth, json, yaml };
        var connection = new ConnectionOptions();
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            try
            {
                if (connection.ClientOptions(parse, new OpcUaClientOptions { KeepAliveInterval = TimeSpan.Zero }) is not { } options)
                {
                    return ExitCodes.Usage;
                }

                await using var client = await OpcUaClient.ConnectAsync(parse.GetValue(endpoint)!, options, cancellationToken);
                var found = new List<BrowsedNode>();
                await WalkAsync(client, client.ResolveNodeId(parse.GetValue(from)!), "", parse.GetValue(depth), 0, found, new HashSet<NodeId>(), cancellationToken);
                if (parse.GetValue(json))
                {
                    output.WriteLine(JsonSerializer.Serialize(found.Select(n => new { nodeId = n.NodeId, browseName = n.BrowseName, displayName = n.DisplayName, nodeClass = n.NodeClass, dataType = n.DataType, path = n.Path }), JsonText.Options));
                }
                else if (parse.GetValue(yaml))
                {
                    output.Write(ToYaml(found, client.NamespaceArray));
                }
                else
                {
                    foreach (var node in found)
                    {
                        output.WriteLine($"{new string(' ', node.Level * 2)}{node.DisplayName} ({node.NodeClass}{(node.DataType is null ? "" : ", " + node.DataType)}) {node.NodeId}");
                    }
                }

                return ExitCodes.Ok;
            }
            catch (UaException e)
            {
                parse.InvocationConfiguration.Error.WriteLine($"gateway browse: {e.Message} ({e.StatusName})");
                return ExitCodes.ConnectionError;
            }
        });
        return command;
    }

    private sealed record BrowsedNode(string NodeId, string BrowseName, string DisplayName, string NodeClass, string? DataType, string Path, int Level);

    private static async Task WalkAsync(OpcUaClient client, NodeId node, string path, int depth, int level, List<BrowsedNode> found, HashSet<NodeId> seen, CancellationToken cancellationToken)
    {
        if (level >= depth || !seen.Add(node))
        {
            return;
        }

        var references = await client.BrowseAllAsync(node, 1000, cancellationToken);
        var variables = references.Where(r => r.NodeClass == NodeClass.Variable).ToList();
        var dataTypes = new Dictionary<NodeId, string>();
        if (variables.Count > 0)
        {
            var types = await client.ReadAsync(variables.Select(v => new ReadValueId(v.NodeId.NodeId, Attributes.DataType)).ToList(), TimestampsToReturn.Neither, cancellationToken);
            for (var i = 0; i < variables.Count; i++)
            {
                if (types[i].Value.Value is NodeId type)
                {
                    dataTypes[variables[i].NodeId.NodeId] = type.NamespaceIndex == 0 && type.IdType == IdType.Numeric && type.NumericIdentifier <= 25
                        ? ((BuiltInType)type.NumericIdentifier).ToString()
                        : type.ToString();
                }
            }
        }

        foreach (var reference in references)
        {
            var id = reference.NodeId.NodeId;
            var childPath = path.Length == 0 ? reference.BrowseName.ToString() : path + "/" + reference.BrowseName;
            found.Add(new BrowsedNode(id.ToString(), reference.BrowseName.ToString(), reference.DisplayName.Text ?? "", reference.NodeClass.ToString(), dataTypes.GetValueOrDefault(id), "Objects/" + childPath, level));
            if (reference.NodeClass == NodeClass.Object)
            {
                await WalkAsync(client, id, childPath, depth, level + 1, found, seen, cancellationToken);
            }
        }
    }

    private static string ToYaml(List<BrowsedNode> nodes, IReadOnlyList<string> namespaces)
    {
        var text = new StringBuilder("tags:\n");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in nodes.Where(n => n.NodeClass == nameof(NodeClass.Variable)))
        {
            // The last two path segments name the tag (Spindle/Speed -> spindle_speed).
            var joined = string.Join("_", node.Path.Split('/')[^2..].Select(s => s.Split(':')[^1]));
            var baseName = new string(joined.Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_').ToArray()).Trim('_');
            var name = baseName;
            for (var i = 2; !names.Add(name); i++)
            {
                name = $"{baseName}_{i}";
            }

            // nsu= keeps the tag right when the server renumbers its namespaces.
            var id = NodeId.Parse(node.NodeId);
            var nodeText = id.NamespaceIndex > 0 && id.NamespaceIndex < namespaces.Count
                ? $"nsu={namespaces[id.NamespaceIndex]};{node.NodeId[(node.NodeId.IndexOf(';', StringComparison.Ordinal) + 1)..]}"
                : node.NodeId;
            text.Append("  - name: ").Append(name).Append('\n');
            text.Append("    nodeId: \"").Append(nodeText.Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
            text.Append(node.DataType is null ? "\n" : $"   # {node.DataType}\n");
        }

        return text.ToString();
    }
}
