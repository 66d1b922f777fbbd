using System.Text.RegularExpressions;

namespace Gateway.Configuration.Loading;

/// <summary>
/// Expands an include pattern relative to the including file's directory: <c>*</c> and <c>?</c> within a path
/// segment, <c>**</c> for any depth of directories. Matches are sorted so that the load order is stable.
/// </summary>
internal static class IncludeGlob
{
    public static bool HasWildcard(string pattern) => pattern.IndexOfAny(['*', '?']) >= 0;

    public static IReadOnlyList<string> Expand(string baseDirectory, string pattern)
    {
        var full = Path.GetFullPath(Path.Combine(baseDirectory, pattern));
        if (!HasWildcard(pattern))
        {
            return File.Exists(full) ? [full] : [];
        }

        var root = Path.GetPathRoot(full) ?? "/";
        var segments = full[root.Length..].Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries);
        var matches = new List<string>();
        Walk(root, segments, 0, matches);
        return matches.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    private static void Walk(string directory, string[] segments, int index, List<string> matches)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        var segment = segments[index];
        var last = index == segments.Length - 1;
        if (segment == "**")
        {
            if (last)
            {
                matches.AddRange(Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories));
                return;
            }

            Walk(directory, segments, index + 1, matches);
            foreach (var sub in Directory.EnumerateDirectories(directory))
            {
                Walk(sub, segments, index, matches);
            }

            return;
        }

        if (!HasWildcard(segment))
        {
            var next = Path.Combine(directory, segment);
            if (last)
            {
                if (File.Exists(next))
                {
                    matches.Add(next);
                }
            }
            else
            {
                Walk(next, segments, index + 1, matches);
            }

            return;
        }

        var regex = new Regex("^" + Regex.Escape(segment).Replace("\\*", "[^/]*", StringComparison.Ordinal).Replace("\\?", "[^/]", StringComparison.Ordinal) + "$");
        var entries = last ? Directory.EnumerateFiles(directory) : Directory.EnumerateDirectories(directory);
        foreach (var entry in entries)
        {
            if (regex.IsMatch(Path.GetFileName(entry)))
            {
                if (last)
                {
                    matches.Add(entry);
                }
                else
                {
                    Walk(entry, segments, index + 1, matches);
                }
            }
        }
    }
}
