using Gateway.Core;

using Microsoft.Extensions.Logging;

namespace Gateway.Configuration;

/// <summary>A new valid configuration replaced the running one.</summary>
public sealed class ConfigurationChangedEventArgs(ConfigurationResult previous, ConfigurationResult current, ConfigurationDiff diff) : EventArgs
{
    public ConfigurationResult Previous { get; } = previous;

    public ConfigurationResult Current { get; } = current;

    public ConfigurationDiff Diff { get; } = diff;
}

/// <summary>A changed file did not validate; the running configuration stays.</summary>
public sealed class ConfigurationRejectedEventArgs(ConfigurationResult rejected) : EventArgs
{
    public ConfigurationResult Rejected { get; } = rejected;
}

/// <summary>
/// Hot reload: watches every file the configuration was read from (main, included, ${file:...} secrets, and new
/// YAML files appearing beside them, which an include glob may pick up), waits until writes settle, reloads and
/// validates. A valid result replaces <see cref="Current"/> and raises <see cref="Changed"/>; an invalid one is
/// logged error by error and the running configuration stays.
/// </summary>
public sealed class ConfigurationWatcher : IDisposable
{
    private readonly PluginCatalog _plugins;
    private readonly ILogger _logger;
    private readonly TimeSpan _debounce;
    private readonly Func<string, string?>? _environment;
    private readonly Lock _lock = new();
    private readonly Timer _timer;
    private readonly List<FileSystemWatcher> _watchers = [];
    private volatile HashSet<string> _files = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <param name="initial">The running (valid) configuration.</param>
    /// <param name="debounce">How long writes must stay quiet before reloading (editors write in several steps); 500 ms by default.</param>
    public ConfigurationWatcher(
        ConfigurationResult initial,
        PluginCatalog plugins,
        ILogger logger,
        TimeSpan? debounce = null,
        Func<string, string?>? environment = null)
    {
        if (!initial.IsValid)
        {
            throw new ArgumentException("the initial configuration has errors; only a valid configuration can be watched", nameof(initial));
        }

        Current = initial;
        _plugins = plugins;
        _logger = logger;
        _debounce = debounce ?? TimeSpan.FromMilliseconds(500);
        _environment = environment;
        _timer = new Timer(_ => Reload(), null, Timeout.Infinite, Timeout.Infinite);
    }

    public ConfigurationResult Current { get; private set; }

    public event EventHandler<ConfigurationChangedEventArgs>? Changed;

    public event EventHandler<ConfigurationRejectedEventArgs>? Rejected;

    public void Start()
    {
        lock (_lock)
        {
            Watch(Current.Files);
        }
    }

    /// <summary>Reloads now, without waiting for a file event. Returns the result (valid or not).</summary>
    public ConfigurationResult Reload()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return Current;
            }

            ConfigurationResult next;
            try
            {
                next = ConfigurationLoader.Load(Current.Path, _plugins, _environment);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Reloading {Path} failed; the running configuration stays", Current.Path);
                return Current;
            }

            // Watch files that the new attempt reads too (a new include), even when it is invalid: fixing it must reload.
            Watch(next.Files);
            if (!next.IsValid)
            {
                _logger.LogError("{Path} changed but has {Count} error(s); the running configuration stays", Current.Path, next.Errors.Count);
                foreach (var error in next.Errors)
                {
                    _logger.LogError("{Error}", error.ToString());
                }

                Raise(() => Rejected?.Invoke(this, new ConfigurationRejectedEventArgs(next)));
                return next;
            }

            var previous = Current;
            var diff = ConfigurationDiff.Between(previous, next);
            Current = next;
            if (!diff.HasChanges)
            {
                _logger.LogDebug("{Path} was written but nothing changed", Current.Path);
                return next;
            }

            _logger.LogInformation(
                "{Path} reloaded: sources +{SourcesAdded} -{SourcesRemoved} ~{SourcesModified}, sinks +{SinksAdded} -{SinksRemoved} ~{SinksModified}, other sections changed: {Sections}",
                Current.Path,
                diff.Sources.Added.Count,
                diff.Sources.Removed.Count,
                diff.Sources.Modified.Count,
                diff.Sinks.Added.Count,
                diff.Sinks.Removed.Count,
                diff.Sinks.Modified.Count,
                diff.ChangedSections.Count == 0 ? "none" : string.Join(", ", diff.ChangedSections));
            Raise(() => Changed?.Invoke(this, new ConfigurationChangedEventArgs(previous, next, diff)));
            return next;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var watcher in _watchers)
            {
                watcher.Dispose();
            }

            _watchers.Clear();
        }

        _timer.Dispose();
    }

    private void Raise(Action handler)
    {
        try
        {
            handler();
        }
        catch (Exception e)
        {
            // A failing subscriber must not stop the watcher from handling the next change.
            _logger.LogError(e, "A configuration change handler failed");
        }
    }

    private void Watch(IEnumerable<string> files)
    {
        // Replace the set rather than change it: file events read it on other threads.
        var set = new HashSet<string>(_files, StringComparer.Ordinal);
        set.UnionWith(files);
        _files = set;

        var directories = _files.Select(Path.GetDirectoryName).OfType<string>().Where(Directory.Exists).Distinct(StringComparer.Ordinal);
        foreach (var directory in directories)
        {
            if (_watchers.Any(w => string.Equals(w.Path, directory, StringComparison.Ordinal)))
            {
                continue;
            }

            // Watch the directory, not the file: editors save by writing a new file and renaming it over the old one.
            var watcher = new FileSystemWatcher(directory)
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
                IncludeSubdirectories = false,
            };
            watcher.Changed += OnFileEvent;
            watcher.Created += OnFileEvent;
            watcher.Deleted += OnFileEvent;
            watcher.Renamed += OnFileEvent;
            watcher.Error += (_, e) => _logger.LogWarning(e.GetException(), "Watching {Directory} for configuration changes failed", directory);
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        var relevant = _files.Contains(e.FullPath)
            || e is RenamedEventArgs renamed && _files.Contains(renamed.OldFullPath)
            || e.FullPath.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)
            || e.FullPath.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
        if (relevant && !_disposed)
        {
            try
            {
                _timer.Change(_debounce, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // Disposed between the check and the call.
            }
        }
    }
}
