using Microsoft.Extensions.Logging;

namespace Gateway.Core;

/// <summary>
/// A kind of source (a device protocol). Its three types are the YAML keys it owns: <see cref="IPlugin.OptionsType"/>
/// beside a source's common keys (name, type, enabled, labels, normalize, machines), <see cref="GroupOptionsType"/>
/// beside a tag group's (name, intervalMs, measurement, normalize, tags) and <see cref="AddressType"/> beside a tag's
/// (name, normalize). The loader binds each, substitutes {machine} and the machine's variables in every string key of
/// the address, and hands the connector the expanded <see cref="SourceTag"/>s.
/// </summary>
public interface ISourcePlugin : IPlugin
{
    /// <summary>The keys a tag group of this source type may carry besides the common ones (an options class, may have none).</summary>
    Type GroupOptionsType { get; }

    /// <summary>The keys that say where a tag is on the device (a NodeId, a register), beside the common `name` and `normalize`.</summary>
    Type AddressType { get; }

    /// <summary>Where the source is, as /status and log lines show it (an endpoint URL, host:port).</summary>
    string EndpointOf(object options);

    /// <summary>
    /// Checks one tag's address after placeholders are substituted. Each problem's key is the address key it points
    /// at (empty: the tag itself); its message is shown as written, so it names the tag (<paramref name="tag"/>).
    /// </summary>
    IEnumerable<OptionProblem> ValidateAddress(string tag, object address) => [];

    /// <summary>Checks the options against the source's expanded tags (e.g. more tags than the device allows).</summary>
    IEnumerable<OptionProblem> ValidateTags(object options, IReadOnlyList<SourceTag> tags) => [];

    /// <summary>
    /// The one tag a group with these options reads when it lists none (OPC UA `mode: events`: `events`, its address the
    /// first notifier); null when a group of this type needs `tags:`.
    /// </summary>
    (string Tag, object Address)? ImplicitTag(object groupOptions) => null;

    /// <summary>Whether a group with these options finds its own tags (OPC UA `discover:`), so it may list none.</summary>
    bool FindsItsTags(object groupOptions) => false;

    ISourceConnector Create(string name, object options, IReadOnlyList<SourceTag> tags, SourceContext context);
}

/// <summary>
/// One tag as a connector reads it: templates, includes and placeholders expanded, labels merged.
/// </summary>
/// <param name="Source">The source (connection) name.</param>
/// <param name="Machine">The machine name.</param>
/// <param name="Group">The tag group name.</param>
/// <param name="Tag">The clean tag name readings carry.</param>
/// <param name="Interval">The group's `intervalMs`: how often to read (or publish) it.</param>
/// <param name="GroupOptions">The group's keys of this source type (an instance of the plugin's GroupOptionsType).</param>
/// <param name="Address">Where the tag is on the device (an instance of the plugin's AddressType, placeholders substituted).</param>
/// <param name="Measurement">The InfluxDB measurement (the group's, else the source name).</param>
/// <param name="Labels">Gateway, source and machine labels merged (machine wins).</param>
/// <param name="UnitFromDevice">Read the unit from the device (`normalize.unitFromServer`) when the device can say it.</param>
/// <param name="Location">Where the tag is written (file:line:column), for log lines; null when unknown.</param>
public sealed record SourceTag(
    string Source,
    string Machine,
    string Group,
    string Tag,
    TimeSpan Interval,
    object GroupOptions,
    object Address,
    string Measurement,
    LabelSet Labels,
    bool UnitFromDevice = false,
    string? Location = null);

/// <summary>What the host gives a source plugin when it creates a connector.</summary>
/// <param name="Application">This gateway's own application identity (certificate, PKI directory), from the top-level `pki:`.</param>
/// <param name="Groups">Every tag group of the source's machines, also those without tags (whose tags the connector finds itself, e.g. by browsing).</param>
public sealed record SourceContext(
    string GatewayName,
    string DataDirectory,
    ILoggerFactory LoggerFactory,
    TimeProvider TimeProvider,
    ApplicationIdentity Application,
    IReadOnlyList<SourceGroup>? Groups = null);

/// <summary>One tag group of a source's machine as configured, with or without tags.</summary>
/// <param name="GroupOptions">The group's keys of this source type (an instance of the plugin's GroupOptionsType).</param>
/// <param name="Measurement">The InfluxDB measurement (the group's, else the source name).</param>
/// <param name="Labels">Gateway, source and machine labels merged (machine wins).</param>
public sealed record SourceGroup(
    string Source,
    string Machine,
    string Group,
    TimeSpan Interval,
    object GroupOptions,
    string Measurement,
    LabelSet Labels);

/// <summary>
/// Who this gateway is towards devices that authenticate applications (OPC UA): its certificate's identity and the
/// PKI directory (own/, trusted/, issuers/, rejected/) that holds it and the trust lists.
/// </summary>
public sealed record ApplicationIdentity(
    string PkiDirectory,
    string ApplicationUri,
    string ApplicationName,
    string Organization,
    IReadOnlyList<string> HostNames);
