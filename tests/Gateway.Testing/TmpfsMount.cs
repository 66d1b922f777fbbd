using System.Diagnostics;

namespace Gateway.Testing;

/// <summary>
/// A real small disk: a tmpfs of a given size mounted on a fresh directory (needs root, as the tests and CI run; a
/// failed mount fails the test with the reason). <see cref="Fill"/> takes the free space the way another program
/// filling the disk would; <see cref="DisposeAsync"/> unmounts, and fails when a file on it is still open.
/// </summary>
public sealed class TmpfsMount : IAsyncDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    public static async Task<TmpfsMount> MountAsync(string prefix, string size)
    {
        var path = RepositoryPaths.NewTempDirectory(prefix);
        try
        {
            await RunAsync("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", path);
        }
        catch
        {
            Directory.Delete(path);
            throw;
        }

        return new TmpfsMount(path);
    }

    /// <summary>Bytes free on the mount.</summary>
    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    /// <summary>Writes a file named <paramref name="name"/> until the disk is full (ENOSPC); returns its path.</summary>
    public string Fill(string name = "filler")
    {
        var path = System.IO.Path.Combine(Path, name);
        var block = new byte[64 * 1024];
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1);
        var size = block.Length;
        while (size > 0)
        {
            try
            {
                file.Write(block, 0, size);
            }
            catch (IOException)
            {
                // Full at this block size: try smaller blocks down to one byte, so that no page is left.
                size /= 2;
            }
        }

        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync("umount", Path);
        Directory.Delete(Path);
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true, UseShellExecute = false })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Trim()}. The small-disk tests need root to mount a tmpfs (they run as root here and in CI).");
        }
    }
}
