using Microsoft.Extensions.Logging;

namespace Gateway.Core;

/// <summary>A kind of sink: its options are the keys of a `sinks:` entry besides type, name, enabled and optional.</summary>
public interface ISinkPlugin : IPlugin
{
    /// <summary>Checks the options against every tag the gateway will read (e.g. two tags that map to one MQTT topic).</summary>
    IEnumerable<OptionProblem> ValidateTags(object options, GatewayIdentity gateway, IReadOnlyList<TagIdentity> tags) => [];

    ISink Create(string name, object options, SinkContext context);
}

/// <summary>What a tag's readings will carry besides the value: enough for a sink to plan topics or series.</summary>
public sealed record TagIdentity(string Source, string Machine, string Tag, string Measurement, LabelSet Labels);

/// <summary>The gateway's own name and labels.</summary>
public sealed record GatewayIdentity(string Name, LabelSet Labels);

/// <summary>What the host gives a sink when it creates it.</summary>
public sealed record SinkContext(
    string GatewayName,
    LabelSet GatewayLabels,
    string DataDirectory,
    ILoggerFactory LoggerFactory,
    TimeProvider TimeProvider);
