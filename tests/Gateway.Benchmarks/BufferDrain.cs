using Gateway.Buffer;
using Gateway.Core;

using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Benchmarks;

/// <summary>The product's delivery path for the sink benchmarks: readings committed to a durable buffer, drained by a delivery loop.</summary>
internal static class BufferDrain
{
    /// <summary>Closes the previous buffer and opens a fresh one in <paramref name="directory"/> holding <paramref name="readings"/>.</summary>
    public static StoreAndForwardBuffer Refill(StoreAndForwardBuffer? previous, string directory, IEnumerable<string> sinks, List<Reading> readings, int appendSize = 1000)
    {
        previous?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        var buffer = StoreAndForwardBuffer.Open(new BufferOptions { Directory = directory }, sinks, NullLogger.Instance);
        for (var i = 0; i < readings.Count; i += appendSize)
        {
            buffer.AppendAsync(readings.GetRange(i, Math.Min(appendSize, readings.Count - i))).AsTask().GetAwaiter().GetResult();
        }

        return buffer;
    }

    /// <summary>Runs the sink's delivery loop until it delivered <paramref name="count"/> readings (its cursor moved past them).</summary>
    public static async Task RunAsync(StoreAndForwardBuffer buffer, ISink sink, int batchSize, int count)
    {
        var loop = new SinkDeliveryLoop(buffer, sink, new DeliveryRetryOptions(), batchSize, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = loop.RunAsync(stop.Token);
        while (loop.Status.Delivered < count)
        {
            await Task.Delay(1);
        }

        await stop.CancelAsync();
        await run;
    }
}
