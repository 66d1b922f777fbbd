using System.Globalization;

namespace Gateway.Sinks.Sparkplug;

/// <summary>
/// The node's bdSeq (Sparkplug 3.0, 6.4.x "bdSeq"): 0..255, one per MQTT session, the same in the Will (NDEATH) and
/// the NBIRTH of that session. Kept in the data directory, so a gateway killed and started again uses a new value and
/// a host can tell the old session's NDEATH from the new session's birth.
/// </summary>
public sealed class BirthDeathSequence
{
    private readonly string _path;

    public BirthDeathSequence(string dataDirectory, string sinkName)
    {
        _path = System.IO.Path.Combine(dataDirectory, $"sparkplug-{sinkName}.bdseq");
    }

    public string Path => _path;

    /// <summary>The value of the session about to connect: the last one used plus one (0 the first time), saved before use.</summary>
    public long Next()
    {
        long last = -1;
        try
        {
            if (File.Exists(_path) && long.TryParse(File.ReadAllText(_path).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var stored))
            {
                last = stored;
            }
        }
        catch (IOException)
        {
        }

        var next = (last + 1) & 0xFF;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
        var temporary = _path + ".tmp";
        File.WriteAllText(temporary, next.ToString(CultureInfo.InvariantCulture));
        File.Move(temporary, _path, overwrite: true);
        return next;
    }
}
