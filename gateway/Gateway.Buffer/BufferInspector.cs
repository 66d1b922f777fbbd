using System.Text.Json;
using System.Text.Json.Serialization;

using Gateway.Buffer.Storage;
using Gateway.Core;

namespace Gateway.Buffer;

/// <summary>
/// Read-only views of a buffer directory for `gateway buffer stats` and `gateway buffer dump`. Works while the
/// service is stopped, and tolerates a live writer (a segment being appended or deleted meanwhile is read as far
/// as it goes). Never writes.
/// </summary>
public static class BufferInspector
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static JsonSerializerOptions JsonOptions => Json;

    /// <summary>Counts every record: per cursor the pending readings and the oldest pending one; damaged records; bytes.</summary>
    public static BufferStatistics ReadStatistics(string directory, TimeProvider? timeProvider = null)
    {
        var now = (timeProvider ?? TimeProvider.System).GetUtcNow().UtcDateTime;
        var cursors = ReadCursors(directory);
        var counters = ReadCounters(directory);
        var pending = cursors.ToDictionary(c => c.Key, _ => 0L, StringComparer.Ordinal);
        var damage = 0L;
        var last = 0L;
        var bytes = 0L;
        var segments = SegmentRecovery.List(directory).ToList();
        var minimum = cursors.Count == 0 ? long.MaxValue : cursors.Values.Min();
        for (var i = 0; i < segments.Count; i++)
        {
            var (path, first) = segments[i];
            last = Math.Max(last, first - 1);
            try
            {
                using var scanner = new SegmentScanner(path, _ => damage++);
                var length = scanner.FileLength;
                bytes += length;
                var isLast = i == segments.Count - 1;
                while (scanner.TryNext(length, sealedEnd: !isLast, cursors.Count == 0 ? long.MaxValue : minimum, out _, decode: false))
                {
                    foreach (var (sink, acknowledged) in cursors)
                    {
                        if (scanner.LastSequence > acknowledged)
                        {
                            pending[sink]++;
                        }
                    }
                }

                last = Math.Max(last, scanner.LastSequence);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                if (File.Exists(path))
                {
                    damage++;
                }
            }
        }

        var infos = SegmentInfos(directory);
        var sinks = cursors.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c =>
        {
            var oldest = pending[c.Key] > 0 ? FirstReadingAfter(infos, c.Value)?.GatewayTimestamp : null;
            return new SinkBufferStatistics(
                c.Key,
                Configured: true,
                c.Value,
                pending[c.Key],
                oldest,
                oldest is { } t ? now - t : null,
                counters.Dropped.GetValueOrDefault(c.Key));
        }).ToList();
        return new BufferStatistics(directory, bytes, segments.Count, last, last, damage, sinks);
    }

    /// <summary>
    /// The readings still pending: for one sink (after its cursor), or for any sink (after the lowest cursor),
    /// in sequence order. Damaged records are skipped.
    /// </summary>
    public static IEnumerable<Reading> Dump(string directory, string? sink = null)
    {
        var cursors = ReadCursors(directory);
        long after;
        if (sink is not null)
        {
            after = cursors.TryGetValue(sink, out var acknowledged)
                ? acknowledged
                : throw new ArgumentException($"buffer {directory} has no cursor for sink '{sink}'. Cursors: {string.Join(", ", cursors.Keys)}.", nameof(sink));
        }
        else
        {
            after = cursors.Count == 0 ? 0 : cursors.Values.Min();
        }

        var segments = SegmentRecovery.List(directory).ToList();
        for (var i = 0; i < segments.Count; i++)
        {
            if (i + 1 < segments.Count && segments[i + 1].FirstSequence - 1 <= after)
            {
                continue;
            }

            SegmentScanner scanner;
            try
            {
                scanner = new SegmentScanner(segments[i].Path, null);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                continue;
            }

            using (scanner)
            {
                var length = scanner.FileLength;
                while (true)
                {
                    Reading? reading;
                    try
                    {
                        if (!scanner.TryNext(length, sealedEnd: i < segments.Count - 1, after, out reading))
                        {
                            break;
                        }
                    }
                    catch (IOException)
                    {
                        break;
                    }

                    yield return reading!;
                }
            }
        }
    }

    /// <summary>One reading as a JSON object (one line), as <c>gateway buffer dump</c> prints it.</summary>
    public static string ToJson(Reading reading) => JsonSerializer.Serialize(DumpedReading.From(reading), Json);

    /// <summary>Writes <see cref="Dump"/> as JSON lines.</summary>
    public static long WriteJsonLines(string directory, string? sink, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var count = 0L;
        foreach (var reading in Dump(directory, sink))
        {
            output.WriteLine(ToJson(reading));
            count++;
        }

        return count;
    }

    /// <summary>The acknowledged sequence of every cursor in the directory.</summary>
    public static IReadOnlyDictionary<string, long> ReadCursorPositions(string directory) => ReadCursors(directory);

    internal static Dictionary<string, long> ReadCursors(string directory)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        var cursorDirectory = Path.Combine(directory, "cursors");
        if (!Directory.Exists(cursorDirectory))
        {
            return result;
        }

        foreach (var path in Directory.EnumerateFiles(cursorDirectory, "*" + CursorFile.Extension))
        {
            if (CursorFile.TryReadAcknowledged(path) is { } acknowledged)
            {
                result[Path.GetFileNameWithoutExtension(path)] = acknowledged;
            }
        }

        return result;
    }

    internal static BufferCounters ReadCounters(string directory)
    {
        try
        {
            var path = Path.Combine(directory, StoreAndForwardBuffer.CountersFileName);
            return File.Exists(path)
                ? JsonSerializer.Deserialize<BufferCounters>(File.ReadAllText(path)) ?? new BufferCounters([])
                : new BufferCounters([]);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return new BufferCounters([]);
        }
    }

    private static SegmentInfo[] SegmentInfos(string directory) =>
        [.. SegmentRecovery.List(directory).Select(s => new SegmentInfo(s.Path, s.FirstSequence, default) { CommittedLength = long.MaxValue, Sealed = false })];

    /// <summary>The first readable reading after <paramref name="afterSequence"/>, or null (one look: a probe used once).</summary>
    internal static Reading? FirstReadingAfter(IReadOnlyList<SegmentInfo> segments, long afterSequence)
    {
        using var probe = new OldestPendingProbe();
        return probe.Find(segments, afterSequence);
    }
}

