using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

using Gateway.Configuration.Loading;
using Gateway.Configuration.Model;
using Gateway.Core;

using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Configuration.Binding;

/// <summary>
/// Binds YAML nodes to the typed model (and to the plugins' options types) by reflection, reporting every
/// problem with its file, line and column and carrying on, so that one run shows them all. A source or sink entry's
/// keys split between the common class and its plugin's options; a tag group's and a tag's keys of the source type are
/// kept aside (<see cref="LoadState.Pending"/>) and bound by <see cref="BindPluginKeys"/> once the using source is known,
/// since a template's groups have no type of their own.
/// </summary>
internal sealed class ModelBinder
{
    private static readonly NullabilityInfoContext Nullability = new();

    private readonly LoadState _state;
    private readonly PluginCatalog _plugins;

    public ModelBinder(LoadState state, PluginCatalog plugins)
    {
        _state = state;
        _plugins = plugins;
    }

    /// <summary>Binds a mapping to a new instance of <paramref name="type"/>; only <paramref name="allowedKeys"/> when given.</summary>
    public object BindObject(YamlMappingNode map, Type type, YamlFile file, string path, IReadOnlyCollection<string>? allowedKeys = null)
    {
        var instance = Activator.CreateInstance(type)!;
        _state.Locations.SetStart(instance, file.At(map.Start));
        var keys = KeyNames.Of(type);
        var seen = new HashSet<string>(StringComparer.Ordinal);

        // A tag group's or tag's other keys belong to the source type, which only the using source knows.
        var pending = type == typeof(TagGroupConfig) || type == typeof(TagConfig) ? new PendingKeys(file, path, file.At(map.Start)) : null;
        if (pending is not null)
        {
            _state.Pending[instance] = pending;
        }

        foreach (var (keyNode, valueNode) in map.Children)
        {
            if (!TryKey(keyNode, file, out var key))
            {
                continue;
            }

            var property = KeyNames.Find(type, key);
            if (property is null && pending is not null)
            {
                pending.Keys.Add((key, keyNode, valueNode));
                continue;
            }

            if (property is not null && allowedKeys is not null && !allowedKeys.Contains(key))
            {
                _state.Error(file.At(keyNode.Start), $"'{key}' cannot be set in an included file; only {string.Join(", ", allowedKeys)} can (move it to the main file)");
                continue;
            }

            if (property is null)
            {
                var candidates = allowedKeys ?? keys.Select(k => k.Key).ToList();
                _state.Error(file.At(keyNode.Start), UnknownKey(key, path, candidates));
                continue;
            }

            seen.Add(key);
            _state.Locations.SetKey(instance, key, file.At(keyNode.Start), file.At(valueNode.Start));
            BindProperty(instance, property, valueNode, file, Join(path, key));
        }

        if (allowedKeys is null)
        {
            ReportMissingRequired(type, seen, file.At(map.Start), path);
        }

        return instance;
    }

    /// <summary>Binds one node to any supported type. Returns false (after reporting) when it could not.</summary>
    public bool TryBind(YamlNode node, Type type, YamlFile file, string path, bool secret, out object? value)
    {
        value = null;
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (KeyNames.IsScalar(underlying))
        {
            if (node is not YamlScalarNode scalar)
            {
                _state.Error(file.At(node.Start), $"{path}: expected {Describe(underlying)}, got {NodeKind(node)}");
                return false;
            }

            if (!TryScalarText(scalar, file, secret, out var text))
            {
                return false;
            }

            if (text is null)
            {
                return true;
            }

            return TryConvert(text, underlying, file.At(scalar.Start), path, secret || _state.SecretValues.Contains(text), out value);
        }

        if (underlying == typeof(SinkConfig))
        {
            value = BindSink(node, file, path);
            return value is not null;
        }

        if (underlying == typeof(SourceConfig))
        {
            value = BindSource(node, file, path);
            return value is not null;
        }

        if (IsNull(node))
        {
            return true;
        }

        if (KeyNames.ListElement(underlying) is { } element)
        {
            return TryBindList(node, underlying, element, file, path, secret, out value);
        }

        if (KeyNames.DictionaryValue(underlying) is { } valueType)
        {
            return TryBindDictionary(node, underlying, valueType, file, path, secret, out value);
        }

        if (node is not YamlMappingNode map)
        {
            _state.Error(file.At(node.Start), $"{path}: expected a mapping (key: value lines), got {NodeKind(node)}");
            return false;
        }

        value = BindObject(map, underlying, file, path);
        return true;
    }

