using Gateway.Configuration.Binding;
using Gateway.Configuration.Loading;
using Gateway.Configuration.Model;
using Gateway.Core;

namespace Gateway.Configuration.Expansion;

/// <summary>
/// Turns sources, machines, templates and groups into the flat list of <see cref="ResolvedTag"/>s, and checks what
/// only makes sense across the whole file: unique names, existing templates, placeholders and NodeIds.
/// </summary>
internal sealed class TagExpander
{
    private readonly LoadState _state;
    private readonly GatewayConfig _config;
    private readonly SourceLocation _fallback;

    // A template's tag is checked once per machine that uses it; its error is reported once.
    private readonly HashSet<(SourceLocation, string)> _reported = [];

    public TagExpander(LoadState state, GatewayConfig config, SourceLocation fallback)
    {
        _state = state;
        _config = config;
        _fallback = fallback;
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
                    foreach (var tag in group.Tags)
                    {
                        var nameLocation = Where(tag, "name");
                        if (!tagNames.TryAdd(tag.Name, nameLocation))
                        {
                            Report(nameLocation, $"duplicate tag name '{tag.Name}' in machine '{machine.Name}' (first defined at {tagNames[tag.Name]})", "dup:" + machine.Name);
                            continue;
                        }

                        var resolved = Resolve(source, machine, groupTemplate, group, tag, labels);
                        if (resolved is not null)
                        {
                            tags.Add(resolved);
                        }
                    }
                }
            }
        }

        return tags;
    }

    private ResolvedTag? Resolve(SourceConfig source, MachineConfig machine, TemplateConfig? template, TagGroupConfig group, TagConfig tag, LabelSet labels)
    {
        string? Lookup(string name) =>
            name == "machine" ? machine.Name : machine.Variables.TryGetValue(name, out var value) ? value : null;

        var nodeId = tag.NodeId is null ? null : SubstituteIn(tag, "nodeId", tag.NodeId, machine, Lookup);
        var path = tag.Path is null ? null : SubstituteIn(tag, "path", tag.Path, machine, Lookup);
        if (tag.NodeId is null && tag.Path is null)
        {
            Report(Where(tag, null), $"tag '{tag.Name}' has neither nodeId nor path; set one, e.g. nodeId: ns=2;s=Spindle.Speed", "address");
            return null;
        }

        if (nodeId is not null && NodeIdSyntax.Check(nodeId) is { } problem)
        {
            Report(Where(tag, "nodeId"), $"malformed NodeId '{nodeId}' for tag '{tag.Name}': {problem}", "nodeId");
            return null;
        }

        if (tag.NodeId is not null && nodeId is null || tag.Path is not null && path is null)
        {
            return null;
        }

        var normalize = NormalizeMerge.MostSpecific(tag.Normalize, group.Normalize, machine.Normalize, template?.Normalize, source.Normalize, _config.Normalize);
        return new ResolvedTag(
            source.Name,
            machine.Name,
            group.Name,
            tag.Name,
            nodeId,
            nodeId is null ? path : null,
            tag.IndexRange,
            group,
            group.Measurement ?? source.Name,
            normalize,
            labels,
            Where(tag, null));
    }

    private string? SubstituteIn(TagConfig tag, string key, string text, MachineConfig machine, Func<string, string?> lookup)
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
            Where(tag, key),
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