/// <summary>The JSON form of a buffered reading in <c>gateway buffer dump</c>.</summary>
public sealed record DumpedReading(
    long Sequence,
    string Source,
    string Machine,
    string Tag,
    string? Measurement,
    string ValueType,
    object? Value,
    string? Unit,
    Quality Quality,
    uint StatusCode,
    bool DataGap,
    DateTime Timestamp,
    DateTime SourceTimestamp,
    DateTime ServerTimestamp,
    DateTime GatewayTimestamp,
    IReadOnlyDictionary<string, string> Labels)
{
    public static DumpedReading From(Reading reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        var v = reading.Value;
        object? value = v.Kind switch
        {
            ValueKind.Double => double.IsFinite(v.AsDouble()) ? v.AsDouble() : v.ToString(),
            ValueKind.Int64 => v.AsInt64(),
            ValueKind.Boolean => v.AsBoolean(),
            ValueKind.String => v.AsString(),
            ValueKind.Json => JsonValueOf(v.AsJson()),
            ValueKind.DoubleArray => v.AsDoubleArray().Select(d => double.IsFinite(d) ? (object)d : d.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
            ValueKind.Int64Array => v.AsInt64Array(),
            ValueKind.BooleanArray => v.AsBooleanArray(),
            ValueKind.StringArray => v.AsStringArray(),
            _ => null,
        };
        return new DumpedReading(
            reading.Sequence, reading.Source, reading.Machine, reading.Tag, reading.Measurement,
            v.Kind.ToString(), value, reading.Unit, reading.Quality, reading.StatusCode, reading.DataGap,
            reading.Timestamp, reading.SourceTimestamp, reading.ServerTimestamp, reading.GatewayTimestamp,
            reading.Labels.Pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
    }

    // The document rents pooled buffers until it is disposed; the clone outlives it.
    private static JsonElement JsonValueOf(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
