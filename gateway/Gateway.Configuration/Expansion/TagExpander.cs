using Gateway.Configuration.Binding;
using Gateway.Configuration.Loading;
using Gateway.Configuration.Model;
using Gateway.Core;

namespace Gateway.Configuration.Expansion;

/// <summary>
/// Turns sources, machines, templates and groups into the flat list of <see cref="ResolvedTag"/>s, and checks what
/// only makes sense across the whole file: unique names, existing templates, placeholders and tag addresses. A group's
/// and a tag's keys of the source type are bound here, against the plugin of the source that uses them (a template's
/// once per source type that uses it).
/// </summary>
internal sealed class TagExpander
{
    private readonly LoadState _state;
    private readonly GatewayConfig _config;
    private readonly SourceLocation _fallback;
    private readonly ModelBinder _binder;
    private readonly PluginCatalog _plugins;

    // A template's tag is checked once per machine that uses it; its error is reported once.
    private readonly HashSet<(SourceLocation, string)> _reported = [];

    // A template's group or tag bound once per source type: (the group or tag, the plugin's type) -> its options.
    private readonly Dictionary<(object Owner, Type OptionsType), object> _bound = new(new OwnerAndTypeComparer());

    // One instance per distinct set of merged rules: the tags of a group (and of every machine made from one
    // template) mostly share theirs, and the host keeps every tag's rules while it runs (issue 26, memory).
    private readonly Dictionary<NormalizeConfig, NormalizeConfig> _distinctRules = new(NormalizeConfigComparer.Instance);

    public TagExpander(LoadState state, GatewayConfig config, SourceLocation fallback, ModelBinder binder, PluginCatalog plugins)
    {
        _state = state;
        _config = config;
        _fallback = fallback;
        _binder = binder;
        _plugins = plugins;
    }

    public List<ResolvedTag> Expand()
    {
        CheckUnique(_config.Sources, s => s.Name, "source");
        CheckUnique(_config.Sinks, s => s.Name, "sink");
        CheckUnique(_config.Sources.SelectMany(s => s.Machines), m => m.Name, "machine");

        var tags = new List<ResolvedTag>();
        var gatewayLabels = _config.Gateway.Labels;
        foreach (var source in _config.Sources)
        {
            if (!_plugins.Sources.TryGet(source.Type, out var plugin))
            {
                continue; // the unknown type is reported at its line; its keys cannot be told apart without it
            }

            foreach (var machine in source.Machines)
            {
                var template = FindTemplate(machine);
                var labels = LabelSet.From(gatewayLabels.Concat(source.Labels).Concat(machine.Labels));
                var tagNames = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
                // The template's normalize covers the template's own groups, not the groups a machine adds.
                var groups = (template?.Groups ?? []).Select(g => (Group: g, Template: template))
                    .Concat(machine.Groups.Select(g => (Group: g, Template: (TemplateConfig?)null)));
                foreach (var (group, groupTemplate) in groups)
                {
                    // Bound before the tags are looked at, so that a group or tag left out below still has its keys checked.
                    var groupOptions = Bind(group, plugin.GroupOptionsType);
                    if (group.Tags.Count == 0)
                    {
                        // A group that reads without tags (OPC UA events) gets the one tag its plugin names.
                        if (plugin.ImplicitTag(groupOptions) is { } implicitTag)
                        {
                            var synthetic = new TagConfig { Name = implicitTag.Tag, Address = implicitTag.Address };
                            if (tagNames.TryAdd(synthetic.Name, Where(group, null))
                                && Resolve(plugin, source, machine, groupTemplate, group, groupOptions, synthetic, implicitTag.Address, labels) is { } resolved)
                            {
                                tags.Add(resolved);
                            }
                        }
                        else if (!plugin.FindsItsTags(groupOptions))
                        {
                            Report(Where(group, null), $"tag group '{group.Name}' of machine '{machine.Name}' has no tags; list them under `tags:`", "notags:" + machine.Name + "/" + group.Name);
                        }
                    }

                    foreach (var tag in group.Tags)
                    {
                        var written = Bind(tag, plugin.AddressType);
                        var nameLocation = Where(tag, "name");
                        if (!tagNames.TryAdd(tag.Name, nameLocation))
                        {
                            Report(nameLocation, $"duplicate tag name '{tag.Name}' in machine '{machine.Name}' (first defined at {tagNames[tag.Name]})", "dup:" + machine.Name);
                            continue;
                        }

                        var resolved = Resolve(plugin, source, machine, groupTemplate, group, groupOptions, tag, written, labels);
                        if (resolved is not null)
                        {
                            tags.Add(resolved);
                        }
                    }
                }
            }
        }

        CheckUnusedTemplates();
        return tags;
    }

