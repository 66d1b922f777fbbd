using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

using Gateway.Core;
using Gateway.Sinks.InfluxDb;

using InfluxDB.Client.Writes;

namespace Gateway.Benchmarks;

/// <summary>
/// Reading → one line of InfluxDB line protocol, the InfluxDB sink's per-reading cost before the HTTP write (no server):
/// <c>PointData</c> (baseline) is the mapping as it was, through InfluxDB.Client's PointData builder; <c>Writer</c> is
/// <see cref="PointMapping.Map"/> with our <see cref="LineProtocolWriter"/>. Same readings (a typical shop mix: two
/// labels, machine and gateway tags, mostly doubles, some integers, booleans and strings), one operation = one reading,
/// so the Ratio and Allocated columns compare the two in the same run.
/// Run: <c>dotnet run -c Release --project tests/Gateway.Benchmarks -- --filter *LineProtocol*</c>.
/// </summary>
[Config(typeof(InProcessShortConfig))]
[MemoryDiagnoser]
public class LineProtocolBenchmarks
{
    private const int Readings = 1000;

    private readonly InfluxDbSinkOptions _options = new() { Url = "http://127.0.0.1:1", Bucket = "b" };
    private Reading[] _readings = [];
    private PointMapping _mapping = null!;

    [GlobalSetup]
    public void Setup()
    {
        _mapping = new PointMapping(_options, "gw-bench");
        var labels = LabelSet.From([new("site", "changwon"), new("line", "L2")]);
        var start = new DateTime(2026, 12, 6, 8, 0, 0, DateTimeKind.Utc);
        _readings = new Reading[Readings];
        for (var i = 0; i < Readings; i++)
        {
            var time = start.AddMilliseconds(i * 10);
            _readings[i] = new Reading
            {
                Source = "plc1",
                Machine = "cnc" + (i % 20),
                Tag = "tag" + (i / 20 % 10),
                Measurement = "cnc",
                Value = (i % 10) switch
                {
                    7 => ReadingValue.FromInt64(i),
                    8 => ReadingValue.FromBoolean(i % 3 == 0),
                    9 => ReadingValue.FromString("O" + i),
                    _ => ReadingValue.FromDouble(i * 0.37),
                },
                Timestamp = time,
                GatewayTimestamp = time,
                Labels = labels,
            };
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Readings)]
    public int PointData()
    {
        var length = 0;
        foreach (var reading in _readings)
        {
            length += MapWithPointData(reading).Text.Length;
        }

        return length;
    }

    [Benchmark(OperationsPerInvoke = Readings)]
    public int Writer()
    {
        var length = 0;
        foreach (var reading in _readings)
        {
            length += _mapping.Map(reading, out _)!.Text.Length;
        }

        return length;
    }

    // The mapping before LineProtocolWriter, for the default options (labels, source tag off, machine, gateway; good quality).
    private InfluxLine MapWithPointData(Reading reading)
    {
        var builder = InfluxDB.Client.Writes.PointData.Builder.Measurement(reading.Measurement!);
        foreach (var label in reading.Labels.Pairs)
        {
            builder.Tag(label.Key, label.Value);
        }

        builder.Tag(_options.MachineTag, reading.Machine);
        builder.Tag(_options.GatewayTag, "gw-bench");
        var type = InfluxFieldType.Float;
        switch (reading.Value.Kind)
        {
            case ValueKind.Int64:
                builder.Field(reading.Tag, reading.Value.AsInt64());
                type = InfluxFieldType.Integer;
                break;
            case ValueKind.Boolean:
                builder.Field(reading.Tag, reading.Value.AsBoolean());
                type = InfluxFieldType.Boolean;
                break;
            case ValueKind.String:
                builder.Field(reading.Tag, reading.Value.AsString());
                type = InfluxFieldType.String;
                break;
            default:
                builder.Field(reading.Tag, reading.Value.AsDouble());
                break;
        }

        builder = builder.Timestamp(_mapping.Timestamp(reading), _mapping.Precision);
        return new InfluxLine(reading, builder.ToPointData().ToLineProtocol(), reading.Measurement!, reading.Tag, -1, type);
    }
}

/// <summary>In-process (no generated project to build on a loaded machine), few and short iterations.</summary>
public sealed class InProcessShortConfig : ManualConfig
{
    public InProcessShortConfig() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
}
