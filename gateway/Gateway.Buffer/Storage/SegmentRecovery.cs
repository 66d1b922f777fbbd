using Microsoft.Extensions.Logging;

namespace Gateway.Buffer.Storage;

/// <summary>
/// Opening after a crash: lists the segments, and reads the newest one to the end to find the last
/// committed sequence. A torn tail (a record cut off by a power cut or kill -9) is cut off, counted and logged.
/// Damage in the middle of a segment is left for readers, which skip it.
/// </summary>
internal static class SegmentRecovery
{
    public sealed record Result(SegmentInfo[] Segments, long LastSequence, IReadOnlyList<DamageReport> Damage);

    public static Result Recover(string directory, ILogger logger)
    {
        var damage = new List<DamageReport>();
        var segments = new List<SegmentInfo>();
        foreach (var (path, first) in List(directory))
        {
            try
            {
                using var handle = SegmentFile.OpenForReading(path);
                if (!SegmentFile.TryReadHeader(handle, out var headerFirst, out var created) || headerFirst != first)
                {
                    QuarantineBadHeader(path, logger, damage);
                    continue;
                }

                var info = new SegmentInfo(path, first, created)
                {
                    CommittedLength = RandomAccess.GetLength(handle),
                    Sealed = true,
                    LastWriteUtc = File.GetLastWriteTimeUtc(path),
                };
                segments.Add(info);
            }
            catch (IOException e)
            {
                logger.LogError(e, "buffer: segment {Path} cannot be opened and is skipped", path);
                damage.Add(new DamageReport(path, 0, e.Message));
            }
        }

        var last = 0L;
        if (segments.Count > 0)
        {
            var newest = segments[^1];
            last = newest.FirstSequence - 1;
            using (var scanner = new SegmentScanner(newest.Path, damage.Add))
            {
                var damageBefore = damage.Count;
                while (scanner.TryNext(newest.CommittedLength, sealedEnd: true, long.MaxValue, out _))
                {
                }

                last = Math.Max(last, scanner.LastSequence);
                if (scanner.EndOfLastRecord < newest.CommittedLength && damage.Count > damageBefore
                    && damage[^1].Offset >= scanner.EndOfLastRecord)
                {
                    logger.LogWarning(
                        "buffer: {Path}: {Bytes} bytes after the last whole record (a torn write from a crash or power cut) were cut off",
                        newest.Path, newest.CommittedLength - scanner.EndOfLastRecord);
                    using var writable = File.OpenHandle(newest.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
                    RandomAccess.SetLength(writable, scanner.EndOfLastRecord);
                    newest.CommittedLength = scanner.EndOfLastRecord;
                }
            }
        }

        foreach (var report in damage)
        {
            logger.LogWarning("buffer: damaged record skipped in {Path} at byte {Offset}: {Reason}", report.Path, report.Offset, report.Reason);
        }

        return new Result([.. segments], last, damage);
    }

    /// <summary>The segment files of a buffer directory, oldest first.</summary>
    public static IEnumerable<(string Path, long FirstSequence)> List(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*" + SegmentFile.Extension)
                .Select(path => (ok: SegmentFile.TryParseName(path, out var first), path, first))
                .Where(x => x.ok)
                .Select(x => (x.path, x.first))
                .OrderBy(x => x.first)
            : [];

    private static void QuarantineBadHeader(string path, ILogger logger, List<DamageReport> damage)
    {
        var target = path + ".damaged";
        logger.LogError("buffer: segment {Path} has no valid header; renamed to {Target} and skipped (its readings cannot be read)", path, target);
        damage.Add(new DamageReport(path, 0, "segment header missing or damaged"));
        try
        {
            File.Move(path, target, overwrite: true);
        }
        catch (IOException e)
        {
            logger.LogError(e, "buffer: could not rename {Path}", path);
        }
    }
}
