using System.IO.Compression;
using System.Text;

using BenchmarkDotNet.Attributes;

using Gateway.Core;

namespace Gateway.Benchmarks;

/// <summary>
/// What <see cref="GlibcMalloc.Trim"/> costs, against the gzip of one InfluxDB write (baseline: 5000 lines of line
/// protocol at <c>CompressionLevel.Fastest</c>, as the sink sends them). <c>GzipOneWriteThenTrim</c> does the same
/// write and then gives back what it freed, zlib's 342 KiB deflate state among it: the trim's cost is the difference,
/// its page faults on the next write included. The gateway trims every 30 s and writes up to ten times a second.
/// Run: <c>dotnet run -c Release --project tests/Gateway.Benchmarks -- --filter *GzipWrite*</c>.
/// </summary>
[Config(typeof(InProcessShortConfig))]
[MemoryDiagnoser]
public class GzipWriteBenchmarks
{
    private const int Lines = 5000;
    private byte[] _body = [];

    [GlobalSetup]
    public void Setup()
    {
        if (!GlibcMalloc.Available)
        {
            throw new InvalidOperationException("malloc_trim not found: this benchmark needs Linux with glibc");
        }

        var text = new StringBuilder();
        for (var i = 0; i < Lines; i++)
        {
            text.Append("load,site=changwon,source=simulator,machine=cnc-").Append(i % 10).Append(",tag=t").Append(i % 100)
                .Append(" value=").Append(i * 0.37).Append(' ').Append(1_765_000_000_000_000_000L + (i * 1_000_000L)).Append('\n');
        }

        _body = Encoding.UTF8.GetBytes(text.ToString());
    }

    [Benchmark(Baseline = true)]
    public long GzipOneWrite() => Gzip();

    [Benchmark]
    public long GzipOneWriteThenTrim()
    {
        var length = Gzip();
        GlibcMalloc.Trim();
        return length;
    }

    private long Gzip()
    {
        var buffer = new MemoryStream(_body.Length / 4);
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(_body);
        }

        return buffer.Length;
    }
}