    /// <summary>A template no source uses is still checked, as the default source type, so a typo shows before it is used.</summary>
    private void CheckUnusedTemplates()
    {
        var plugin = _plugins.Sources.TryGet(PluginCatalog.DefaultSourceType, out var byDefault) ? byDefault : _plugins.Sources.Plugins.FirstOrDefault();
        if (plugin is null)
        {
            return;
        }

        foreach (var group in _config.Templates.Values.SelectMany(t => t.Groups))
        {
            if (group.Options is null)
            {
                Bind(group, plugin.GroupOptionsType);
                foreach (var tag in group.Tags)
                {
                    Bind(tag, plugin.AddressType);
                }
            }
        }
    }

    /// <summary>The group's or tag's keys of a source type, bound once per type; the first binding is kept on the model for printing.</summary>
    private object Bind(object owner, Type optionsType)
    {
        if (!_bound.TryGetValue((owner, optionsType), out var options))
        {
            options = _binder.BindPluginKeys(owner, optionsType);
            _bound[(owner, optionsType)] = options;
            switch (owner)
            {
                case TagGroupConfig group:
                    group.Options ??= options;
                    break;
                case TagConfig tag:
                    tag.Address ??= options;
                    break;
            }
        }

        return options;
    }

    private ResolvedTag? Resolve(
        ISourcePlugin plugin,
        SourceConfig source,
        MachineConfig machine,
        TemplateConfig? template,
        TagGroupConfig group,
        object groupOptions,
        TagConfig tag,
        object written,
        LabelSet labels)
    {
        var address = Substitute(tag, written, machine);
        if (address is null)
        {
            return null;
        }

        var valid = true;
        foreach (var problem in plugin.ValidateAddress(tag.Name, address))
        {
            var at = problem.Key.Length == 0 ? Where(tag, null) : _state.Locations.ValueOf(written, problem.Key) ?? Where(tag, null);
            Report(at, problem.Message, "address:" + problem.Key);
            valid = false;
        }

        if (!valid)
        {
            return null;
        }

        var merged = NormalizeMerge.MostSpecific(tag.Normalize, group.Normalize, machine.Normalize, template?.Normalize, source.Normalize, _config.Normalize);
        if (!_distinctRules.TryGetValue(merged, out var normalize))
        {
            _distinctRules.Add(merged, merged);
            normalize = merged;
        }

        return new ResolvedTag(
            source.Name,
            machine.Name,
            group.Name,
            tag.Name,
            address,
            groupOptions,
            group.IntervalMs,
            group.Measurement ?? source.Name,
            normalize,
            labels,
            Where(tag, null));
    }

    /// <summary>
    /// The address with {machine} and the machine's variables substituted in every string key: a copy when that changes
    /// a key (a template's address is shared by its machines), else the written address itself; null when a
    /// placeholder is unknown (reported).
    /// </summary>
    /// <remarks>
    /// Addresses are not changed after the load, so one written without placeholders is shared, not copied: a copy
    /// cost a second address and a second text of its NodeId per tag (about 13 MB for 100,000 tags listed one by one).
    /// </remarks>
    private object? Substitute(TagConfig tag, object written, MachineConfig machine)
    {
        string? Lookup(string name) =>
            name == "machine" ? machine.Name : machine.Variables.TryGetValue(name, out var value) ? value : null;

