using System.Runtime.InteropServices;
using Gateway.Core;

namespace Gateway.Core.Tests;

/// <summary>
/// Blocks freed below a live one stay resident in malloc's arena (glibc returns memory only from the top of a heap);
/// <see cref="GlibcMalloc.Trim"/> gives their pages back. Residency is read with mincore(2), page by page.
/// </summary>
public sealed class GlibcMallocTests
{
    private const int BlockBytes = 96 * 1024; // under glibc's mmap threshold: from an arena, as zlib's and the JIT's blocks
    private const int Blocks = 32;
    private static readonly int PageBytes = Environment.SystemPageSize;

    [Fact]
    public void Trim_releases_the_pages_of_blocks_freed_below_live_ones()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.False(GlibcMalloc.Available);
            Assert.False(GlibcMalloc.Trim());
            return;
        }

        Assert.True(GlibcMalloc.Available, "malloc_trim not found: this Linux has no glibc?");

        // Blocks to free, each followed by one that stays: freed, they cannot merge into the top of the heap (a small
        // block would not do: malloc serves it from a free list elsewhere).
        var freed = new IntPtr[Blocks];
        var pins = new IntPtr[Blocks];
        for (var i = 0; i < Blocks; i++)
        {
            freed[i] = Marshal.AllocHGlobal(BlockBytes);
            pins[i] = Marshal.AllocHGlobal(BlockBytes);
            Touch(freed[i], BlockBytes);
        }

        try
        {
            foreach (var block in freed)
            {
                Marshal.FreeHGlobal(block);
            }

            var before = ResidentPages(freed);
            var whole = Blocks * ((BlockBytes / PageBytes) - 1);
            Assert.True(before > whole / 2, $"the freed blocks should still be resident before the trim; {before} of {whole} pages are");

            Assert.True(GlibcMalloc.Trim());

            // Another thread of the test run may reuse a freed block meanwhile: most pages, not all, must be gone.
            var after = ResidentPages(freed);
            Assert.True(after < before / 4, $"{after} of {before} pages still resident after the trim");
        }
        finally
        {
            foreach (var pin in pins)
            {
                Marshal.FreeHGlobal(pin);
            }
        }
    }

    private static void Touch(IntPtr block, int bytes)
    {
        for (var offset = 0; offset < bytes; offset += PageBytes / 2)
        {
            Marshal.WriteByte(block, offset, 1);
        }
    }

    /// <summary>Resident pages wholly inside the freed blocks (their first and last page may hold malloc's headers).</summary>
    private static int ResidentPages(IntPtr[] blocks)
    {
        var resident = 0;
        var vector = new byte[(BlockBytes / PageBytes) + 1];
        foreach (var block in blocks)
        {
            var first = (block + PageBytes - 1) & ~(nint)(PageBytes - 1);
            var pages = (int)((block + BlockBytes - first) / PageBytes) - 1;
            Assert.Equal(0, Mincore(first, (nuint)(pages * PageBytes), vector));
            for (var i = 0; i < pages; i++)
            {
                resident += vector[i] & 1;
            }
        }

        return resident;
    }

    [DllImport("libc", EntryPoint = "mincore", SetLastError = true)]
    private static extern int Mincore(IntPtr address, nuint length, byte[] vector);
}
