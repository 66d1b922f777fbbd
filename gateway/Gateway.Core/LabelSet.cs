namespace Gateway.Core;

/// <summary>
/// The static labels of a machine (site, line, area, ...), immutable and sorted by key.
/// One instance is shared by every reading of a machine, so the buffer can intern it.
/// </summary>
public sealed class LabelSet : IEquatable<LabelSet>
{
    private readonly KeyValuePair<string, string>[] _pairs;
    private readonly int _hash;

    public static LabelSet Empty { get; } = new(Array.Empty<KeyValuePair<string, string>>());

    private LabelSet(KeyValuePair<string, string>[] sortedPairs)
    {
        _pairs = sortedPairs;
        var hash = new HashCode();
        foreach (var pair in _pairs)
        {
            hash.Add(pair.Key, StringComparer.Ordinal);
            hash.Add(pair.Value, StringComparer.Ordinal);
        }

        _hash = hash.ToHashCode();
    }

    public static LabelSet From(IEnumerable<KeyValuePair<string, string>> labels)
    {
        var sorted = labels
            .GroupBy(p => p.Key, StringComparer.Ordinal)
            .Select(g => g.Last())
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToArray();
        return sorted.Length == 0 ? Empty : new LabelSet(sorted);
    }

    public int Count => _pairs.Length;

    public IReadOnlyList<KeyValuePair<string, string>> Pairs => _pairs;

    public string? this[string key]
    {
        get
        {
            foreach (var pair in _pairs)
            {
                if (string.Equals(pair.Key, key, StringComparison.Ordinal))
                {
                    return pair.Value;
                }
            }

            return null;
        }
    }

    /// <summary>A new set with these labels added or replaced.</summary>
    public LabelSet With(IEnumerable<KeyValuePair<string, string>> overrides) => From(_pairs.Concat(overrides));

    public bool Equals(LabelSet? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || other._hash != _hash || other._pairs.Length != _pairs.Length)
        {
            return false;
        }

        for (var i = 0; i < _pairs.Length; i++)
        {
            if (!string.Equals(_pairs[i].Key, other._pairs[i].Key, StringComparison.Ordinal)
                || !string.Equals(_pairs[i].Value, other._pairs[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as LabelSet);

    public override int GetHashCode() => _hash;

    public override string ToString() => string.Join(",", _pairs.Select(p => $"{p.Key}={p.Value}"));
}
