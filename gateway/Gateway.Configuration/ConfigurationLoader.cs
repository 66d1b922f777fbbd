using Gateway.Configuration.Binding;
using Gateway.Configuration.Expansion;
using Gateway.Configuration.Loading;
using Gateway.Configuration.Model;
using Gateway.Configuration.Validation;
using Gateway.Core;

using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Configuration;

/// <summary>
/// Reads gateway.yaml and every file it includes, substitutes ${...}, binds the typed model, expands templates and
/// reports every problem found (not just the first) as `PATH:LINE:COLUMN: message`.
/// </summary>
public static class ConfigurationLoader
{
    /// <summary>The top-level keys an included file may hold; the rest belongs to the main file only.</summary>
    public static readonly IReadOnlyList<string> IncludableKeys = ["include", "sources", "templates", "sinks"];

    /// <param name="path">The main file; messages show it (and included files) as given, relative or not.</param>
    /// <param name="plugins">The source and sink plugins whose options the `sources:` and `sinks:` entries are bound to.</param>
    /// <param name="environment">Looks up ${NAME}; the process environment when null (tests pass their own).</param>
    public static ConfigurationResult Load(string path, PluginCatalog plugins, Func<string, string?>? environment = null)
    {
        var state = new LoadState(environment ?? Environment.GetEnvironmentVariable);
        var main = new YamlFile(path, Path.GetFullPath(path));
        var binder = new ModelBinder(state, plugins);
        var config = LoadMain(state, main, binder);
        var tags = new List<ResolvedTag>();
        if (config is not null)
        {
            ResolvePaths(config, main);
            CheckAcrossKeys(config, state);
            ValidateSourceOptions(config, plugins, state);
            tags = new TagExpander(state, config, main.At(1, 1), binder, plugins).Expand();
            CheckNormalizeRules(config, tags, state);
            ValidateSourceTags(config, plugins, tags, state);
            ValidateSinkOptions(config, plugins.Sinks, tags, state);

            // Last, and only for an otherwise clean file: while other errors are open the file is being written.
            if (state.Errors.Count == 0)
            {
                CheckSourcesAndSinks(config, main, state);
            }
        }

        // Stable order: file by file in the order they were read, then by line and column.
        var fileOrder = state.Files.Select((f, i) => (f, i)).ToDictionary(p => p.f, p => p.i, StringComparer.Ordinal);
        var displayOrder = state.Errors.Select(e => e.Location.File).Distinct(StringComparer.Ordinal).ToList();
        var errors = state.Errors
            .Distinct()
            .Select(e => e with { Message = SecretRedaction.Redact(e.Message, state.SecretValues) })
            .OrderBy(e => fileOrder.TryGetValue(Path.GetFullPath(e.Location.File), out var i) ? i : int.MaxValue - displayOrder.IndexOf(e.Location.File))
            .ThenBy(e => e.Location.Line)
            .ThenBy(e => e.Location.Column)
            .ToList();
        var valid = errors.Count == 0 && config is not null;

        // Even a rejected load registers its secrets: its errors and a later log line may still quote them.
        SecretRegistry.Process.Add(state.SecretValues);
        return new ConfigurationResult(
            path,
            valid ? config : null,
            errors,
            state.Files.ToList(),
            valid ? tags : [],
            state.SecretValues.ToList());
    }

    private static GatewayConfig? LoadMain(LoadState state, YamlFile main, ModelBinder binder)
    {
        state.AddFile(main.FullPath);
        var root = ReadRoot(state, main);
        if (root is null)
        {
            return null;
        }

        var config = (GatewayConfig)binder.BindObject(root, typeof(GatewayConfig), main, "");
        var templateKeys = config.Templates.Keys.ToDictionary(
            k => k,
            k => state.Locations.KeyOf(config.Templates, k) ?? main.At(1, 1),
            StringComparer.Ordinal);
        var stack = new Stack<string>([main.FullPath]);
        var loaded = new HashSet<string>([main.FullPath], StringComparer.Ordinal);
        Include(state, binder, config, config.Include, main, stack, loaded, templateKeys);
        return config;
    }

