using BenchmarkDotNet.Attributes;

using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Connectors.OpcUa;
using Gateway.Core;
using Gateway.Normalization;

using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Benchmarks;

/// <summary>
/// Readings/s through the normalization pipeline: a typical chain (scale, unit, absolute deadband, skew guard,
/// holdLastGood) and a tag without rules, against a pass-through baseline that does the one thing every reading
/// costs anyway (a new Reading with its timestamp set). Each operation is one reading of a 1,000-reading batch
/// over 100 tags. Run: `dotnet run -c Release --project tests/Gateway.Benchmarks -- --filter *Normalization*`.
/// </summary>
[MemoryDiagnoser]
public class NormalizationBenchmarks
{
    private const int BatchSize = 1000;
    private const int TagCount = 100;
    private const int Batches = 16;

    private readonly DiscardingWriter _sink = new();
    private Reading[][] _batches = [];
    private NormalizationPipeline _typical = null!;
    private NormalizationPipeline _noRules = null!;
    private PassThroughWriter _passThrough = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var typicalRules = new NormalizeConfig
        {
            Scale = 0.1,
            Offset = -20,
            Unit = "rpm",
            DeadbandAbsolute = 0.5,
            MaxClockSkewMs = 60_000,
            Bad = QualityPolicy.HoldLastGood,
        };
        _typical = new NormalizationPipeline(Tags(typicalRules), _sink, TimeProvider.System, NullLogger<NormalizationPipeline>.Instance);
        _noRules = new NormalizationPipeline(Tags(new NormalizeConfig()), _sink, TimeProvider.System, NullLogger<NormalizationPipeline>.Instance);
        _passThrough = new PassThroughWriter(_sink);

        // A noisy signal per tag: about half the readings move beyond the deadband, one in 200 is Bad.
        var random = new Random(7);
        var now = DateTime.UtcNow;
        _batches = new Reading[Batches][];
        for (var b = 0; b < Batches; b++)
        {
            _batches[b] = new Reading[BatchSize];
            for (var i = 0; i < BatchSize; i++)
            {
                var tag = i % TagCount;
                var bad = random.Next(200) == 0;
                _batches[b][i] = new Reading
                {
                    Source = "cnc1",
                    Machine = "M" + (tag / 10),
                    Tag = "t" + tag,
                    Value = bad ? ReadingValue.Null : ReadingValue.FromInt64(12_000 + random.Next(-8, 9)),
                    StatusCode = bad ? 0x80310000u : 0,
                    SourceTimestamp = now.AddMilliseconds((b * BatchSize) + i),
                    ServerTimestamp = now.AddMilliseconds((b * BatchSize) + i),
                    GatewayTimestamp = now.AddMilliseconds((b * BatchSize) + i),
                };
            }
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = BatchSize)]
    public ValueTask PassThrough() => _passThrough.WriteAsync(NextBatch(), CancellationToken.None);

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public ValueTask NoRules() => _noRules.WriteAsync(NextBatch(), CancellationToken.None);

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public ValueTask TypicalChain() => _typical.WriteAsync(NextBatch(), CancellationToken.None);

    private Reading[] NextBatch() => _batches[_next++ % Batches];

    private static List<ResolvedTag> Tags(NormalizeConfig rules) =>
        Enumerable.Range(0, TagCount)
            .Select(t => new ResolvedTag("cnc1", "M" + (t / 10), "g", "t" + t, new OpcUaTagAddress { NodeId = "ns=2;s=t" + t }, new OpcUaGroupOptions(), 1000, "cnc", rules, LabelSet.Empty, null))
            .ToList();

    /// <summary>The least a stage can do: a new reading with the chosen timestamp, in a new batch.</summary>
    private sealed class PassThroughWriter(IReadingWriter next) : IReadingWriter
    {
        public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
        {
            var output = new Reading[readings.Count];
            for (var i = 0; i < output.Length; i++)
            {
                output[i] = readings[i] with { Timestamp = readings[i].SourceTimestamp };
            }

            return next.WriteAsync(output, cancellationToken);
        }
    }

    private sealed class DiscardingWriter : IReadingWriter
    {
        public long Count;

        public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
        {
            Count += readings.Count;
            return ValueTask.CompletedTask;
        }
    }
}
