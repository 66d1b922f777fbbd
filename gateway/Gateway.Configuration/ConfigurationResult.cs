using Gateway.Configuration.Binding;
using Gateway.Configuration.Model;
using Gateway.Core;

namespace Gateway.Configuration;

/// <summary>
/// What <see cref="ConfigurationLoader.Load"/> found: the bound configuration (null when any error was found),
/// every error, every file read (for the watcher) and the expanded tags.
/// </summary>
/// <remarks>
/// The load's map of where each key was written is not kept: every error that needs it is found during the load, and
/// it held about 1 KB per tag entry of the file for the gateway's life (96 MB for 100,000 tags listed one by one, 11 MB
/// for a template of 10,000 tags used by ten machines).
/// </remarks>
public sealed class ConfigurationResult
{
    private readonly IReadOnlyCollection<string> _secretValues;

    internal ConfigurationResult(
        string path,
        GatewayConfig? config,
        IReadOnlyList<ConfigurationError> errors,
        IReadOnlyList<string> files,
        IReadOnlyList<ResolvedTag> tags,
        IReadOnlyCollection<string> secretValues)
    {
        Path = path;
        Config = config;
        Errors = errors;
        Files = files;
        Tags = tags;
        _secretValues = secretValues;
    }

    /// <summary>The main file, as given to the loader.</summary>
    public string Path { get; }

    /// <summary>The configuration; null when <see cref="Errors"/> is not empty.</summary>
    public GatewayConfig? Config { get; }

    public IReadOnlyList<ConfigurationError> Errors { get; }

    /// <summary>Full paths of every file read: the main file, included files and ${file:...} secrets.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Every tag the gateway will read, templates expanded (empty when there are errors).</summary>
    public IReadOnlyList<ResolvedTag> Tags { get; }

    public bool IsValid => Errors.Count == 0 && Config is not null;

    /// <summary>Replaces every secret value (from [Secret] keys and ${file:...}) in a text by ***.</summary>
    public string Redact(string text) => SecretRedaction.Redact(text, _secretValues);

    internal bool IsSecretValue(string value) => _secretValues.Contains(value);
}
