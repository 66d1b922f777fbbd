using System.Globalization;
using System.Text.Json;

namespace Gateway.Core;

/// <summary>A reading a destination refused for good, and why.</summary>
/// <param name="Reason">What the destination (or the sink) said, e.g. "field type conflict: ...", "NotAuthorized".</param>
/// <param name="Status">The destination's answer code when it gave one: an HTTP status ("400"), an MQTT reason code ("NotAuthorized").</param>
/// <param name="Sent">What the sink sent for it, where that helps: the line-protocol line (InfluxDB), the topic (MQTT).</param>
public readonly record struct DeadLetter(Reading Reading, string Reason, string? Status = null, string? Sent = null);

/// <summary>
/// One sink's dead letters, in the one format every sink shares: <c>DATA_DIRECTORY/dead-letters/SINK.jsonl</c>, one
/// JSON object a line: <c>time</c> (UTC), <c>sink</c>, <c>reason</c>, <c>status</c> and <c>sent</c> when known, and the
/// <c>reading</c> (source, machine, tag, measurement, valueKind, value, quality, statusCode, timestamp, sequence,
/// labels). A reading refused for good is written here and flushed to disk before the buffer's cursor moves past it,
/// so the queue moves on and an operator can see, fix and replay it (<c>gateway buffer dead-letters</c>).
/// </summary>
public sealed class DeadLetterFile
{
    /// <summary>The folder under the data directory that holds every sink's file.</summary>
    public const string FolderName = "dead-letters";

    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly TimeProvider _time;
    private long _written;

    public DeadLetterFile(string dataDirectory, string sinkName, TimeProvider time)
    {
        Sink = sinkName;
        _time = time;
        Path = System.IO.Path.Combine(dataDirectory, FolderName, sinkName + ".jsonl");
    }

    public string Sink { get; }

    public string Path { get; }

    /// <summary>Readings written since the sink started.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>The sample every sink reports: <c>gateway_sink_dead_lettered_total</c>.</summary>
    public MetricSample Sample() =>
        MetricSample.Counter("gateway_sink_dead_lettered_total", "Readings the destination refused for good, written to the sink's dead-letter file.", Written);

    /// <summary>Appends the letters and flushes them to disk (fsync) before returning.</summary>
    public async Task AppendAsync(IReadOnlyCollection<DeadLetter> letters, CancellationToken cancellationToken)
    {
        if (letters.Count == 0)
        {
            return;
        }

        await _lock.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            await using var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read, 16 * 1024, FileOptions.Asynchronous);
            var now = _time.GetUtcNow().UtcDateTime;
            foreach (var letter in letters)
            {
                await using (var json = new Utf8JsonWriter(file))
                {
                    Write(json, now, letter);
                }

                file.WriteByte((byte)'\n');
            }

            await file.FlushAsync(cancellationToken);
            file.Flush(flushToDisk: true);
            Interlocked.Add(ref _written, letters.Count);
        }
        finally
        {
            _lock.Release();
        }
    }

    private void Write(Utf8JsonWriter json, DateTime now, DeadLetter letter)
    {
        var reading = letter.Reading;
        json.WriteStartObject();
        json.WriteString("time", now);
        json.WriteString("sink", Sink);
        json.WriteString("reason", letter.Reason);
        if (letter.Status is not null)
        {
            json.WriteString("status", letter.Status);
        }

        if (letter.Sent is not null)
        {
            json.WriteString("sent", letter.Sent);
        }

        json.WriteStartObject("reading");
        json.WriteString("source", reading.Source);
        json.WriteString("machine", reading.Machine);
        json.WriteString("tag", reading.Tag);
        if (reading.Measurement is not null)
        {
            json.WriteString("measurement", reading.Measurement);
        }

        json.WriteString("valueKind", reading.Value.Kind.ToString());
        json.WriteString("value", reading.Value.ToString());
        json.WriteString("quality", reading.Quality.ToString());
        json.WriteString("statusCode", "0x" + reading.StatusCode.ToString("X8", CultureInfo.InvariantCulture));
        // Readings carry UTC; an unspecified kind is UTC too, so the file's times all end in Z.
        json.WriteString("timestamp", reading.Timestamp.Kind == DateTimeKind.Local ? reading.Timestamp.ToUniversalTime() : DateTime.SpecifyKind(reading.Timestamp, DateTimeKind.Utc));
        json.WriteNumber("sequence", reading.Sequence);
        json.WriteStartObject("labels");
        foreach (var label in reading.Labels.Pairs)
        {
            json.WriteString(label.Key, label.Value);
        }

        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>
    /// Every sink's file under <paramref name="dataDirectory"/>, by sink name: how many letters, the newest one's time
    /// and reason. A line that does not parse (a torn write at power loss) is counted as unreadable, not thrown.
    /// </summary>
    public static IReadOnlyList<DeadLetterSummary> Summarize(string dataDirectory)
    {
        var folder = System.IO.Path.Combine(dataDirectory, FolderName);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var summaries = new List<DeadLetterSummary>();
        foreach (var path in Directory.EnumerateFiles(folder, "*.jsonl").Order(StringComparer.Ordinal))
        {
            long count = 0, unreadable = 0;
            DateTimeOffset? newest = null;
            string? reason = null;
            foreach (var line in File.ReadLines(path))
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                try
                {
                    using var document = JsonDocument.Parse(line);
                    var root = document.RootElement;
                    count++;
                    if (root.TryGetProperty("time", out var time) && time.TryGetDateTimeOffset(out var at) && (newest is null || at >= newest))
                    {
                        newest = at;
                        reason = root.TryGetProperty("reason", out var r) ? r.GetString() : null;
                    }
                }
                catch (JsonException)
                {
                    unreadable++;
                }
            }

            summaries.Add(new DeadLetterSummary(System.IO.Path.GetFileNameWithoutExtension(path), path, count, unreadable, newest, reason));
        }

        return summaries;
    }
}

/// <summary>One sink's dead-letter file at a glance.</summary>
public sealed record DeadLetterSummary(string Sink, string Path, long Count, long Unreadable, DateTimeOffset? Newest, string? NewestReason);
