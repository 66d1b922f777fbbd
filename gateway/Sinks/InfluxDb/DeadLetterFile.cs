using System.Globalization;
using System.Text.Json;

using Gateway.Core;

namespace Gateway.Sinks.InfluxDb;

/// <summary>
/// The readings a server refused for good (type conflict, unparsable line) or that cannot be written at all,
/// appended as JSON lines to <c>DATA_DIRECTORY/deadletter/SINK.jsonl</c>, each with the server's message,
/// so that the queue moves on and an operator can see, fix and replay them.
/// </summary>
public sealed class DeadLetterFile
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly string _sinkName;

    public DeadLetterFile(string dataDirectory, string sinkName)
    {
        _sinkName = sinkName;
        Path = System.IO.Path.Combine(dataDirectory, "deadletter", sinkName + ".jsonl");
    }

    public string Path { get; }

    /// <summary>Appends the lines and flushes them to disk before returning (the buffer's cursor moves past them next).</summary>
    public async Task AppendAsync(IEnumerable<InfluxLine> lines, int status, string message, CancellationToken cancellationToken) =>
        await AppendAsync(lines.Select(l => (l.Reading, (string?)l.Text)), status, message, cancellationToken);

    public async Task AppendAsync(IEnumerable<(Reading Reading, string? Line)> entries, int status, string message, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            await using var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read, 16 * 1024, FileOptions.Asynchronous);
            var now = DateTime.UtcNow;
            foreach (var (reading, line) in entries)
            {
                await using (var json = new Utf8JsonWriter(file))
                {
                    WriteEntry(json, now, reading, line, status, message);
                }

                file.WriteByte((byte)'\n');
            }

            await file.FlushAsync(cancellationToken);
            file.Flush(flushToDisk: true);
        }
        finally
        {
            _lock.Release();
        }
    }

    private void WriteEntry(Utf8JsonWriter json, DateTime now, Reading reading, string? line, int status, string message)
    {
        json.WriteStartObject();
        json.WriteString("deadLetteredAt", now);
        json.WriteString("sink", _sinkName);
        json.WriteNumber("status", status);
        json.WriteString("error", message);
        if (line is not null)
        {
            json.WriteString("line", line);
        }

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
        json.WriteString("timestamp", reading.Timestamp);
        json.WriteNumber("sequence", reading.Sequence);
        json.WriteStartObject("labels");
        foreach (var label in reading.Labels.Pairs)
        {
            json.WriteString(label.Key, label.Value);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }
}
