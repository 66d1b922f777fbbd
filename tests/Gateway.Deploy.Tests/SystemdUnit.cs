namespace Gateway.Deploy.Tests;

/// <summary>A systemd unit file read as sections of (key, value) lines; a key may repeat (Environment=, SystemCallFilter=).</summary>
public sealed class SystemdUnit
{
    private readonly List<(string Section, string Key, string Value)> _entries;

    private SystemdUnit(List<(string, string, string)> entries) => _entries = entries;

    public static SystemdUnit Read(string path)
    {
        var entries = new List<(string, string, string)>();
        var section = "";
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith(';'))
            {
                continue;
            }

            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = line[1..^1];
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"{path}: not a key=value line: {raw}");
            }

            entries.Add((section, line[..equals].Trim(), line[(equals + 1)..].Trim()));
        }

        return new SystemdUnit(entries);
    }

    public IReadOnlyList<string> Values(string section, string key) =>
        _entries.Where(e => e.Section == section && e.Key == key).Select(e => e.Value).ToList();

    /// <summary>The single value of a key that must appear exactly once.</summary>
    public string Value(string section, string key)
    {
        var values = Values(section, key);
        Assert.True(values.Count == 1, $"[{section}] {key}= appears {values.Count} times");
        return values[0];
    }
}
