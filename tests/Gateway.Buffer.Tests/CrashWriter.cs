using Gateway.Core;

using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Buffer.Tests;

/// <summary>
/// The child process of the crash tests: <c>dotnet Gateway.Buffer.Tests.dll crash-writer DIR START</c>.
/// Three writers append as fast as they can and print <c>C first last</c> once a batch is committed; a consumer
/// reads sink "a", prints <c>A v,v,...</c> for what it delivered and acknowledges it. The parent kills the
/// process with SIGKILL at a random moment and checks that every committed value comes back.
/// </summary>
public static class CrashWriter
{
    public const int Writers = 3;
    public const long WriterStride = 100_000_000;

    public static async Task<int> RunAsync(string directory, long start)
    {
        var options = TestReadings.Options(directory, segmentBytes: 64 * 1024);
        var buffer = StoreAndForwardBuffer.Open(options, ["a", "b"], NullLogger.Instance);
        var output = Console.Out;
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var value = start + (w * WriterStride);
            while (true)
            {
                var batch = new List<Reading>(50);
                for (var i = 0; i < 50; i++)
                {
                    batch.Add(TestReadings.Make(value + i, TagOf(value + i), $"writer{w}"));
                }

                await buffer.AppendAsync(batch);
                lock (output)
                {
                    output.WriteLine($"C {value} {value + 49}");
                }

                value += 50;
            }
        }));
        var consumer = Task.Run(async () =>
        {
            while (true)
            {
                var batch = await buffer.ReadBatchAsync("a", 500, CancellationToken.None);
                lock (output)
                {
                    output.WriteLine("A " + string.Join(',', batch.Select(r => r.Value.AsInt64())));
                }

                await buffer.AcknowledgeAsync("a", batch.AcknowledgeUpTo);
            }
        });
        await Task.WhenAll([.. writers, consumer]);
        return 0;
    }

    public static string TagOf(long value) => $"t{value % 7}";
}

public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 3 && args[0] == "crash-writer")
        {
            Console.Out.Flush();
            var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
            Console.SetOut(stdout);
            return CrashWriter.RunAsync(args[1], long.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture)).GetAwaiter().GetResult();
        }

        Console.Error.WriteLine("usage: dotnet Gateway.Buffer.Tests.dll crash-writer DIRECTORY START_VALUE");
        return 2;
    }
}