    private static void Include(
        LoadState state,
        ModelBinder binder,
        GatewayConfig config,
        List<string> patterns,
        YamlFile including,
        Stack<string> stack,
        HashSet<string> loaded,
        Dictionary<string, SourceLocation> templateKeys)
    {
        for (var i = 0; i < patterns.Count; i++)
        {
            var pattern = patterns[i];
            var at = state.Locations.ValueOf(patterns, i.ToString(System.Globalization.CultureInfo.InvariantCulture)) ?? including.At(1, 1);
            var matches = IncludeGlob.Expand(including.Directory, pattern);
            if (matches.Count == 0 && !IncludeGlob.HasWildcard(pattern))
            {
                state.Error(at, $"included file '{pattern}' not found (looked for {Path.GetFullPath(Path.Combine(including.Directory, pattern))})");
                state.IncludesIncomplete = true;
                continue;
            }

            foreach (var full in matches)
            {
                if (stack.Contains(full, StringComparer.Ordinal))
                {
                    var chain = string.Join(" -> ", stack.Reverse().Append(full).Select(Path.GetFileName));
                    state.Error(at, $"include cycle: {chain}; remove one of these includes");
                    continue;
                }

                if (!loaded.Add(full))
                {
                    // Included twice through different patterns: reading it again would only duplicate every name.
                    continue;
                }

                var display = Path.Combine(Path.GetDirectoryName(including.DisplayPath) ?? "", Path.GetRelativePath(including.Directory, full));
                var file = new YamlFile(display, full);
                state.AddFile(full);
                var root = ReadRoot(state, file);
                if (root is null)
                {
                    state.IncludesIncomplete = true;
                    continue;
                }

                var part = (GatewayConfig)binder.BindObject(root, typeof(GatewayConfig), file, "", IncludableKeys);
                config.Sources.AddRange(part.Sources);
                config.Sinks.AddRange(part.Sinks);
                foreach (var (name, template) in part.Templates)
                {
                    var where = state.Locations.KeyOf(part.Templates, name) ?? file.At(1, 1);
                    if (!templateKeys.TryAdd(name, where))
                    {
                        state.Error(where, $"duplicate template name '{name}' (first defined at {templateKeys[name]})");
                        continue;
                    }

                    config.Templates[name] = template;
                }

                stack.Push(full);
                Include(state, binder, config, part.Include, file, stack, loaded, templateKeys);
                stack.Pop();
            }
        }
    }

    /// <summary>The file's top-level mapping, or null (after reporting) when it cannot be read or parsed.</summary>
    private static YamlMappingNode? ReadRoot(LoadState state, YamlFile file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file.FullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var reason = e is FileNotFoundException or DirectoryNotFoundException ? "file not found" : e.Message;
            state.Error(file.At(1, 1), $"cannot read the configuration file: {reason}");
            return null;
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            ReportSyntaxError(state, file, text, e);
            return null;
        }
        catch (InvalidOperationException e)
        {
            state.Error(file.At(1, 1), $"YAML syntax error: {e.Message}");
            return null;
        }

        // YamlDotNet keeps the last of two equal keys in some mappings; either way, both places are what to show.
        if (YamlTextChecks.FirstDuplicateKey(text) is { } duplicate)
        {
            ReportDuplicateKey(state, file, duplicate);
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            state.Error(file.At(1, 1), "the file is empty");
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            state.Error(file.At(stream.Documents[1].RootNode.Start), "only one YAML document per file (remove the '---' separator)");
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            state.Error(file.At(stream.Documents[0].RootNode.Start), "the top level must be a mapping of sections (gateway:, sources:, sinks:, ...)");
            return null;
        }

