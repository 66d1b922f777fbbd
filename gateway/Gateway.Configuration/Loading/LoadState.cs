using Gateway.Configuration.Binding;
using Gateway.Core;

using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Configuration.Loading;

/// <summary>One YAML file being read: the path as shown in messages, and its full path and directory.</summary>
internal sealed record YamlFile(string DisplayPath, string FullPath)
{
    public string Directory => System.IO.Path.GetDirectoryName(FullPath) ?? "/";

    public SourceLocation At(Mark mark) => new(DisplayPath, (int)mark.Line, (int)mark.Column);

    public SourceLocation At(int line, int column) => new(DisplayPath, line, column);
}

/// <summary>Everything one load collects: errors, locations, secret values and the files read.</summary>
internal sealed class LoadState
{
    private readonly List<string> _files = [];

    public LoadState(Func<string, string?> environment)
    {
        Substitution = new ValueSubstitution(environment, AddFile);
    }

    public List<ConfigurationError> Errors { get; } = [];

    public LocationMap Locations { get; } = new();

    public HashSet<string> SecretValues { get; } = new(StringComparer.Ordinal);

    public ValueSubstitution Substitution { get; }

    public IReadOnlyList<string> Files => _files;

    /// <summary>An included file was missing or unreadable, so the merged model may lack what it holds.</summary>
    public bool IncludesIncomplete { get; set; }

    public void AddFile(string fullPath)
    {
        if (!_files.Contains(fullPath, StringComparer.Ordinal))
        {
            _files.Add(fullPath);
        }
    }

    /// <summary>Keys of tag groups and tags that belong to the using source's type, bound once that is known.</summary>
    public Dictionary<object, PendingKeys> Pending { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Objects (an options block, a nested block such as an identity) one of whose keys was refused: a plugin's
    /// cross-key problem about such an object is not reported, as the refused value (a missing ${file:...}) is.
    /// </summary>
    public HashSet<object> WithErrors { get; } = new(ReferenceEqualityComparer.Instance);

    public void Error(SourceLocation location, string message) => Errors.Add(new ConfigurationError(location, message));
}

/// <summary>The keys of one tag group or tag that are not common keys, as written, with where the mapping starts.</summary>
internal sealed record PendingKeys(YamlFile File, string Path, SourceLocation Start)
{
    public List<(string Key, YamlNode KeyNode, YamlNode ValueNode)> Keys { get; } = [];
}
