namespace Gateway.Connectors.OpcUa.Discovery;

/// <summary>
/// A glob on browse paths: '/'-separated browse names (without namespace prefix), `*` any run of characters within a
/// name, `?` one character, `**` any number of whole levels (also none). Matching is ordinal, case-sensitive, as
/// OPC UA browse names are.
/// </summary>
public sealed class BrowseGlob
{
    private readonly string[] _segments;

    public BrowseGlob(string pattern)
    {
        Pattern = pattern;
        _segments = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);
    }

    public string Pattern { get; }

    /// <summary>How deep a match can be below the start; null with `**` (any depth).</summary>
    public int? MaxDepth => _segments.Contains("**") ? null : _segments.Length;

    public bool Matches(IReadOnlyList<string> path) => Match(path, 0, 0, prefixOnly: false);

    /// <summary>True when some path that starts with <paramref name="path"/> could match: whether to browse below it.</summary>
    public bool CouldMatchBelow(IReadOnlyList<string> path) => Match(path, 0, 0, prefixOnly: true);

    private bool Match(IReadOnlyList<string> path, int p, int s, bool prefixOnly)
    {
        while (true)
        {
            if (p == path.Count)
            {
                // The whole path is consumed: a full match needs only `**` left; a prefix may go on below.
                return prefixOnly ? s < _segments.Length : _segments.Skip(s).All(x => x == "**");
            }

            if (s == _segments.Length)
            {
                return false;
            }

            if (_segments[s] == "**")
            {
                // `**` takes no level, or one more level and stays.
                return Match(path, p, s + 1, prefixOnly) || Match(path, p + 1, s, prefixOnly);
            }

            if (!NameMatches(_segments[s], path[p]))
            {
                return false;
            }

            p++;
            s++;
        }
    }

    /// <summary>`*` and `?` within one browse name.</summary>
    public static bool NameMatches(string pattern, string name)
    {
        int p = 0, n = 0, star = -1, resume = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[n]))
            {
                p++;
                n++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = n;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
