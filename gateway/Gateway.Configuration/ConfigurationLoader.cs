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
    /// <param name="sinks">The sink plugins whose options the `sinks:` entries are bound to.</param>
    /// <param name="environment">Looks up ${NAME}; the process environment when null (tests pass their own).</param>
    public static ConfigurationResult Load(string path, SinkRegistry sinks, Func<string, string?>? environment = null)
    {
        var state = new LoadState(environment ?? Environment.GetEnvironmentVariable);
        var main = new YamlFile(path, Path.GetFullPath(path));
        var config = LoadMain(state, main, sinks);
        var tags = new List<ResolvedTag>();
        if (config is not null)
        {
            ResolvePaths(config, main, state);
            CheckAcrossKeys(config, state);
            tags = new TagExpander(state, config, main.At(1, 1)).Expand();
            CheckNormalizeRules(config, tags, state);
            ValidateSinkOptions(config, sinks, tags, state);

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
            state.Locations,
            state.SecretValues.ToList());
    }

    private static GatewayConfig? LoadMain(LoadState state, YamlFile main, SinkRegistry sinks)
    {
        state.AddFile(main.FullPath);
        var root = ReadRoot(state, main);
        if (root is null)
        {
            return null;
        }

        var binder = new ModelBinder(state, sinks);
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
    private static void ResolvePaths(GatewayConfig config, YamlFile main, LoadState state)
    {
        config.Gateway.DataDirectory = Path.GetFullPath(Path.Combine(main.Directory, config.Gateway.DataDirectory));
        config.Buffer.Directory = config.Buffer.Directory is null
            ? Path.Combine(config.Gateway.DataDirectory, "buffer")
            : Path.GetFullPath(Path.Combine(main.Directory, config.Buffer.Directory));
        config.Pki.Directory = config.Pki.Directory is null
            ? Path.Combine(config.Gateway.DataDirectory, "pki")
            : Path.GetFullPath(Path.Combine(main.Directory, config.Pki.Directory));

        foreach (var source in config.Sources)
        {
            var file = state.Locations.StartOf(source)?.File;
            var directory = file is null ? main.Directory : Path.GetDirectoryName(Path.GetFullPath(file)) ?? main.Directory;
            if (source.Identity.Certificate is { } certificate)
            {
                source.Identity.Certificate = Path.GetFullPath(Path.Combine(directory, certificate));
            }

            if (source.Identity.PrivateKey is { } key)
            {
                source.Identity.PrivateKey = Path.GetFullPath(Path.Combine(directory, key));
            }
        }
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

        for (var i = 0; i < config.Sources.Count; i++)
        {
            var source = config.Sources[i];
            var identity = source.Identity;
            var path = $"sources[{i}] ({source.Name}).identity";

            // A key whose value was refused (a missing ${file:...} secret) is already reported: saying it is missing too would be a second, false error.
            bool Refused(string key) => state.Locations.ValueOf(identity, key) is { } at && state.Errors.Any(e => e.Location == at);
            if (identity.Type == "username" && (string.IsNullOrEmpty(identity.Username) || identity.Password is null) && !Refused("username") && !Refused("password"))
            {
                state.Error(Where(identity, "type"), $"{path}: type username needs both 'username' and 'password' (use ${{ENV}} or ${{file:PATH}} for the password)");
            }

            if (identity.Type == "certificate" && (identity.Certificate is null || identity.PrivateKey is null) && !Refused("certificate") && !Refused("privateKey"))
            {
                state.Error(Where(identity, "type"), $"{path}: type certificate needs both 'certificate' and 'privateKey'");
            }

            // The connector reads these files at every session; a missing one would fail every connection attempt.
            foreach (var (key, file) in new[] { ("certificate", identity.Certificate), ("privateKey", identity.PrivateKey) })
            {
                if (identity.Type == "certificate" && file is not null && !File.Exists(file))
                {
                    state.Error(Where(identity, key), $"{path}.{key}: file '{file}' not found (a relative path is relative to the file that names it)");
                }
            }

            CheckIdentityKeys(identity, path, Where, state);
            CheckSecurity(source.Security, $"sources[{i}] ({source.Name}).security", Where, state);

            if (source.Reconnect.InitialDelayMs > source.Reconnect.MaxDelayMs)
            {
                state.Error(Where(source.Reconnect, "initialDelayMs"), $"sources[{i}] ({source.Name}).reconnect: initialDelayMs ({source.Reconnect.InitialDelayMs}) is larger than maxDelayMs ({source.Reconnect.MaxDelayMs})");
            }
        }

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

        if (config.Http.Enabled && HttpListenProblem(config.Http.Listen) is { } listenProblem)
        {
            state.Error(Where(config.Http, "listen"), $"http.listen: {listenProblem}");
        }

        if (config.Buffer.Retry.InitialDelayMs > config.Buffer.Retry.MaxDelayMs)
        {
            state.Error(Where(config.Buffer.Retry, "initialDelayMs"), $"buffer.retry: initialDelayMs ({config.Buffer.Retry.InitialDelayMs}) is larger than maxDelayMs ({config.Buffer.Retry.MaxDelayMs})");
        }
    }

    /// <summary>Keys of one identity type set under another (a password with type anonymous is a mistake, not a wish).</summary>
    private static void CheckIdentityKeys(IdentityConfig identity, string path, Func<object, string, SourceLocation> where, LoadState state)
    {
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
                state.Error(where(identity, key), $"{path}: '{key}' belongs to type {type}, but type is {identity.Type} (set type: {type}, or remove '{key}')");
            }
        }
    }

    /// <summary>The security policies the OPC UA stack implements (Part 7 profiles), by short name.</summary>
    public static readonly IReadOnlyList<string> KnownPolicies = ["None", "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"];

    private const string PolicyUriPrefix = "http://opcfoundation.org/UA/SecurityPolicy#";

    /// <summary>
    /// The short name of a security policy written as its short name or its full SecurityPolicyUri, in any case
    /// (`basic256sha256`, `http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256`); null when it is not one we implement.
    /// </summary>
    public static string? SecurityPolicyName(string nameOrUri)
    {
        var name = nameOrUri.Trim();
        if (name.StartsWith(PolicyUriPrefix, StringComparison.OrdinalIgnoreCase))
        {
            name = name[PolicyUriPrefix.Length..];
        }

        return KnownPolicies.FirstOrDefault(p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase));
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

    /// <summary>The policy must be one we implement, and agree with the mode (None is the only policy of mode none).</summary>
    private static void CheckSecurity(SecurityConfig security, string path, Func<object, string, SourceLocation> where, LoadState state)
    {
        if (security.Policy is not { Length: > 0 } written)
        {
            return;
        }

        if (SecurityPolicyName(written) is not { } policy)
        {
            state.Error(where(security, "policy"), $"{path}: unknown policy '{written}' (one of {string.Join(", ", KnownPolicies)}, by name or as the full URI {PolicyUriPrefix}NAME)");
            return;
        }

        // The connector and the command line take the short name: store that spelling, whatever the case or form written.
        security.Policy = policy;
        if (security.Mode == "none" && policy != "None")
        {
            state.Error(where(security, "policy"), $"{path}: mode none sends everything unsigned, so policy {policy} cannot apply (use mode sign or signAndEncrypt, or remove 'policy')");
        }
        else if (security.Mode is "sign" or "signAndEncrypt" && policy == "None")
        {
            state.Error(where(security, "policy"), $"{path}: mode {security.Mode} needs a policy other than None (remove 'policy' to pick the best the server offers)");
        }
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

    /// <summary>The plugins' own checks: settings the attributes cannot express, and the tag list (e.g. topic collisions).</summary>
    private static void ValidateSinkOptions(GatewayConfig config, SinkRegistry sinks, List<ResolvedTag> tags, LoadState state)
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
            try
            {
                foreach (var problem in plugin.Validate(sink.Options))
                {
                    var at = problem.Owner is null
                        ? state.Locations.ValueOf(sink.Options, problem.Key)
                        : state.Locations.ValueOf(problem.Owner, problem.Key[(problem.Key.LastIndexOf('.') + 1)..]) ?? state.Locations.StartOf(problem.Owner);
                    state.Error(at ?? start, $"{path}.{problem.Key}: {problem.Message}");
                }

                // Tag problems only mean something once the tags themselves are right.
                if (state.Errors.Count == 0)
                {
                    foreach (var problem in plugin.ValidateTags(sink.Options, gateway, identities))
                    {
                        state.Error(state.Locations.ValueOf(sink.Options, problem.Key) ?? start, $"{path}.{problem.Key}: {problem.Message}");
                    }
                }
            }
            catch (Exception e)
            {
                state.Error(start, $"{path}: the {plugin.Type} plugin failed to check its settings: {e.Message}");
            }
        }
    }
}
