using System.Diagnostics;

using Gateway.Testing;

namespace Gateway.Buffer.Tests;

/// <summary>
/// A really full disk: the buffer lives on a 2 MiB tmpfs (the tests run as root; mount fails loudly otherwise)
/// while its size bound is far larger, so the writes hit ENOSPC.
/// </summary>
public sealed class DiskFullTests : IAsyncLifetime
{
    private readonly string _mountPoint = RepositoryPaths.NewTempDirectory("buffer-tmpfs");

    public async Task InitializeAsync() => await RunAsync("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", _mountPoint);

    public async Task DisposeAsync()
    {
        // The buffer is closed by then, so a busy mount is a leaked file handle: that fails the test.
        await RunAsync("umount", _mountPoint);
        Directory.Delete(_mountPoint);
    }

    private BufferOptions Options(BufferOverflowPolicy policy) =>
        TestReadings.Options(Path.Combine(_mountPoint, "buffer"), maxBytes: 512L * 1024 * 1024, segmentBytes: 128 * 1024) with { WhenFull = policy };

    [Fact]
    public async Task WithDropOldestAFullDiskDropsTheOldestAndKeepsTakingReadings()
    {
        await using var buffer = TestReadings.Open(Options(BufferOverflowPolicy.DropOldest), "influx");
        const int Total = 100_000; // ~5 MB of records on a 2 MiB disk
        for (var i = 0; i < Total; i += 1000)
        {
            await buffer.AppendAsync(TestReadings.Range(i, 1000));
        }

        var delivered = await TestReadings.DrainAsync(buffer, "influx");
        var dropped = buffer.GetStatistics().Sinks.Single().Dropped;

        Assert.Null(buffer.Fault);
        Assert.True(dropped > Total / 2, $"dropped {dropped}");
        Assert.Equal(Total, dropped + delivered.Count);
        Assert.Equal((long)Total - 1, TestReadings.ValueOf(delivered[^1])); // the newest are kept
        Assert.Equal(delivered.Select(r => r.Sequence).Order(), delivered.Select(r => r.Sequence));
    }

    [Fact]
    public async Task WithRefuseNewAFullDiskFailsTheAppendClearlyAndRecoversWhenSpaceIsFreed()
    {
        await using var buffer = TestReadings.Open(Options(BufferOverflowPolicy.RefuseNew), "influx");
        BufferFullException? refused = null;
        var committed = new List<long>();
        for (var i = 0; i < 100_000 && refused is null; i += 1000)
        {
            try
            {
                await buffer.AppendAsync(TestReadings.Range(i, 1000));
                committed.AddRange(Enumerable.Range(i, 1000).Select(v => (long)v));
            }
            catch (BufferFullException e)
            {
                refused = e;
            }
        }

        Assert.NotNull(refused);
        Assert.Contains("disk", refused.Message);
        Assert.Null(buffer.Fault); // a full disk is not a broken store
        Assert.False(buffer.Faulted.IsCompleted, "a full disk completed the fault the service stops on");

        var delivered = await TestReadings.DrainAsync(buffer, "influx", acknowledge: true);
        Assert.Equal(committed, delivered.Select(TestReadings.ValueOf)); // everything committed, nothing torn
        // Delivered segments are deleted in the background, freeing the disk: wait for it, however busy the machine.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Directory.GetFiles(Path.Combine(_mountPoint, "buffer"), "*.seg").Length > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await buffer.AppendAsync(TestReadings.Range(500_000, 1000));
        var after = await TestReadings.DrainAsync(buffer, "influx");
        Assert.Equal(Enumerable.Range(500_000, 1000).Select(v => (long)v), after.Select(TestReadings.ValueOf));
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}. The disk-full tests need root to mount a tmpfs.");
        }
    }
}