    private bool TryBindList(YamlNode node, Type listType, Type element, YamlFile file, string path, bool secret, out object? value)
    {
        value = null;
        if (node is not YamlSequenceNode sequence)
        {
            // `include: one.yaml` is the usual slip: show the list spelling of exactly what was written.
            var hint = node is YamlScalarNode { Value: { Length: > 0 } text }
                ? $"; write a list, e.g. `{LastKey(path)}: [{text}]`, or `- {text}` on the next line, indented"
                : "";
            _state.Error(file.At(node.Start), $"{path}: expected a list, got {NodeKind(node)}{hint}");
            return false;
        }

        var list = (System.Collections.IList)Activator.CreateInstance(listType)!;
        _state.Locations.SetStart(list, file.At(sequence.Start));
        var index = 0;
        foreach (var item in sequence.Children)
        {
            var itemPath = $"{path}[{index}]";
            _state.Locations.SetKey(list, index.ToString(CultureInfo.InvariantCulture), file.At(item.Start), file.At(item.Start));
            if (TryBind(item, element, file, itemPath, secret, out var bound))
            {
                if (bound is null && element.IsValueType && Nullable.GetUnderlyingType(element) is null)
                {
                    _state.Error(file.At(item.Start), $"{itemPath}: expected {Describe(element)}, got nothing");
                }
                else if (bound is not null)
                {
                    list.Add(bound);
                }
            }

            index++;
        }

        value = list;
        return true;
    }

    private bool TryBindDictionary(YamlNode node, Type dictionaryType, Type valueType, YamlFile file, string path, bool secret, out object? value)
    {
        value = null;
        if (node is not YamlMappingNode map)
        {
            _state.Error(file.At(node.Start), $"{path}: expected a mapping (key: value lines), got {NodeKind(node)}");
            return false;
        }

        var dictionary = (System.Collections.IDictionary)Activator.CreateInstance(dictionaryType, StringComparer.Ordinal)!;
        _state.Locations.SetStart(dictionary, file.At(map.Start));
        foreach (var (keyNode, valueNode) in map.Children)
        {
            // Free-form keys (labels, variables, enum maps): any scalar, numbers included ({0: STOPPED}).
            if (!TryKey(keyNode, file, out var key))
            {
                continue;
            }

            _state.Locations.SetKey(dictionary, key, file.At(keyNode.Start), file.At(valueNode.Start));
            if (TryBind(valueNode, valueType, file, $"{path}.{key}", secret, out var bound))
            {
                if (bound is null && (valueType == typeof(string) || !IsNullableType(valueType)))
                {
                    // `site:` with nothing after it: an empty label is almost always a forgotten value.
                    _state.Error(file.At(valueNode.Start), $"{path}.{key}: needs a value");
                }
                else
                {
                    dictionary[key] = bound;
                }
            }
        }

        value = dictionary;
        return true;
    }

    private void BindProperty(object instance, PropertyInfo property, YamlNode node, YamlFile file, string path)
    {
        var before = _state.Errors.Count;
        BindValue(instance, property, node, file, path);
        if (_state.Errors.Count > before)
        {
            _state.WithErrors.Add(instance);
        }
    }

    private void BindValue(object instance, PropertyInfo property, YamlNode node, YamlFile file, string path)
    {
        var secret = property.GetCustomAttribute<SecretAttribute>() is not null;
        if (!TryBind(node, property.PropertyType, file, path, secret, out var value))
        {
            return;
        }

        var location = file.At(node.Start);
        if (value is null)
        {
            if (IsNullable(property))
            {
                property.SetValue(instance, null);
            }
            else if (!KeyNames.IsScalar(property.PropertyType))
            {
                // `labels:` or `security:` with nothing under it: keep the empty default.
            }
            else
            {
                var hint = property.GetCustomAttribute<RequiredAttribute>() is null ? " (remove the key to use the default)" : "";
                _state.Error(location, $"{path}: needs a value{hint}");
            }

            return;
        }

        if (secret && value is string secretText && secretText.Length > 0)
        {
            _state.SecretValues.Add(secretText);
        }

        if (value is string relative && relative.Length > 0 && property.GetCustomAttribute<FilePathAttribute>() is not null)
        {
            // Relative to the file that names it, so the service does not depend on its working directory.
            value = Path.GetFullPath(Path.Combine(file.Directory, relative));
        }

        if (!CheckAttributes(property, ref value, location, path, secret))
        {
            return;
        }

        property.SetValue(instance, value);
    }

