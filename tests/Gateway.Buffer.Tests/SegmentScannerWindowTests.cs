using Gateway.Buffer.Storage;
using Gateway.Testing;

namespace Gateway.Buffer.Tests;

/// <summary>
/// The scanner's read window: small while a cursor keeps up with live data (the segment's unread tail is short), grown
/// at once to 1 MiB when more is waiting, as in a catch-up; either way every record comes back whole and in order,
/// including the ones that straddle a window's edge.
/// </summary>
public sealed class SegmentScannerWindowTests : IDisposable
{
    private readonly string _directory = RepositoryPaths.NewTempDirectory("buffer-window");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ATailingReaderKeepsTheSmallWindowAndACatchUpGrowsItWithoutLosingARecord()
    {
        const int count = 60_000;
        await using (var buffer = TestReadings.Open(TestReadings.Options(_directory), "mqtt"))
        {
            await buffer.AppendAsync(TestReadings.Range(0, count));
        }

        var segment = Directory.GetFiles(_directory, "*.seg").Single();
        var length = new FileInfo(segment).Length;
        Assert.True(length > 2L * SegmentScanner.MaxWindowSize, $"the segment must need several full windows; it has {length} bytes");

        using var scanner = new SegmentScanner(segment, onDamage: null);
        var values = new List<long>();
        var last = -1L;
        void ReadUpTo(long limit, bool sealedEnd)
        {
            while (scanner.TryNext(limit, sealedEnd, last, out var reading))
            {
                values.Add(TestReadings.ValueOf(reading!));
                last = scanner.LastSequence;
            }
        }

        // Live data: the writer is a few KiB ahead of the reader.
        ReadUpTo(SegmentFile.HeaderSize + (SegmentScanner.InitialWindowSize / 4), sealedEnd: false);
        Assert.NotEmpty(values);
        Assert.Equal(SegmentScanner.InitialWindowSize, scanner.WindowLength);

        // An outage's backlog: everything else is waiting.
        ReadUpTo(length, sealedEnd: true);
        Assert.Equal(SegmentScanner.MaxWindowSize, scanner.WindowLength);
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), values);
        Assert.Equal(length, scanner.EndOfLastRecord);
    }

    [Fact]
    public async Task TheOldestPendingProbeFindsEachReadingOfALongBacklogWithTheSmallWindow()
    {
        const int count = 60_000;
        await using (var buffer = TestReadings.Open(TestReadings.Options(_directory), "influx"))
        {
            await buffer.AppendAsync(TestReadings.Range(0, count));
        }

        var segments = SegmentRecovery.Recover(_directory, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).Segments;
        Assert.True(new FileInfo(segments.Single().Path).Length > 2L * SegmentScanner.MaxWindowSize, "the backlog must be longer than the large window");

        // A stalled sink: everything after the cursor is waiting, and the cursor moves a little at a time.
        using var probe = new OldestPendingProbe();
        foreach (var acknowledged in new long[] { 0, 1, 500, 20_000, 20_001, 59_999 })
        {
            var oldest = probe.Find(segments, acknowledged);
            Assert.NotNull(oldest);
            Assert.Equal(acknowledged, TestReadings.ValueOf(oldest)); // sequence s holds value s - 1
            Assert.Equal(SegmentScanner.InitialWindowSize, probe.WindowLength);
        }

        Assert.Null(probe.Find(segments, count));
    }
}
