namespace Gateway.Core;

/// <summary>
/// A kind of source or sink, registered by name (<c>type: mqtt</c> in YAML). The options type is a plain class whose
/// public settable properties are the YAML keys (camelCase), annotated with
/// <see cref="System.ComponentModel.DataAnnotations"/> attributes (Required, Range, RegularExpression, AllowedValues)
/// and <see cref="System.ComponentModel.DescriptionAttribute"/>; the configuration binder, the JSON Schema generator
/// and the key reference read them, so the core never names a plugin.
/// </summary>
public interface IPlugin
{
    string Type { get; }

    Type OptionsType { get; }

    /// <summary>Checks settings that the attributes cannot express; each problem names the key. May canonicalize a value it accepts.</summary>
    IEnumerable<OptionProblem> Validate(object options) => [];
}

/// <summary>
/// A problem found in a plugin's options, with the key it concerns (relative to the plugin's block, e.g. `users[1].name`).
/// <paramref name="Owner"/>: the nested object (list item, sub-block) that holds the key, so the error points at its
/// line; null when the key is one of the block's own. <paramref name="LocationKey"/>: which of the owner's keys the
/// error points at, when not the last part of <paramref name="Key"/> (e.g. `identity` reported at its `type`).
/// </summary>
public sealed record OptionProblem(string Key, string Message, object? Owner = null, string? LocationKey = null);

/// <summary>The plugins of one kind, by type name (case-insensitive, as YAML is written).</summary>
public sealed class PluginRegistry<TPlugin>
    where TPlugin : IPlugin
{
    private readonly Dictionary<string, TPlugin> _plugins = new(StringComparer.OrdinalIgnoreCase);

    public PluginRegistry<TPlugin> Add(TPlugin plugin)
    {
        _plugins.Add(plugin.Type, plugin);
        return this;
    }

    public IReadOnlyCollection<TPlugin> Plugins => _plugins.Values;

    public bool TryGet(string type, out TPlugin plugin) => _plugins.TryGetValue(type, out plugin!);
}

/// <summary>
/// Every source and sink kind this build knows: what the loader binds options to, what the schema and key reference
/// describe, and what the host creates connectors and sinks from. Adding a kind is its own folder plus one
/// <see cref="Add(ISourcePlugin)"/> or <see cref="Add(ISinkPlugin)"/> line where the host builds the catalog.
/// </summary>
public sealed class PluginCatalog
{
    /// <summary>The source type a `sources:` entry without `type:` has.</summary>
    public const string DefaultSourceType = "opcua";

    public PluginRegistry<ISourcePlugin> Sources { get; } = new();

    public PluginRegistry<ISinkPlugin> Sinks { get; } = new();

    public PluginCatalog Add(ISourcePlugin plugin)
    {
        Sources.Add(plugin);
        return this;
    }

    public PluginCatalog Add(ISinkPlugin plugin)
    {
        Sinks.Add(plugin);
        return this;
    }
}
