using System.Text;
using Gateway.Configuration.Model;
using Gateway.Connectors.OpcUa;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;

namespace Gateway.Host.WebConsole;

/// <summary>One child of a browsed node: what the Browse and pick page lists (objects open, variables can be ticked).</summary>
public sealed record BrowsedChild(string NodeId, string BrowseName, string DisplayName, string NodeClass, bool HasChildren);

/// <summary>A ticked variable: its NodeId and its path of browse names below the machine object, e.g. Spindle/Speed.</summary>
public sealed record PickedVariable(string NodeId, string Path);

/// <summary>
/// Browse and pick for an OPC UA source of the configuration: walks one level per request (a large server is never
/// walked whole), with the source's own security and identity, and turns the ticked variables into the YAML of a
/// machine template with tag names proposed from the browse names.
/// </summary>
public sealed class OpcUaPicker(GatewayConfig config)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public IReadOnlyList<string> Sources => config.Sources.Where(s => s.Options is OpcUaSourceOptions).Select(s => s.Name).ToList();

    /// <summary>The children of a node (default the Objects folder) of a configured source.</summary>
    public async Task<IReadOnlyList<BrowsedChild>> BrowseAsync(string sourceName, string? node, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var (endpoint, options) = ClientOptionsOf(sourceName);
        await using var client = await OpcUaClient.ConnectAsync(endpoint, options, timeout.Token);
        var start = client.ResolveNodeId(string.IsNullOrEmpty(node) ? "i=85" : node);
        var references = (await client.BrowseAllAsync(start, 1000, timeout.Token))
            .Where(r => r.NodeId.NodeId != WellKnownNodes.Server && r.NodeClass is NodeClass.Object or NodeClass.Variable)
            .ToList();
        var objects = references.Where(r => r.NodeClass == NodeClass.Object).ToList();
        var withChildren = new HashSet<NodeId>();
        if (objects.Count > 0)
        {
            var results = await client.BrowseAsync(objects.Select(o => new BrowseDescription { NodeId = o.NodeId.NodeId }).ToList(), 1, timeout.Token);
            for (var i = 0; i < results.Length && i < objects.Count; i++)
            {
                if (results[i].References is { Length: > 0 })
                {
                    withChildren.Add(objects[i].NodeId.NodeId);
                }
            }
        }

        return references
            .Select(r => new BrowsedChild(
                WithNamespaceUri(r.NodeId.NodeId, client.NamespaceArray),
                r.BrowseName.Name ?? "",
                r.DisplayName.Text ?? r.BrowseName.Name ?? "",
                r.NodeClass.ToString(),
                withChildren.Contains(r.NodeId.NodeId)))
            .ToList();
    }

    /// <summary>
    /// The YAML of a machine template with one tag per picked variable, and the machine's line for the browsed source: to
    /// paste under the file's `templates:` and under that source's `machines:`.
    /// </summary>
    public string TemplateYaml(string sourceName, string machine, IReadOnlyList<PickedVariable> picked)
    {
        var source = config.Sources.FirstOrDefault(s => s.Name == sourceName && s.Options is OpcUaSourceOptions)
            ?? throw new ArgumentException($"no OPC UA source '{sourceName}' in the configuration");
        var options = (OpcUaSourceOptions)source.Options!;
        var name = ConfigName(machine);
        var text = new StringBuilder();
        text.Append("# Picked in the web console from source ").Append(sourceName).Append(" (").Append(options.Endpoint).Append("): ")
            .Append(picked.Count).Append(" variable(s).\n");
        text.Append("templates:\n");
        text.Append("  ").Append(name).Append(":\n");
        text.Append("    groups:\n");
        text.Append("      - name: picked\n");
        text.Append("        mode: subscribe\n");
        text.Append("        intervalMs: 1000\n");
        text.Append("        tags:\n");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var variable in picked)
        {
            var tag = TagName(variable.Path);
            for (var i = 2; !names.Add(tag); i++)
            {
                tag = $"{TagName(variable.Path)}_{i}";
            }

            text.Append("          - { name: ").Append(tag).Append(", nodeId: \"")
                .Append(variable.NodeId.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\" }\n");
        }

        // The machine goes to the browsed source, not to a new source for the same server: a second source would need
        // a second session, and `maxSessions` (default 1) is shared by every source naming that server, so one of the
        // two would wait for a session forever (issue 25: the picked machine had no readings after the apply).
        text.Append("# The machine: add this line under sources: -> ").Append(sourceName)
            .Append(" -> machines: (that source reads it on the session it already has).\n");
        text.Append("machines:\n");
        text.Append("      - { name: ").Append(name).Append(", template: ").Append(name).Append(" }\n");
        return text.ToString();
    }

    private (string Endpoint, OpcUaClientOptions Options) ClientOptionsOf(string sourceName)
    {
        var source = config.Sources.FirstOrDefault(s => s.Name == sourceName && s.Options is OpcUaSourceOptions)
            ?? throw new ArgumentException($"no OPC UA source '{sourceName}' in the configuration");
        var options = (OpcUaSourceOptions)source.Options!;
        var security = OpcUaClientSecurity.ForService(config.Pki.ToApplicationIdentity(config.Gateway.DataDirectory), _ => { });
        var client = security.Apply(
            new OpcUaClientOptions { KeepAliveInterval = TimeSpan.Zero, SessionName = $"gateway console browse {sourceName}" },
            options.Security,
            options.Identity,
            _ => { });
        return (options.Endpoint, client);
    }

    /// <summary>nsu= keeps the tag right when the server renumbers its namespaces.</summary>
    private static string WithNamespaceUri(NodeId id, IReadOnlyList<string> namespaces)
    {
        var text = id.ToString();
        return id.NamespaceIndex > 0 && id.NamespaceIndex < namespaces.Count
            ? $"nsu={namespaces[id.NamespaceIndex]};{text[(text.IndexOf(';', StringComparison.Ordinal) + 1)..]}"
            : text;
    }

    /// <summary>A template or machine name as the configuration allows it: letters, digits, '_', '.', '-'.</summary>
    public static string ConfigName(string text)
    {
        var name = new string(text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '-').ToArray()).Trim('-', '_', '.');
        return name.Length == 0 ? "machine" : name;
    }

    /// <summary>A tag name from a path below the machine (Spindle/Speed -> spindle_speed), starting with a letter or '_'.</summary>
    public static string TagName(string path)
    {
        var joined = string.Join("_", path.Split('/').Select(s => s.Split(':')[^1]));
        var name = new string(joined.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_').ToArray()).Trim('_');
        return name.Length == 0 ? "_" : char.IsAsciiDigit(name[0]) ? "_" + name : name;
    }
}
