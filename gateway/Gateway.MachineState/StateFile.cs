using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.MachineState;

/// <summary>
/// The small file a restart (or a kill -9) resumes the calculation from: per machine, its state, how far its figures
/// are accounted, its counters' last values and its open shifts' figures, all taken at one moment so that a part is in
/// the figures exactly when the counter baseline is past it (never counted twice). Written atomically: a temporary file,
/// flushed to disk, renamed over the old one, so a crash leaves either the old or the new file, never half of one.
/// </summary>
public static class StateFile
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter() },
    };

    public sealed record Content(int Version, DateTime SavedUtc, Dictionary<string, MachineCheckpoint> Machines);

    public static void Save(string path, Content content)
    {
        var temporary = path + ".tmp";
        var bytes = JsonSerializer.SerializeToUtf8Bytes(content, Options);
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The saved content; null when there is no file. Throws <see cref="JsonException"/> for a damaged one.</summary>
    public static Content? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var content = JsonSerializer.Deserialize<Content>(File.ReadAllBytes(path), Options);
        return content is { Version: 1 } ? content : null;
    }
}