        var keys = KeyNames.Of(written.GetType());
        var values = new object?[keys.Count];
        var complete = true;
        var changed = false;
        for (var i = 0; i < keys.Count; i++)
        {
            var (key, property) = keys[i];
            var value = property.GetValue(written);
            if (value is string text)
            {
                var substituted = SubstituteIn(tag, written, key, text, machine, Lookup);
                complete &= substituted is not null;
                changed |= !string.Equals(substituted, text, StringComparison.Ordinal);
                value = substituted;
            }

            values[i] = value;
        }

        if (!complete)
        {
            return null;
        }

        if (!changed)
        {
            return written;
        }

        var copy = Activator.CreateInstance(written.GetType())!;
        for (var i = 0; i < keys.Count; i++)
        {
            keys[i].Property.SetValue(copy, values[i]);
        }

        return copy;
    }

    private string? SubstituteIn(TagConfig tag, object address, string key, string text, MachineConfig machine, Func<string, string?> lookup)
    {
        var result = Placeholders.Substitute(text, lookup, out var unknown);
        if (unknown.Count == 0)
        {
            return result;
        }

        var known = machine.Variables.Keys.Prepend("machine").ToList();
        var names = string.Join(", ", unknown.Select(u => "{" + u + "}"));
        var hint = NameSuggestion.Closest(unknown[0], known) is { } close ? $"did you mean {{{close}}}? " : "";
        Report(
            _state.Locations.ValueOf(address, key) ?? Where(tag, null),
            $"unknown placeholder {names} in {key} of tag '{tag.Name}' (machine '{machine.Name}'); {hint}known: {string.Join(", ", known.Select(k => "{" + k + "}"))}; add it to the machine's variables",
            "placeholder:" + machine.Name);
        return null;
    }

    private TemplateConfig? FindTemplate(MachineConfig machine)
    {
        if (machine.Template is null)
        {
            return null;
        }

        if (_config.Templates.TryGetValue(machine.Template, out var template))
        {
            return template;
        }

        var hint = NameSuggestion.Hint(machine.Template, _config.Templates.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList(), "defined templates");
        if (_config.Templates.Count == 0)
        {
            hint = "; no templates are defined (add a `templates:` section)";
        }

        Report(Where(machine, "template"), $"template '{machine.Template}' of machine '{machine.Name}' does not exist{hint}", "template");
        return null;
    }

    private void CheckUnique<T>(IEnumerable<T> items, Func<T, string> name, string what)
        where T : class
    {
        var first = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var location = Where(item, "name");
            if (!first.TryAdd(name(item), location))
            {
                Report(location, $"duplicate {what} name '{name(item)}' (first defined at {first[name(item)]})", "dup");
            }
        }
    }

    private SourceLocation Where(object model, string? key) =>
        (key is null ? null : _state.Locations.ValueOf(model, key)) ?? _state.Locations.StartOf(model) ?? _fallback;

    private void Report(SourceLocation location, string message, string kind)
    {
        if (_reported.Add((location, kind)))
        {
            _state.Error(location, message);
        }
    }
}

/// <summary>Keys a group's or tag's bound options by the model object itself (not its value) and the options type.</summary>
internal sealed class OwnerAndTypeComparer : IEqualityComparer<(object Owner, Type OptionsType)>
{
    public bool Equals((object Owner, Type OptionsType) x, (object Owner, Type OptionsType) y) =>
        ReferenceEquals(x.Owner, y.Owner) && x.OptionsType == y.OptionsType;

    public int GetHashCode((object Owner, Type OptionsType) key) =>
        HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(key.Owner), key.OptionsType);
}

/// <summary>Merges normalization rules field by field: the first level that sets a field wins.</summary>
internal static class NormalizeMerge
{
    private static readonly System.Reflection.PropertyInfo[] Fields = typeof(NormalizeConfig).GetProperties()
        .Where(p => p.CanWrite).ToArray();

    /// <param name="levels">Most specific first (tag, group, machine, template, source, file).</param>
    public static NormalizeConfig MostSpecific(params NormalizeConfig?[] levels)
    {
        var merged = new NormalizeConfig();
        foreach (var field in Fields)
        {
            var value = levels.Where(l => l is not null).Select(l => field.GetValue(l)).FirstOrDefault(v => v is not null);
            field.SetValue(merged, value);
        }

        return merged;
    }
}
