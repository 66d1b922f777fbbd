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
/// An endpoint typed in on the Browse and pick page rather than a configured source: its URL, security and identity.
/// The password lives for the one request; it is never logged, never answered and never written into the YAML.
/// </summary>
public sealed record TypedEndpoint(string Endpoint, OpcUaSecurityOptions Security, OpcUaIdentityOptions Identity)
{
    /// <summary>Checks what the YAML of a source would check, so the page's mistakes read like `gateway validate`'s.</summary>
    public static TypedEndpoint Checked(string endpoint, string? mode, string? policy, string? identityType, string? username, string? password)
    {
        if (!Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out var uri) || uri.Scheme != "opc.tcp" || string.IsNullOrEmpty(uri.Host))
        {
            throw new ArgumentException($"'{endpoint}' is not an OPC UA endpoint URL: write opc.tcp://HOST:PORT[/PATH]");
        }

        var security = new OpcUaSecurityOptions { Mode = string.IsNullOrWhiteSpace(mode) ? "best" : mode.Trim() };
        if (security.Mode is not ("best" or "none" or "sign" or "signAndEncrypt"))
        {
            throw new ArgumentException($"security mode '{mode}' is not best, none, sign or signAndEncrypt");
        }

        if (!string.IsNullOrWhiteSpace(policy))
        {
            security.Policy = OpcUaSecurityOptions.PolicyName(policy)
                ?? throw new ArgumentException($"security policy '{policy}' is not one of {string.Join(", ", OpcUaSecurityOptions.KnownPolicies)}");
        }

        var identity = new OpcUaIdentityOptions { Type = string.IsNullOrWhiteSpace(identityType) ? "anonymous" : identityType.Trim() };
        if (identity.Type == "username")
        {
            if (string.IsNullOrWhiteSpace(username))
            {
                throw new ArgumentException("identity username needs a user name");
            }

            identity.Username = username.Trim();
            identity.Password = password ?? "";
        }
        else if (identity.Type != "anonymous")
        {
            throw new ArgumentException($"identity '{identityType}' is not anonymous or username (a certificate identity is written in the YAML)");
        }

        return new TypedEndpoint(endpoint.Trim(), security, identity);
    }
}

/// <summary>
/// Browse and pick for an OPC UA source of the configuration, or an endpoint typed in: walks one level per request (a
/// large server is never walked whole), with the source's own (or the typed) security and identity, and turns the
/// ticked variables into the YAML of a machine template with tag names proposed from the browse names. The server's
/// certificate is checked against the gateway's trust list as a source's would be: an untrusted one is refused and
/// saved in rejected/, never accepted by the console (autoAcceptServerCertificate is a key of the YAML only).
/// </summary>
public sealed class OpcUaPicker(GatewayConfig config)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public IReadOnlyList<string> Sources => config.Sources.Where(s => s.Options is OpcUaSourceOptions).Select(s => s.Name).ToList();

    /// <summary>The children of a node (default the Objects folder) of a configured source.</summary>
    public Task<IReadOnlyList<BrowsedChild>> BrowseAsync(string sourceName, string? node, CancellationToken cancellationToken)
    {
        var source = config.Sources.FirstOrDefault(s => s.Name == sourceName && s.Options is OpcUaSourceOptions)
            ?? throw new ArgumentException($"no OPC UA source '{sourceName}' in the configuration");
        var options = (OpcUaSourceOptions)source.Options!;
        return BrowseAsync(options.Endpoint, ClientOptions($"gateway console browse {sourceName}", options.Security, options.Identity), node, cancellationToken);
    }

    /// <summary>The children of a node (default the Objects folder) of an endpoint typed in.</summary>
    public Task<IReadOnlyList<BrowsedChild>> BrowseAsync(TypedEndpoint typed, string? node, CancellationToken cancellationToken)
    {
        // The typed options never carry autoAccept: the page cannot switch it on, so an untrusted server is refused.
        var security = new OpcUaSecurityOptions { Mode = typed.Security.Mode, Policy = typed.Security.Policy };
        return BrowseAsync(typed.Endpoint, ClientOptions("gateway console browse (typed endpoint)", security, typed.Identity), node, cancellationToken);
    }

    private static async Task<IReadOnlyList<BrowsedChild>> BrowseAsync(string endpoint, OpcUaClientOptions options, string? node, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
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
        AppendTemplate(text, name, picked);

        // The machine goes to the browsed source, not to a new source for the same server: a second source would need
        // a second session, and `maxSessions` (default 1) is shared by every source naming that server, so one of the
        // two would wait for a session forever (issue 25: the picked machine had no readings after the apply).
        text.Append("# The machine: add this line under sources: -> ").Append(sourceName)
            .Append(" -> machines: (that source reads it on the session it already has).\n");
        text.Append("machines:\n");
        text.Append("      - { name: ").Append(name).Append(", template: ").Append(name).Append(" }\n");
        return text.ToString();
    }

    private OpcUaClientOptions ClientOptions(string sessionName, OpcUaSecurityOptions securityOptions, OpcUaIdentityOptions identity)
    {
        var security = OpcUaClientSecurity.ForService(config.Pki.ToApplicationIdentity(config.Gateway.DataDirectory), _ => { });
        return security.Apply(
            new OpcUaClientOptions { KeepAliveInterval = TimeSpan.Zero, SessionName = sessionName },
            securityOptions,
            identity,
            _ => { });
    }

    /// <summary>
    /// The YAML for an endpoint typed in: the machine template, and a new source for that endpoint with its security and
    /// identity reading the machine; the password is written as an environment variable to set, never in clear.
    /// </summary>
    public static string EndpointTemplateYaml(TypedEndpoint typed, string machine, IReadOnlyList<PickedVariable> picked)
    {
        var name = ConfigName(machine);
        var text = new StringBuilder();
        text.Append("# Picked in the web console from ").Append(typed.Endpoint).Append(": ").Append(picked.Count).Append(" variable(s).\n");
        AppendTemplate(text, name, picked);
        text.Append("# The source: paste under sources: (a server read by one source only: see maxSessions in docs/configuration.md).\n");
        text.Append("sources:\n");
        text.Append("  - name: ").Append(name).Append("-source\n");
        text.Append("    endpoint: ").Append(Quoted(typed.Endpoint)).Append('\n');
        text.Append("    security: { mode: ").Append(typed.Security.Mode);
        if (typed.Security.Policy is { } policy)
        {
            text.Append(", policy: ").Append(policy);
        }

        text.Append(" }\n");
        if (typed.Identity.Type == "username")
        {
            var variable = EnvironmentName(name) + "_PASSWORD";
            text.Append("    # The password is not written here: set ").Append(variable).Append(" for the service (or use ${file:PATH}).\n");
            text.Append("    identity: { type: username, username: ").Append(Quoted(typed.Identity.Username!)).Append(", password: \"${").Append(variable).Append("}\" }\n");
        }

        text.Append("    machines:\n");
        text.Append("      - { name: ").Append(name).Append(", template: ").Append(name).Append(" }\n");
        return text.ToString();
    }

    private static void AppendTemplate(StringBuilder text, string name, IReadOnlyList<PickedVariable> picked)
    {
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

            text.Append("          - { name: ").Append(tag).Append(", nodeId: ").Append(Quoted(variable.NodeId)).Append(" }\n");
        }
    }

    private static string Quoted(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string EnvironmentName(string name) =>
        new(name.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_').ToArray());

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
