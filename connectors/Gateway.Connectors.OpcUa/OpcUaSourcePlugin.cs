using System.Collections.Concurrent;

using Gateway.Core;
using Gateway.OpcUa.Types;
using Microsoft.Extensions.Logging;

namespace Gateway.Connectors.OpcUa;

/// <summary>
/// The `type: opcua` source (the default type): one OPC UA server per source, read by <see cref="OpcUaSourceConnector"/>.
/// Owns its keys (<see cref="OpcUaSourceOptions"/>, <see cref="OpcUaGroupOptions"/>, <see cref="OpcUaTagAddress"/>) and
/// their checks; every source shares this gateway's one application certificate (the top-level `pki:`).
/// </summary>
public sealed class OpcUaSourcePlugin : ISourcePlugin
{
    // One client security (PKI directory, lazily loaded certificate) per application identity, shared by every source
    // and kept across hot reloads, as the certificate is this gateway's and not a source's.
    private readonly ConcurrentDictionary<string, OpcUaClientSecurity> _security = new(StringComparer.Ordinal);

    public string Type => "opcua";

    public Type OptionsType => typeof(OpcUaSourceOptions);

    public Type GroupOptionsType => typeof(OpcUaGroupOptions);

    public Type AddressType => typeof(OpcUaTagAddress);

    public string EndpointOf(object options) => ((OpcUaSourceOptions)options).Endpoint;

    public IEnumerable<OptionProblem> Validate(object options)
    {
        var source = (OpcUaSourceOptions)options;
        return IdentityProblems(source.Identity)
            .Concat(SecurityProblems(source.Security))
            .Concat(source.Reconnect.InitialDelayMs > source.Reconnect.MaxDelayMs
                ? [new OptionProblem("reconnect", $"initialDelayMs ({source.Reconnect.InitialDelayMs}) is larger than maxDelayMs ({source.Reconnect.MaxDelayMs})", source.Reconnect, "initialDelayMs")]
                : []);
    }

    public IEnumerable<OptionProblem> ValidateAddress(string tag, object address)
    {
        var written = (OpcUaTagAddress)address;
        if (written.NodeId is null && written.Path is null)
        {
            yield return new OptionProblem("", $"tag '{tag}' has neither nodeId nor path; set one, e.g. nodeId: ns=2;s=Spindle.Speed");
        }
        else if (written.NodeId is { } nodeId && !ExpandedNodeId.TryParse(nodeId, out _, out var why))
        {
            yield return new OptionProblem("nodeId", $"malformed NodeId '{nodeId}' for tag '{tag}': {why}");
        }
    }

    /// <summary>An events group reads one tag, `events`; its address is the first notifier (the Server object by default).</summary>
    public (string Tag, object Address)? ImplicitTag(object groupOptions) =>
        groupOptions is OpcUaGroupOptions { Mode: AcquisitionMode.Events } events
            ? (Events.EventStream.EventsMeasurement, new OpcUaTagAddress { NodeId = events.Notifiers.FirstOrDefault() ?? "i=2253" })
            : null;

    /// <summary>A `discover:` group's tags are found by browsing at connect time.</summary>
    public bool FindsItsTags(object groupOptions) => groupOptions is OpcUaGroupOptions { Discover: not null };

    public ISourceConnector Create(string name, object options, IReadOnlyList<SourceTag> tags, SourceContext context)
    {
        var application = context.Application;
        var key = string.Join("\n", [application.PkiDirectory, application.ApplicationUri, application.ApplicationName, application.Organization, .. application.HostNames]);
        var security = _security.GetOrAdd(key, _ =>
        {
            var pkiLog = context.LoggerFactory.CreateLogger("Gateway.Pki");
            return OpcUaClientSecurity.ForService(application, line => pkiLog.LogInformation("{Certificate}", line));
        });
        return new OpcUaSourceConnector(name, (OpcUaSourceOptions)options, tags, context.LoggerFactory.CreateLogger($"Gateway.Sources.{name}"), context.TimeProvider, security, context.Groups, context.DataDirectory);
    }

    /// <summary>Keys of one identity type set under another (a password with type anonymous is a mistake, not a wish), and files that are not there.</summary>
    private static IEnumerable<OptionProblem> IdentityProblems(OpcUaIdentityOptions identity)
    {
        if (identity.Type == "username" && (string.IsNullOrEmpty(identity.Username) || identity.Password is null))
        {
            yield return new OptionProblem("identity", "type username needs both 'username' and 'password' (use ${ENV} or ${file:PATH} for the password)", identity, "type");
        }

        if (identity.Type == "certificate" && (identity.Certificate is null || identity.PrivateKey is null))
        {
            yield return new OptionProblem("identity", "type certificate needs both 'certificate' and 'privateKey'", identity, "type");
        }

        // The connector reads these files at every session; a missing one would fail every connection attempt.
        foreach (var (key, file) in new[] { ("certificate", identity.Certificate), ("privateKey", identity.PrivateKey) })
        {
            if (identity.Type == "certificate" && file is not null && !File.Exists(file))
            {
                yield return new OptionProblem($"identity.{key}", $"file '{file}' not found (a relative path is relative to the file that names it)", identity);
            }
        }

        var belongsTo = new (string Key, bool IsSet, string Type)[]
        {
            ("username", identity.Username is not null, "username"),
            ("password", identity.Password is not null, "username"),
            ("allowPlainTextPassword", identity.AllowPlainTextPassword, "username"),
            ("certificate", identity.Certificate is not null, "certificate"),
            ("privateKey", identity.PrivateKey is not null, "certificate"),
        };
        foreach (var (key, isSet, type) in belongsTo)
        {
            if (isSet && identity.Type != type)
            {
                yield return new OptionProblem("identity", $"'{key}' belongs to type {type}, but type is {identity.Type} (set type: {type}, or remove '{key}')", identity, key);
            }
        }
    }

    /// <summary>The policy must be one we implement, and agree with the mode (None is the only policy of mode none).</summary>
    private static IEnumerable<OptionProblem> SecurityProblems(OpcUaSecurityOptions security)
    {
        if (security.Policy is not { Length: > 0 } written)
        {
            yield break;
        }

        if (OpcUaSecurityOptions.PolicyName(written) is not { } policy)
        {
            yield return new OptionProblem("security", $"unknown policy '{written}' (one of {string.Join(", ", OpcUaSecurityOptions.KnownPolicies)}, by name or as the full URI {OpcUaSecurityOptions.PolicyUriPrefix}NAME)", security, "policy");
            yield break;
        }

        // The connector and the command line take the short name: store that spelling, whatever the case or form written.
        security.Policy = policy;
        if (security.Mode == "none" && policy != "None")
        {
            yield return new OptionProblem("security", $"mode none sends everything unsigned, so policy {policy} cannot apply (use mode sign or signAndEncrypt, or remove 'policy')", security, "policy");
        }
        else if (security.Mode is "sign" or "signAndEncrypt" && policy == "None")
        {
            yield return new OptionProblem("security", $"mode {security.Mode} needs a policy other than None (remove 'policy' to pick the best the server offers)", security, "policy");
        }
    }
}
