using Gateway.Core;

namespace Gateway.Configuration.Binding;

/// <summary>
/// Where each bound object and each of its keys was written. Kept beside the model (not in it) so that the
/// model stays plain; later checks (duplicates, templates, NodeIds) use it to point at the right line.
/// </summary>
/// <remarks>
/// Lives only while a file is loaded, but holds two places per key of every object. Kept as a dictionary and two
/// <see cref="SourceLocation"/>s per key, a file of 100,000 tag entries peaked at about 405 MB to load; an object's
/// keys are now a short array of plain line and column numbers, searched in order (a tag or an options block has a
/// handful), with a dictionary added only for an object of many keys (a long list's indexes), and the locations are
/// made when asked for, which is only for an error: about 300 MB (docs/performance.md, "A configuration of 100,000
/// tags").
/// </remarks>
internal sealed class LocationMap
{
    private readonly Dictionary<object, Entry> _entries = new(ReferenceEqualityComparer.Instance);

    public void SetStart(object model, SourceLocation start) => Get(model).Start = start;

    public void SetKey(object model, string key, SourceLocation keyLocation, SourceLocation valueLocation) =>
        Get(model).Set(new KeyPlace(key, keyLocation.File, keyLocation.Line, keyLocation.Column, valueLocation.File, valueLocation.Line, valueLocation.Column));

    public SourceLocation? StartOf(object model) => _entries.TryGetValue(model, out var entry) ? entry.Start : null;

    public SourceLocation? KeyOf(object model, string key) =>
        _entries.TryGetValue(model, out var entry) && entry.Find(key) is { } found ? new SourceLocation(found.KeyFile, found.KeyLine, found.KeyColumn) : null;

    public SourceLocation? ValueOf(object model, string key) =>
        _entries.TryGetValue(model, out var entry) && entry.Find(key) is { } found ? new SourceLocation(found.ValueFile, found.ValueLine, found.ValueColumn) : null;

    private Entry Get(object model)
    {
        if (!_entries.TryGetValue(model, out var entry))
        {
            entry = new Entry();
            _entries.Add(model, entry);
        }

        return entry;
    }

    /// <summary>Where a key and its value were written.</summary>
    private readonly record struct KeyPlace(string Key, string KeyFile, int KeyLine, int KeyColumn, string ValueFile, int ValueLine, int ValueColumn);

    private sealed class Entry
    {
        /// <summary>Keys searched in order up to this many; past it, by a dictionary of their places in the array.</summary>
        private const int IndexFrom = 8;

        private KeyPlace[]? _places;
        private int _count;
        private Dictionary<string, int>? _index;

        public SourceLocation? Start { get; set; }

        public KeyPlace? Find(string key)
        {
            var at = IndexOf(key);
            return at < 0 ? null : _places![at];
        }

        /// <summary>Adds the key, or moves it to where it was written again (a later file of a merge).</summary>
        public void Set(KeyPlace place)
        {
            var at = IndexOf(place.Key);
            if (at >= 0)
            {
                _places![at] = place;
                return;
            }

            if (_places is null || _count == _places.Length)
            {
                Array.Resize(ref _places, _places is null ? 2 : _places.Length * 2);
            }

            _places[_count] = place;
            if (_index is not null)
            {
                _index.Add(place.Key, _count);
            }
            else if (_count + 1 == IndexFrom)
            {
                _index = new Dictionary<string, int>(StringComparer.Ordinal);
                for (var i = 0; i <= _count; i++)
                {
                    _index.Add(_places[i].Key, i);
                }
            }

            _count++;
        }

        private int IndexOf(string key)
        {
            if (_index is not null)
            {
                return _index.TryGetValue(key, out var at) ? at : -1;
            }

            for (var i = 0; i < _count; i++)
            {
                if (string.Equals(_places![i].Key, key, StringComparison.Ordinal))
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
