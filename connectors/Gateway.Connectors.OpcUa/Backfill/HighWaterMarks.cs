using System.Text.Json;

namespace Gateway.Connectors.OpcUa.Backfill;

/// <summary>
/// Per tag of a `backfill: true` group, the source timestamp of the newest value this source has written (live or
/// backfilled): where the next gap starts. Kept in DATA_DIR/backfill/SOURCE.json (written atomically: a temporary
/// file renamed over the old one), so a gap that spans a gateway restart is found too. Written after each backfill,
/// every few seconds while values arrive, and when the source stops; after a kill -9 the marks may be a few seconds
/// old, so the first values of the next backfill may repeat readings already sent (at least once, like the buffer).
/// </summary>
public sealed class HighWaterMarks
{
    private readonly string? _file;
    private readonly Dictionary<string, DateTime> _marks = new(StringComparer.Ordinal);
    // A flattened structure's leaf readings (tool.Life.Used) by the configured tag (tool) whose node has the history.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _leaves = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly Lock _saving = new();
    private bool _dirty;

    /// <param name="file">Where the marks live; null keeps them in memory only (a gap within one run is still filled).</param>
    public HighWaterMarks(string? file)
    {
        _file = file;
        if (file is not null && File.Exists(file))
        {
            try
            {
                var stored = JsonSerializer.Deserialize<Dictionary<string, DateTime>>(File.ReadAllText(file));
                foreach (var (key, value) in stored ?? [])
                {
                    _marks[key] = DateTime.SpecifyKind(value, DateTimeKind.Utc);
                }
            }
            catch (JsonException)
            {
                // A damaged file costs one backfill, never the source: start without marks.
            }
        }
    }

    public static string KeyOf(string machine, string tag) => machine + "/" + tag;

    /// <summary>
    /// Says that readings named <paramref name="leafTag"/> (a leaf of `structure: flatten`) come from the node of
    /// <paramref name="tag"/>: they move that tag's mark, the one the backfill reads the node's history from.
    /// </summary>
    public void AddLeaf(string machine, string leafTag, string tag) => _leaves.TryAdd(KeyOf(machine, leafTag), KeyOf(machine, tag));

    private string MarkKey(string machine, string tag)
    {
        var key = KeyOf(machine, tag);
        return _leaves.TryGetValue(key, out var owner) ? owner : key;
    }

    public DateTime? Of(string machine, string tag)
    {
        lock (_lock)
        {
            return _marks.TryGetValue(MarkKey(machine, tag), out var mark) ? mark : null;
        }
    }

    /// <summary>Moves the tag's mark forward to <paramref name="sourceTimestamp"/> (never back).</summary>
    public void Advance(string machine, string tag, DateTime sourceTimestamp)
    {
        lock (_lock)
        {
            var key = MarkKey(machine, tag);
            if (!_marks.TryGetValue(key, out var mark) || sourceTimestamp > mark)
            {
                _marks[key] = sourceTimestamp;
                _dirty = true;
            }
        }
    }

    /// <summary>Writes the marks when they changed since the last save.</summary>
    public void Save()
    {
        if (_file is null)
        {
            return;
        }

        string json;
        lock (_lock)
        {
            if (!_dirty)
            {
                return;
            }

            json = JsonSerializer.Serialize(_marks);
            _dirty = false;
        }

        lock (_saving)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
            var temporary = _file + ".tmp";
            File.WriteAllText(temporary, json);
            File.Move(temporary, _file, overwrite: true);
        }
    }
}
