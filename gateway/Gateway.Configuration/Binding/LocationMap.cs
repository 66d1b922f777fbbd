using Gateway.Core;

namespace Gateway.Configuration.Binding;

/// <summary>
/// Where each bound object and each of its keys was written. Kept beside the model (not in it) so that the
/// model stays plain; later checks (duplicates, templates, NodeIds) use it to point at the right line.
/// </summary>
internal sealed class LocationMap
{
    private readonly Dictionary<object, Entry> _entries = new(ReferenceEqualityComparer.Instance);

    public void SetStart(object model, SourceLocation start) => Get(model).Start = start;

    public void SetKey(object model, string key, SourceLocation keyLocation, SourceLocation valueLocation) =>
        Get(model).Keys[key] = (keyLocation, valueLocation);

    public SourceLocation? StartOf(object model) => _entries.TryGetValue(model, out var entry) ? entry.Start : null;

    public SourceLocation? KeyOf(object model, string key) =>
        _entries.TryGetValue(model, out var entry) && entry.Keys.TryGetValue(key, out var found) ? found.Key : null;

    public SourceLocation? ValueOf(object model, string key) =>
        _entries.TryGetValue(model, out var entry) && entry.Keys.TryGetValue(key, out var found) ? found.Value : null;

    private Entry Get(object model)
    {
        if (!_entries.TryGetValue(model, out var entry))
        {
            entry = new Entry();
            _entries.Add(model, entry);
        }

        return entry;
    }

    private sealed class Entry
    {
        public SourceLocation? Start { get; set; }

        public Dictionary<string, (SourceLocation Key, SourceLocation Value)> Keys { get; } = new(StringComparer.Ordinal);
    }
}
