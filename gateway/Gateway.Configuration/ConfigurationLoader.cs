using Gateway.Configuration.Binding;
using Gateway.Configuration.Expansion;
using Gateway.Configuration.Loading;
using Gateway.Configuration.Model;
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
            ValidateSinkOptions(config, sinks, tags, state);
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
            var message = e.InnerException is YamlException inner ? inner.Message : e.Message;
            state.Error(file.At(e.Start), $"YAML syntax error: {message}");
            return null;
        }
        catch (InvalidOperationException e)
        {
            state.Error(file.At(1, 1), $"YAML syntax error: {e.Message}");
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
            if (identity.Type == "username" && (string.IsNullOrEmpty(identity.Username) || identity.Password is null))
            {
                state.Error(Where(identity, "type"), $"{path}: type username needs both 'username' and 'password' (use ${{ENV}} or ${{file:PATH}} for the password)");
            }

            if (identity.Type == "certificate" && (identity.Certificate is null || identity.PrivateKey is null))
            {
                state.Error(Where(identity, "type"), $"{path}: type certificate needs both 'certificate' and 'privateKey'");
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

    /// <summary>The policy must be one we implement, and agree with the mode (None is the only policy of mode none).</summary>
    private static void CheckSecurity(SecurityConfig security, string path, Func<object, string, SourceLocation> where, LoadState state)
    {
        if (security.Policy is not { Length: > 0 } policy)
        {
            return;
        }

        string[] known = ["None", "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"];
        if (!known.Contains(policy, StringComparer.Ordinal))
        {
            state.Error(where(security, "policy"), $"{path}: unknown policy '{policy}' (one of {string.Join(", ", known)})");
        }
        else if (security.Mode == "none" && policy != "None")
        {
            state.Error(where(security, "policy"), $"{path}: mode none sends everything unsigned, so policy {policy} cannot apply (use mode sign or signAndEncrypt, or remove 'policy')");
        }
        else if (security.Mode is "sign" or "signAndEncrypt" && policy == "None")
        {
            state.Error(where(security, "policy"), $"{path}: mode {security.Mode} needs a policy other than None (remove 'policy' to pick the best the server offers)");
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
                    state.Error(state.Locations.ValueOf(sink.Options, problem.Key) ?? start, $"{path}.{problem.Key}: {problem.Message}");
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
