using BenchmarkDotNet.Attributes;

using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Connectors.OpcUa;
using Gateway.Core;
using Gateway.MachineState;
using Gateway.Normalization;

using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Benchmarks;

/// <summary>
/// What machine state and OEE (docs/oee.md) add per reading: the normalization pipeline alone against the same
/// pipeline followed by the <see cref="MachineStateEngine"/> (state rules, counters, shift accounting, its records),
/// in the same run, so the ratio column is the cost of the calculation. 100 CNC-like machines of 10 tags each
/// (execution, spindle, alarm, part counter, program and five process values), batches of 1,000 readings, time moving
/// forward by 10 ms a reading, about one state change per 50 readings of a machine. Run:
/// `dotnet run -c Release --project tests/Gateway.Benchmarks -- --filter *MachineState*`.
/// </summary>
[MemoryDiagnoser]
public class MachineStateBenchmarks
{
    private const int BatchSize = 1000;
    private const int Machines = 100;
    private const int TagsPerMachine = 10;
    private const int Batches = 64;

    private static readonly string[] TagNames = ["execution", "spindle_speed", "alarm_number", "part_count", "program", "x", "y", "z", "feed", "load"];
    private static readonly string[] Executions = ["RUNNING", "RUNNING", "RUNNING", "IDLE", "ALARM", "STOPPED"];

    private readonly DiscardingWriter _sink = new();
    private Reading[][] _batches = [];
    private NormalizationPipeline _normalizationOnly = null!;
    private NormalizationPipeline _withMachineState = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var tags = Enumerable.Range(0, Machines)
            .SelectMany(m => TagNames.Select(t => new ResolvedTag("shop", Machine(m), "g", t, new OpcUaTagAddress { NodeId = $"ns=2;s={m}/{t}" }, new OpcUaGroupOptions(), 1000, "cnc", new NormalizeConfig(), LabelSet.Empty, null)))
            .ToList();
        _normalizationOnly = new NormalizationPipeline(tags, _sink, TimeProvider.System, NullLogger<NormalizationPipeline>.Instance);

        var options = new OeeOptions
        {
            TimeZone = "Asia/Seoul",
            Calendar = new ShiftCalendarOptions
            {
                Shifts =
                [
                    new ShiftOptions { Name = "day", Start = "06:00", End = "18:00", Breaks = [new TimeWindowOptions { Start = "12:00", End = "13:00" }] },
                    new ShiftOptions { Name = "night", Start = "18:00", End = "06:00" },
                ],
            },
            Templates = new()
            {
                ["cnc"] = new StateModelOptions
                {
                    ExecutionTag = "execution",
                    ExecutionStates = new() { ["RUNNING"] = MachineStateKind.Running, ["IDLE"] = MachineStateKind.Idle, ["ALARM"] = MachineStateKind.Alarm, ["STOPPED"] = MachineStateKind.PlannedStop },
                    SpindleTag = "spindle_speed",
                    AlarmTag = "alarm_number",
                    PartCountTag = "part_count",
                    CounterMax = 65535,
                    ProgramTag = "program",
                    IdealCycleSeconds = 40,
                },
            },
        };
        var engine = new MachineStateEngine(
            options,
            Enumerable.Range(0, Machines).Select(m => new TrackedMachine("shop", Machine(m), "cnc", LabelSet.Empty)),
            _sink,
            stateFile: null,
            TimeProvider.System,
            NullLogger<MachineStateEngine>.Instance);
        _withMachineState = new NormalizationPipeline(tags, engine, TimeProvider.System, NullLogger<NormalizationPipeline>.Instance);

        var random = new Random(11);
        var start = DateTime.UtcNow;
        var parts = new long[Machines];
        var execution = new int[Machines];
        _batches = new Reading[Batches][];
        for (var b = 0; b < Batches; b++)
        {
            _batches[b] = new Reading[BatchSize];
            for (var i = 0; i < BatchSize; i++)
            {
                var n = (b * BatchSize) + i;
                var machine = n / TagsPerMachine % Machines;
                var tag = n % TagsPerMachine;
                var at = start.AddMilliseconds(n * 10);
                ReadingValue value;
                switch (tag)
                {
                    case 0:
                        if (random.Next(5) == 0)
                        {
                            execution[machine] = random.Next(Executions.Length);
                        }

                        value = ReadingValue.FromString(Executions[execution[machine]]);
                        break;
                    case 2:
                        value = ReadingValue.FromInt64(Executions[execution[machine]] == "ALARM" ? 1003 : 0);
                        break;
                    case 3:
                        parts[machine] += Executions[execution[machine]] == "RUNNING" ? random.Next(2) : 0;
                        value = ReadingValue.FromInt64(parts[machine] % 65536);
                        break;
                    case 4:
                        value = ReadingValue.FromInt64(1001 + (machine % 3));
                        break;
                    default:
                        value = ReadingValue.FromDouble(random.NextDouble() * 1000);
                        break;
                }

                _batches[b][i] = new Reading
                {
                    Source = "shop",
                    Machine = Machine(machine),
                    Tag = TagNames[tag],
                    Value = value,
                    SourceTimestamp = at,
                    ServerTimestamp = at,
                    GatewayTimestamp = at,
                };
            }
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = BatchSize)]
    public ValueTask NormalizationOnly() => _normalizationOnly.WriteAsync(NextBatch(), CancellationToken.None);

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public ValueTask NormalizationAndMachineState() => _withMachineState.WriteAsync(NextBatch(), CancellationToken.None);

    private Reading[] NextBatch() => _batches[_next++ % Batches];

    private static string Machine(int index) => "cnc-" + index.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);

    private sealed class DiscardingWriter : IReadingWriter
    {
        public long Count;

        public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref Count, readings.Count);
            return ValueTask.CompletedTask;
        }
    }
}
