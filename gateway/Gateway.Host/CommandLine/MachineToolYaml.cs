using System.Text;
using Gateway.Connectors.OpcUa.Discovery;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Types;

namespace Gateway.Host.CommandLine;

/// <summary>
/// `gateway browse ENDPOINT --yaml --model machinetool`: every OPC 40501 MachineTool instance on the server (found by
/// type, see <see cref="MachineToolModel"/>) as a machine of a source, with one group listing the variables a shop wants
/// first as tags (NodeIds with `nsu=`), and the one-line `discover:` group that finds the same at every connect.
/// </summary>
public static class MachineToolYaml
{
    public static async Task<(string Yaml, string? Warning)> WriteAsync(OpcUaClient client, string endpoint, CancellationToken cancellationToken)
    {
        var (instances, warning, _) = await MachineToolModel.FindAsync(client, 20_000, cancellationToken);
        var text = new StringBuilder();
        text.Append("# gateway browse ").Append(endpoint).Append(" --model machinetool: ").Append(instances.Count)
            .Append(" machine tool(s) (OPC 40501, MachineToolType), ").Append(instances.Sum(i => i.Tags.Count)).Append(" variable(s).\n");
        text.Append("# Instead of the tag lists, a group `discover: {model: machinetool, instances: NAME}` (beside one listed tag) finds them at every connect.\n");
        text.Append("sources:\n");
        text.Append("  - name: machine-tools\n");
        text.Append("    endpoint: ").Append(endpoint).Append('\n');
        text.Append("    machines:\n");
        foreach (var instance in instances)
        {
            text.Append("      - name: ").Append(ConfigName(instance.Name)).Append("   # ").Append(instance.Path).Append('\n');
            text.Append("        groups:\n");
            text.Append("          - name: machinetool\n");
            text.Append("            intervalMs: 1000\n");
            text.Append("            tags:\n");
            foreach (var tag in instance.Tags)
            {
                text.Append("              - name: ").Append(tag.Name).Append('\n');
                text.Append("                nodeId: \"").Append(Quote(NodeText(tag.NodeId, client.NamespaceArray))).Append('"');
                text.Append(tag.DataType is null ? "\n" : $"   # {tag.DataType}\n");
            }

            if (instance.MessagesNotifier is { } messages)
            {
                text.Append("            # notifications: ").Append(Quote(NodeText(messages, client.NamespaceArray)))
                    .Append(" (Notification/Messages) is an event notifier: subscribe to it with a `mode: events` group\n");
            }
        }

        if (instances.Count == 0)
        {
            text.Append("      []   # ").Append(warning ?? "no machine tool found").Append('\n');
        }

        return (text.ToString(), warning);
    }

    private static string NodeText(NodeId node, IReadOnlyList<string> namespaces) =>
        node.NamespaceIndex > 0 && node.NamespaceIndex < namespaces.Count ? new ExpandedNodeId(node, namespaces[node.NamespaceIndex]).ToString() : node.ToString();

    private static string Quote(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static string ConfigName(string browseName)
    {
        var name = new string(browseName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '-').ToArray()).Trim('-', '_', '.');
        return name.Length == 0 ? "machine-tool" : name;
    }
}
