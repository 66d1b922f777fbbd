using Gateway.Buffer;
using Gateway.Core;
using Gateway.Host.Service;
using Gateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Host.Tests.Service;

/// <summary>The last line of a run, from a real buffer in a temp directory: it says "nothing lost" only when that is true.</summary>
public sealed class ShutdownSummaryTests : IDisposable
{
    private readonly string _dir = RepositoryPaths.NewTempDirectory("shutdown-summary");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Nothing_refused_or_dropped_says_every_reading_is_in_the_buffer()
    {
        await using var buffer = Open(BufferOverflowPolicy.DropOldest, maxBytes: 64L * 1024 * 1024);
        await buffer.AppendAsync(Readings(0, 100));

        Assert.Equal("Gateway stopped: every reading read is in the buffer", ShutdownSummary.Describe(buffer).Message);
    }

    [Fact]
    public async Task Refused_readings_are_counted_by_reason_and_never_called_stored()
    {
        await using var buffer = Open(BufferOverflowPolicy.RefuseNew, maxBytes: 64 * 1024);
        var refused = 0;
        for (var i = 0; i < 40; i++)
        {
            try
            {
                await buffer.AppendAsync(Readings(i * 100, 100));
            }
            catch (BufferFullException)
            {
                refused += 100;
            }
        }

        var (level, message) = ShutdownSummary.Describe(buffer);
        Assert.True(refused > 0);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, level);
        Assert.StartsWith($"Gateway stopped: {refused} reading(s) read could not be stored and are lost (buffer_full {refused})", message, StringComparison.Ordinal);
        Assert.DoesNotContain("is in the buffer", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readings_the_bounds_dropped_are_said_too()
    {
        await using var buffer = Open(BufferOverflowPolicy.DropOldest, maxBytes: 64 * 1024, segmentBytes: 16 * 1024);
        for (var i = 0; i < 40; i++)
        {
            await buffer.AppendAsync(Readings(i * 100, 100));
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (buffer.DroppedTotal == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50); // the bound is applied by the commit loop's maintenance
        }

        var message = ShutdownSummary.Describe(buffer).Message;
        Assert.Contains($"the buffer's bounds have dropped {buffer.DroppedTotal} undelivered reading(s)", message, StringComparison.Ordinal);
        Assert.DoesNotContain("is in the buffer", message, StringComparison.Ordinal);
    }

    private StoreAndForwardBuffer Open(BufferOverflowPolicy policy, long maxBytes, long? segmentBytes = null) => StoreAndForwardBuffer.Open(
        new BufferOptions { Directory = _dir, MaxSizeBytes = maxBytes, WhenFull = policy, SegmentSizeBytes = segmentBytes, CommitInterval = TimeSpan.FromMilliseconds(2) },
        ["mqtt"],
        NullLogger.Instance);

    private static List<Reading> Readings(long from, int count) => [.. Enumerable.Range(0, count).Select(i => new Reading
    {
        Source = "plc",
        Machine = "cnc-01",
        Tag = $"t{i % 10}",
        Measurement = "cnc",
        Value = ReadingValue.FromInt64(from + i),
        Quality = Quality.Good,
        SourceTimestamp = DateTime.UtcNow,
        ServerTimestamp = DateTime.UtcNow,
        GatewayTimestamp = DateTime.UtcNow,
        Timestamp = DateTime.UtcNow,
    })];
}
