using System.Collections.Concurrent;
using Gateway.Core;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>The pipeline's place in these tests: keeps every reading the connector wrote.</summary>
internal sealed class CollectingWriter : IReadingWriter
{
    public ConcurrentQueue<Reading> Readings { get; } = new();

    /// <summary>Tags seen so far, kept as readings arrive (counting them from <see cref="Readings"/> is slow at 100,000s).</summary>
    public int DistinctTags => _tags.Count;

    private readonly ConcurrentDictionary<string, bool> _tags = new(StringComparer.Ordinal);

    public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
    {
        foreach (var reading in readings)
        {
            Readings.Enqueue(reading);
            _tags.TryAdd(reading.Tag, true);
        }

        return ValueTask.CompletedTask;
    }

    public async Task WaitUntilAsync(Func<IReadOnlyCollection<Reading>, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(Readings))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not within {timeout}: {what} ({Readings.Count} readings so far)");
            }

            await Task.Delay(50);
        }
    }
}