    private bool CheckAttributes(PropertyInfo property, ref object value, SourceLocation location, string path, bool secret)
    {
        var shown = secret || (value is string s && _state.SecretValues.Contains(s)) ? SecretRedaction.Mask : Convert.ToString(value, CultureInfo.InvariantCulture);
        if (property.GetCustomAttribute<RangeAttribute>() is { } range && value is IConvertible)
        {
            var number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
            var min = Convert.ToDouble(range.Minimum, CultureInfo.InvariantCulture);
            var max = Convert.ToDouble(range.Maximum, CultureInfo.InvariantCulture);
            if (number < min || number > max)
            {
                var allowed = max >= double.MaxValue ? $"must be at least {Format(min)}" : $"allowed {Format(min)} to {Format(max)}";
                _state.Error(location, $"{path}: {shown} is out of range; {allowed}");
                return false;
            }
        }

        if (value is string text)
        {
            if (property.GetCustomAttribute<RegularExpressionAttribute>() is { } pattern)
            {
                var match = Regex.Match(text, pattern.Pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
                if (!match.Success || match.Index != 0 || match.Length != text.Length)
                {
                    var why = pattern.ErrorMessage ?? $"it must match {pattern.Pattern}";
                    _state.Error(location, $"{path}: '{shown}' is not valid: {why}");
                    return false;
                }
            }

            if (property.GetCustomAttribute<AllowedValuesAttribute>() is { } allowedValues)
            {
                var allowed = allowedValues.Values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)!).ToList();
                var canonical = allowed.FirstOrDefault(a => string.Equals(a, text, StringComparison.OrdinalIgnoreCase));
                if (canonical is null)
                {
                    _state.Error(location, $"{path}: '{shown}' is not one of: {string.Join(", ", allowed)}");
                    return false;
                }

                value = canonical;
            }

            if (property.GetCustomAttribute<RequiredAttribute>() is not null && text.Length == 0)
            {
                _state.Error(location, $"{path}: must not be empty");
                return false;
            }
        }

        if (value is System.Collections.ICollection { Count: 0 } && property.GetCustomAttribute<RequiredAttribute>() is not null)
        {
            _state.Error(location, $"{path}: needs at least one entry");
            return false;
        }

