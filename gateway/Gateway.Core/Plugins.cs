using Microsoft.Extensions.Logging;

namespace Gateway.Core;

/// <summary>
/// A kind of sink, registered by name (<c>type: mqtt</c> in YAML). The options type is a plain class whose
/// public settable properties are the YAML keys (camelCase), annotated with
/// <see cref="System.ComponentModel.DataAnnotations"/> attributes (Required, Range) and
/// <see cref="System.ComponentModel.DescriptionAttribute"/>; the configuration binder and the JSON Schema
/// generator read them, so the core never names a plugin.
/// </summary>
public interface ISinkPlugin
{
    string Type { get; }

    Type OptionsType { get; }

    /// <summary>Checks settings that the attributes cannot express; each problem names the key.</summary>
    IEnumerable<OptionProblem> Validate(object options) => [];

    /// <summary>Checks the options against every tag the gateway will read (e.g. two tags that map to one MQTT topic).</summary>
    IEnumerable<OptionProblem> ValidateTags(object options, GatewayIdentity gateway, IReadOnlyList<TagIdentity> tags) => [];

    ISink Create(string name, object options, SinkContext context);
}

/// <summary>What a tag's readings will carry besides the value: enough for a sink to plan topics or series.</summary>
public sealed record TagIdentity(string Source, string Machine, string Tag, string Measurement, LabelSet Labels);

/// <summary>The gateway's own name and labels.</summary>
public sealed record GatewayIdentity(string Name, LabelSet Labels);

/// <summary>
/// A problem found in a plugin's options, with the key it concerns (relative to the plugin's block, e.g. `users[1].name`).
/// <paramref name="Owner"/>: the nested object (list item, sub-block) that holds the key's last part, so the error
/// points at its line; null when the key is one of the block's own.
/// </summary>
public sealed record OptionProblem(string Key, string Message, object? Owner = null);

/// <summary>What the host gives a sink when it creates it.</summary>
public sealed record SinkContext(
    string GatewayName,
    LabelSet GatewayLabels,
    string DataDirectory,
    ILoggerFactory LoggerFactory,
    TimeProvider TimeProvider);

/// <summary>The registry of sink kinds. Adding a sink touches its own folder plus one registration line in the host.</summary>
public sealed class SinkRegistry
{
    private readonly Dictionary<string, ISinkPlugin> _plugins = new(StringComparer.OrdinalIgnoreCase);

    public SinkRegistry Add(ISinkPlugin plugin)
    {
        _plugins.Add(plugin.Type, plugin);
        return this;
    }

    public IReadOnlyCollection<ISinkPlugin> Plugins => _plugins.Values;

    public bool TryGet(string type, out ISinkPlugin plugin) => _plugins.TryGetValue(type, out plugin!);
}