        return root;
    }

    /// <summary>
    /// The parser's error, made specific for the two mistakes it words least helpfully: a tab in the indentation
    /// (YAML allows only spaces there) and a key written twice in one mapping (both places are named).
    /// </summary>
    private static void ReportSyntaxError(LoadState state, YamlFile file, string text, YamlException e)
    {
        if (YamlTextChecks.FirstIndentationTab(text) is { } tab)
        {
            state.Error(file.At(tab.Line, tab.Column), "YAML indentation must use spaces, not tabs (replace the tab at this column)");
            return;
        }

        if (YamlTextChecks.FirstDuplicateKey(text) is { } duplicate)
        {
            ReportDuplicateKey(state, file, duplicate);
            return;
        }

        var message = e.InnerException is YamlException inner ? inner.Message : e.Message;
        state.Error(file.At(e.Start), $"YAML syntax error: {message}");
    }

    private static void ReportDuplicateKey(LoadState state, YamlFile file, (string Key, Mark First, Mark Again) duplicate) =>
        state.Error(
            file.At(duplicate.Again),
            $"duplicate key '{duplicate.Key}': first written at {file.At(duplicate.First)}, again here at {file.At(duplicate.Again)}; keep one of them");

    /// <summary>Relative paths are relative to the file that names them, so the service does not depend on its working directory.</summary>
    private static void ResolvePaths(GatewayConfig config, YamlFile main)
    {
        config.Gateway.DataDirectory = Path.GetFullPath(Path.Combine(main.Directory, config.Gateway.DataDirectory));
        config.Buffer.Directory = config.Buffer.Directory is null
            ? Path.Combine(config.Gateway.DataDirectory, "buffer")
            : Path.GetFullPath(Path.Combine(main.Directory, config.Buffer.Directory));
        config.Pki.Directory = config.Pki.Directory is null
            ? Path.Combine(config.Gateway.DataDirectory, "pki")
            : Path.GetFullPath(Path.Combine(main.Directory, config.Pki.Directory));
    }

    /// <summary>What every useful file has: something to read and somewhere to send it (a minimal file in the message).</summary>
    private static void CheckSourcesAndSinks(GatewayConfig config, YamlFile main, LoadState state)
    {
        if (state.IncludesIncomplete)
        {
            return; // the sources or sinks may be in the file that could not be read; its error says so
        }

        const string Minimal = "a minimal file is `gateway: {name: edge-01}`, one source (`sources: [{name: cnc-01, endpoint: opc.tcp://HOST:4840, machines: [{name: cnc-01, groups: [{name: fast, tags: [{name: speed, nodeId: ns=2;s=Speed}]}]}]}]`) and one sink (`sinks: [{type: mqtt, name: mqtt, host: BROKER}]`); see config/examples/minimal.yaml";
        if (config.Sources.Count == 0)
        {
            var at = state.Locations.ValueOf(config, "sources") ?? main.At(1, 1);
            state.Error(at, $"no sources: the gateway would read nothing; {Minimal}");
        }

        if (config.Sinks.Count == 0)
        {
            var at = state.Locations.ValueOf(config, "sinks") ?? main.At(1, 1);
            state.Error(at, $"no sinks: the gateway would have nowhere to send its readings; {Minimal}");
        }
    }

    /// <summary>Rules that tie two keys together, which attributes on one property cannot say.</summary>
    private static void CheckAcrossKeys(GatewayConfig config, LoadState state)
    {
        SourceLocation Where(object model, string key) =>
            state.Locations.ValueOf(model, key) ?? state.Locations.StartOf(model) ?? new SourceLocation("?", 1, 1);

        if (config.Pki.ApplicationUri is { } uri && !Uri.TryCreate(uri, UriKind.Absolute, out _))
        {
            state.Error(Where(config.Pki, "applicationUri"), $"pki.applicationUri: '{uri}' is not an absolute URI (e.g. urn:edge-01:changwon-gateway)");
        }

        if (config.Simulator is { Enabled: true } simulator)
        {
            // The simulator's own check (the one it runs at start), so that validate refuses what run would.
            foreach (var problem in simulator.Problems())
            {
                state.Error(Where(simulator, problem.Key), $"simulator.{problem.Key}: {problem.Problem}");
            }
        }

        if (config.Oee is { Enabled: true } oee)
        {
            // The calculation's own check (the one it runs at start), so that validate refuses what run would.
            foreach (var problem in oee.Problems(config.Templates.Keys))
            {
                var owner = problem.Owner ?? oee;
                var key = problem.LocationKey ?? problem.Key[(problem.Key.LastIndexOf('.') + 1)..];
                state.Error(Where(owner, key), $"oee.{problem.Key}: {problem.Message}");
            }
        }

        if (config.Http.Enabled && HttpListenProblem(config.Http.Listen) is { } listenProblem)
        {
            state.Error(Where(config.Http, "listen"), $"http.listen: {listenProblem}");
        }

        if (config.Buffer.Retry.InitialDelayMs > config.Buffer.Retry.MaxDelayMs)
        {
            state.Error(Where(config.Buffer.Retry, "initialDelayMs"), $"buffer.retry: initialDelayMs ({config.Buffer.Retry.InitialDelayMs}) is larger than maxDelayMs ({config.Buffer.Retry.MaxDelayMs})");
        }
    }


    /// <summary>What the HTTP listener would refuse in `http.listen` (host:port, port 0..65535), or null.</summary>
    private static string? HttpListenProblem(string listen)
    {
        var colon = listen.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(listen.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port))
        {
            return $"'{listen}' is not host:port; write e.g. 127.0.0.1:9180";
        }

        return port > 65535 ? $"port {port} is outside 0..65535; write e.g. 127.0.0.1:9180" : null;
    }

    /// <summary>
    /// The normalization pipeline's checks (<see cref="NormalizeRuleChecks"/>), run here on every `normalize:` block at
    /// the line it is written on, and on each tag's merged rules for what only the merge shows.
    /// </summary>
    private static void CheckNormalizeRules(GatewayConfig config, List<ResolvedTag> tags, LoadState state)
    {
        var levels = new List<(NormalizeConfig? Rules, string Path)> { (config.Normalize, "") };
        void Groups(List<TagGroupConfig> groups, string path)
        {
            for (var g = 0; g < groups.Count; g++)
            {
                var groupPath = $"{path}groups[{g}] ({groups[g].Name}).";
                levels.Add((groups[g].Normalize, groupPath));
                for (var t = 0; t < groups[g].Tags.Count; t++)
                {
                    levels.Add((groups[g].Tags[t].Normalize, $"{groupPath}tags[{t}] ({groups[g].Tags[t].Name})."));
                }
            }
        }

        foreach (var (name, template) in config.Templates)
        {
            levels.Add((template.Normalize, $"templates.{name}."));
            Groups(template.Groups, $"templates.{name}.");
        }

        for (var i = 0; i < config.Sources.Count; i++)
        {
            var source = config.Sources[i];
            var sourcePath = $"sources[{i}] ({source.Name}).";
            levels.Add((source.Normalize, sourcePath));
            for (var m = 0; m < source.Machines.Count; m++)
            {
                var machine = source.Machines[m];
                var machinePath = $"{sourcePath}machines[{m}] ({machine.Name}).";
                levels.Add((machine.Normalize, machinePath));
                Groups(machine.Groups, machinePath);
            }
        }

        foreach (var (rules, path) in levels)
        {
            if (rules is null)
            {
                continue;
            }

            foreach (var problem in NormalizeRuleChecks.Check(rules))
            {
                var at = (problem.EnumKey is not null && rules.Enum is not null ? state.Locations.KeyOf(rules.Enum, problem.EnumKey) : null)
                    ?? state.Locations.ValueOf(rules, problem.Key)
                    ?? state.Locations.StartOf(rules)
                    ?? new SourceLocation("?", 1, 1);
                state.Error(at, path + problem.Message);
            }
        }

        foreach (var tag in tags)
        {
            foreach (var problem in NormalizeRuleChecks.CheckMerged(tag.Normalize))
            {
                state.Error(tag.Location ?? new SourceLocation("?", 1, 1), $"tag '{tag.Tag}' of machine '{tag.Machine}': {problem.Message}");
            }
        }
    }

    /// <summary>
    /// The source plugins' own checks of settings the attributes cannot express (e.g. an OPC UA identity's keys). A
    /// problem about a block one of whose keys was refused (a missing ${file:...} password) is left out: that key's
    /// error is the one to fix, and the plugin would only call it missing.
    /// </summary>
    private static void ValidateSourceOptions(GatewayConfig config, PluginCatalog plugins, LoadState state)
    {
        for (var i = 0; i < config.Sources.Count; i++)
        {
            var source = config.Sources[i];
            if (source.Options is null || !plugins.Sources.TryGet(source.Type, out var plugin))
            {
                continue;
            }

            var path = $"sources[{i}] ({source.Name})";
            var start = state.Locations.StartOf(source) ?? new SourceLocation("?", 1, 1);
            Report(state, path, start, source.Options, plugin, () => plugin.Validate(source.Options).Where(p => !state.WithErrors.Contains(p.Owner ?? source.Options)));
        }
    }

    /// <summary>The source plugins' checks of their expanded tag lists, once the tags themselves are right.</summary>
    private static void ValidateSourceTags(GatewayConfig config, PluginCatalog plugins, List<ResolvedTag> tags, LoadState state)
    {
        if (state.Errors.Count > 0)
        {
            return;
        }

        for (var i = 0; i < config.Sources.Count; i++)
        {
            var source = config.Sources[i];
            if (source.Options is null || !plugins.Sources.TryGet(source.Type, out var plugin))
            {
                continue;
            }

            var sourceTags = ResolvedTag.ToSourceTags(tags.Where(t => t.Source == source.Name));
            var start = state.Locations.StartOf(source) ?? new SourceLocation("?", 1, 1);
            Report(state, $"sources[{i}] ({source.Name})", start, source.Options, plugin, () => plugin.ValidateTags(source.Options, sourceTags));
        }
    }

    /// <summary>The plugins' own checks: settings the attributes cannot express, and the tag list (e.g. topic collisions).</summary>
    private static void ValidateSinkOptions(GatewayConfig config, PluginRegistry<ISinkPlugin> sinks, List<ResolvedTag> tags, LoadState state)
    {
        var gateway = new GatewayIdentity(config.Gateway.Name, LabelSet.From(config.Gateway.Labels));
        var identities = tags.Select(t => new TagIdentity(t.Source, t.Machine, t.Tag, t.Measurement, t.Labels)).ToList();
        for (var i = 0; i < config.Sinks.Count; i++)
        {
            var sink = config.Sinks[i];
            if (sink.Options is null || !sinks.TryGet(sink.Type, out var plugin))
            {
                continue;
            }

            var path = $"sinks[{i}] ({sink.Name})";
            var start = sink.Location ?? new SourceLocation("?", 1, 1);
            Report(state, path, start, sink.Options, plugin, () => plugin.Validate(sink.Options));

            // Tag problems only mean something once the tags themselves are right.
            if (state.Errors.Count == 0)
            {
                Report(state, path, start, sink.Options, plugin, () => plugin.ValidateTags(sink.Options, gateway, identities));
            }
        }
    }

    /// <summary>A plugin's problems as errors at the key each names (or its owner's line); a plugin that throws is one error too.</summary>
    private static void Report(LoadState state, string path, SourceLocation start, object options, IPlugin plugin, Func<IEnumerable<OptionProblem>> check)
    {
        try
        {
            foreach (var problem in check())
            {
                var at = problem.Owner is null
                    ? state.Locations.ValueOf(options, problem.LocationKey ?? problem.Key)
                    : state.Locations.ValueOf(problem.Owner, problem.LocationKey ?? problem.Key[(problem.Key.LastIndexOf('.') + 1)..]) ?? state.Locations.StartOf(problem.Owner);
                state.Error(at ?? start, $"{path}.{problem.Key}: {problem.Message}");
            }
        }
        catch (Exception e)
        {
            state.Error(start, $"{path}: the {plugin.Type} plugin failed to check its settings: {e.Message}");
        }
    }
}