        return true;
    }

    private SinkConfig? BindSink(YamlNode node, YamlFile file, string path)
    {
        if (node is not YamlMappingNode map)
        {
            _state.Error(file.At(node.Start), $"{path}: expected a sink (a mapping with type, name and the sink's settings), got {NodeKind(node)}");
            return null;
        }

        var sink = new SinkConfig { Location = file.At(map.Start) };
        _state.Locations.SetStart(sink, sink.Location);
        var known = _plugins.Sinks.Plugins.Select(p => p.Type).OrderBy(t => t, StringComparer.Ordinal).ToList();
        ISinkPlugin? plugin = null;
        var typeNode = map.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: "type" }).Value;
        if (typeNode is null)
        {
            _state.Error(file.At(map.Start), $"missing required key 'type' in {path}; known sink types: {string.Join(", ", known)}");
        }
        else if (TryBind(typeNode, typeof(string), file, Join(path, "type"), false, out var typeValue) && typeValue is string type)
        {
            if (_plugins.Sinks.TryGet(type, out plugin))
            {
                sink.Type = plugin.Type;
            }
            else
            {
                var hint = NameSuggestion.Closest(type, known) is { } close ? $"did you mean '{close}'? " : "";
                _state.Error(file.At(typeNode.Start), $"{Join(path, "type")}: unknown sink type '{type}'; {hint}known types: {string.Join(", ", known)}");
            }
        }

        sink.Options = BindSplit(map, file, path, sink, plugin?.OptionsType, $"{path} ({plugin?.Type} sink)");
        return sink;
    }

    private SourceConfig? BindSource(YamlNode node, YamlFile file, string path)
    {
        if (node is not YamlMappingNode map)
        {
            _state.Error(file.At(node.Start), $"{path}: expected a source (a mapping with name, machines and the source type's settings), got {NodeKind(node)}");
            return null;
        }

        var source = new SourceConfig();
        _state.Locations.SetStart(source, file.At(map.Start));
        var known = _plugins.Sources.Plugins.Select(p => p.Type).OrderBy(t => t, StringComparer.Ordinal).ToList();
        var (typeKey, typeNode) = map.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: "type" });
        string? type = PluginCatalog.DefaultSourceType;
        if (typeNode is not null)
        {
            _state.Locations.SetKey(source, "type", file.At(typeKey.Start), file.At(typeNode.Start));
            type = TryBind(typeNode, typeof(string), file, Join(path, "type"), false, out var typeValue) ? typeValue as string : null;
        }

        ISourcePlugin? plugin = null;
        if (type is not null && !_plugins.Sources.TryGet(type, out plugin))
        {
            var hint = NameSuggestion.Closest(type, known) is { } close ? $"did you mean '{close}'? " : "";
            var at = typeNode is null ? file.At(map.Start) : file.At(typeNode.Start);
            _state.Error(at, $"{Join(path, "type")}: unknown source type '{type}'; {hint}known types: {string.Join(", ", known)}");
        }

        source.Type = plugin?.Type ?? type ?? PluginCatalog.DefaultSourceType;
        source.Options = BindSplit(map, file, path, source, plugin?.OptionsType, path);
        if (plugin is not null && source.Options is not null)
        {
            source.Endpoint = plugin.EndpointOf(source.Options);
        }

        return source;
    }

    /// <summary>
    /// Binds an entry whose keys split between its own class (<paramref name="entry"/>) and a plugin's options class,
    /// and returns the options (null when the plugin is unknown: without it there is no way to tell which keys belong,
    /// and the type error says what to fix).
    /// </summary>
    private object? BindSplit(YamlMappingNode map, YamlFile file, string path, object entry, Type? optionsType, string optionsPath)
    {
        var entryType = entry.GetType();
        var options = optionsType is null ? null : Activator.CreateInstance(optionsType);
        if (options is not null)
        {
            _state.Locations.SetStart(options, file.At(map.Start));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var seenOptions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in map.Children)
        {
            if (!TryKey(keyNode, file, out var key) || key == "type")
            {
                continue;
            }

            var own = KeyNames.Find(entryType, key);
            if (own is not null)
            {
                seen.Add(key);
                _state.Locations.SetKey(entry, key, file.At(keyNode.Start), file.At(valueNode.Start));
                BindProperty(entry, own, valueNode, file, Join(path, key));
                continue;
            }

            if (options is null)
            {
                continue;
            }

            var option = KeyNames.Find(optionsType!, key);
            if (option is null)
            {
                var candidates = KeyNames.Of(entryType).Select(k => k.Key).Prepend("type")
                    .Concat(KeyNames.Of(optionsType!).Select(k => k.Key)).ToList();
                _state.Error(file.At(keyNode.Start), UnknownKey(key, optionsPath, candidates));
            }
            else
            {
                seenOptions.Add(key);
                _state.Locations.SetKey(options, key, file.At(keyNode.Start), file.At(valueNode.Start));
                BindProperty(options, option, valueNode, file, Join(path, key));
            }
        }

        ReportMissingRequired(entryType, seen.Append("type").ToHashSet(StringComparer.Ordinal), file.At(map.Start), path);
        if (options is not null)
        {
            ReportMissingRequired(optionsType!, seenOptions, file.At(map.Start), optionsPath);
        }

        return options;
    }

    /// <summary>
    /// Binds the keys of a tag group or tag that are not common ones (kept aside when it was bound) to a source plugin's
    /// <paramref name="optionsType"/> (its GroupOptionsType or AddressType): unknown keys, wrong values and missing
    /// required keys are reported like any other, at the group's or tag's own lines.
    /// </summary>
    public object BindPluginKeys(object owner, Type optionsType)
    {
        var options = Activator.CreateInstance(optionsType)!;
        if (!_state.Pending.TryGetValue(owner, out var pending))
        {
            return options;
        }

        _state.Locations.SetStart(options, pending.Start);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, keyNode, valueNode) in pending.Keys)
        {
            var option = KeyNames.Find(optionsType, key);
            if (option is null)
            {
                var candidates = KeyNames.Of(owner.GetType()).Select(k => k.Key).Concat(KeyNames.Of(optionsType).Select(k => k.Key)).ToList();
                _state.Error(pending.File.At(keyNode.Start), UnknownKey(key, pending.Path, candidates));
                continue;
            }

            seen.Add(key);
            _state.Locations.SetKey(options, key, pending.File.At(keyNode.Start), pending.File.At(valueNode.Start));
            BindProperty(options, option, valueNode, pending.File, Join(pending.Path, key));
        }

        ReportMissingRequired(optionsType, seen, pending.Start, pending.Path);
        return options;
    }

    private void ReportMissingRequired(Type type, HashSet<string> seen, SourceLocation at, string path)
    {
        foreach (var (key, property) in KeyNames.Of(type))
        {
            if (!seen.Contains(key) && property.GetCustomAttribute<RequiredAttribute>() is not null)
            {
                _state.Error(at, $"missing required key '{key}' in {(path.Length == 0 ? "the top level" : path)}");
            }
        }
    }

    /// <summary>The scalar's text after ${...} substitution, or null for YAML null (empty, ~, null).</summary>
    private bool TryScalarText(YamlScalarNode scalar, YamlFile file, bool secret, out string? text)
    {
        text = null;
        if (IsNull(scalar))
        {
            return true;
        }

        var raw = scalar.Value ?? "";
        var result = _state.Substitution.Apply(raw, file.Directory);
        foreach (var (offset, message) in result.Problems)
        {
            _state.Error(OffsetInScalar(scalar, file, offset), message);
        }

        if (result.Problems.Count > 0)
        {
            return false;
        }

        text = result.Text;
        if ((result.FromSecretFile || secret) && text.Length > 0)
        {
            _state.SecretValues.Add(text);
        }

        foreach (var content in result.SecretFileContents)
        {
            // The file's text itself, and without surrounding blanks, since a log may quote the value trimmed.
            foreach (var part in new[] { content, content.Trim() }.Where(p => p.Length > 0))
            {
                _state.SecretValues.Add(part);
            }
        }

        return true;
    }

    /// <summary>Where in the file a character of the scalar is, exact for single-line plain and quoted scalars.</summary>
    private static SourceLocation OffsetInScalar(YamlScalarNode scalar, YamlFile file, int offset)
    {
        if (scalar.Start.Line != scalar.End.Line)
        {
            return file.At(scalar.Start);
        }

        var quote = scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted ? 1 : 0;
        return file.At((int)scalar.Start.Line, (int)scalar.Start.Column + quote + offset);
    }

    private bool TryConvert(string text, Type type, SourceLocation location, string path, bool secret, out object? value)
    {
        value = null;
        var shown = secret ? SecretRedaction.Mask : text;
        if (type == typeof(string))
        {
            value = text;
            return true;
        }

        if (type == typeof(bool))
        {
            if (bool.TryParse(text, out var flag))
            {
                value = flag;
                return true;
            }
        }
        else if (type.IsEnum)
        {
            var names = KeyNames.EnumNames(type);
            var name = Enum.GetNames(type).FirstOrDefault(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
            if (name is not null)
            {
                value = Enum.Parse(type, name);
                return true;
            }

            _state.Error(location, $"{path}: '{shown}' is not one of: {string.Join(", ", names)}");
            return false;
        }
        else if (type == typeof(int) || type == typeof(long))
        {
            // YAML 1.1 allows 3_600_000; so do we.
            if (long.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                if (type == typeof(int) && number is < int.MinValue or > int.MaxValue)
                {
                    _state.Error(location, $"{path}: {shown} is too large for an integer");
                    return false;
                }

                value = type == typeof(int) ? (object)(int)number : number;
                return true;
            }
        }
        else if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            if (double.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                && double.IsFinite(number))
            {
                value = Convert.ChangeType(number, type, CultureInfo.InvariantCulture);
                return true;
            }
        }

        _state.Error(location, $"{path}: expected {Describe(type)}, got '{shown}'");
        return false;
    }

    private bool TryKey(YamlNode keyNode, YamlFile file, out string key)
    {
        if (keyNode is YamlScalarNode { Value: { } value })
        {
            key = value;
            return true;
        }

        _state.Error(file.At(keyNode.Start), "a key must be a plain name, not a list or mapping");
        key = "";
        return false;
    }

    private static string UnknownKey(string key, string path, IReadOnlyCollection<string> candidates)
    {
        var where = path.Length == 0 ? "at the top level" : $"in {path}";
        return $"unknown key '{key}' {where}{NameSuggestion.Hint(key, candidates, "allowed keys")}";
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } scalar
        && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    private static bool IsNullable(PropertyInfo property) =>
        Nullable.GetUnderlyingType(property.PropertyType) is not null
        || (!property.PropertyType.IsValueType && Nullability.Create(property).WriteState == NullabilityState.Nullable);

    private static bool IsNullableType(Type type) => Nullable.GetUnderlyingType(type) is not null;

    private static string LastKey(string path) => path[(path.LastIndexOf('.') + 1)..];

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static string Format(double number) => number.ToString("0.###", CultureInfo.InvariantCulture);

    private static string NodeKind(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ => "a value",
    };

    public static string Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(int) || type == typeof(long))
        {
            return "an integer";
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return "a number";
        }

        if (type == typeof(bool))
        {
            return "true or false";
        }

        if (type.IsEnum)
        {
            return "one of: " + string.Join(", ", KeyNames.EnumNames(type));
        }

        return type == typeof(string) ? "a string" : "a " + type.Name;
    }
}
