using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Types;

namespace Gateway.Simulator.Machines;

/// <summary>
/// A machine of the simulated shop: a folder under Objects with its tags, and a model that moves their values one
/// tick at a time. Values come from the model's state (ramps, cycles, a state machine) with a little noise on top;
/// all randomness comes from the machine's own seeded generator, so a seed replays the same values.
/// </summary>
public abstract class SimulatedMachine
{
    private readonly List<SimulatedTag> _tags = [];
    private readonly List<(VariableNode Node, double Phase, double Period, double Amplitude, double Offset, int Kind)> _generated = [];
    private UaAddressSpace? _space;
    private ushort _ns;
    private DateTime _now;

    protected SimulatedMachine(string name, string kind, Random random)
    {
        Name = name;
        Kind = kind;
        Random = random;
    }

    public string Name { get; }

    public string Kind { get; }

    public IReadOnlyList<SimulatedTag> Tags => _tags;

    /// <summary>Execution state names shared by every machine kind.</summary>
    public static readonly string[] ExecutionStates = ["STOPPED", "IDLE", "RUNNING", "ALARM"];

    protected Random Random { get; }

    /// <summary>The machine's position in the shop (from 0), an input of <see cref="TickValues.Of"/>.</summary>
    internal int Index { get; set; }

    /// <summary>Generated tags follow <see cref="TickValues"/> instead of waves.</summary>
    internal bool UsesTickValues { get; set; }

    /// <summary>The address space and namespace the machine lives in (set by Build, before DefineTags).</summary>
    protected UaAddressSpace Space => _space!;

    protected ushort Namespace => _ns;

    /// <summary>The time of the tick being stepped.</summary>
    protected DateTime Now => _now;

    /// <summary>Seconds of simulated time since the start.</summary>
    protected double Time { get; private set; }

    /// <summary>Creates the machine's folder and model tags, then generated tags up to <paramref name="tagsPerMachine"/>.</summary>
    internal void Build(UaAddressSpace space, ushort ns, int tagsPerMachine)
    {
        _space = space;
        _ns = ns;
        space.AddFolder(space.Find(new NodeId(0, 85u))!.NodeId, new NodeId(ns, Name), new QualifiedName(ns, Name));
        DefineTags();
        var extra = tagsPerMachine - _tags.Count;
        for (var i = 1; i <= extra; i++)
        {
            var (type, unit, kind) = (i % 10) switch
            {
                8 => (StandardIds.Int32, (string?)null, 1),
                9 => (StandardIds.Boolean, null, 2),
                var k => (StandardIds.Double, GeneratedUnits[k % GeneratedUnits.Length], 0),
            };
            var node = Define($"Generated/Tag{i:D5}", type, unit, kind switch
            {
                1 => "generated counter",
                2 => "generated on/off signal",
                _ => "generated analog signal (slow wave plus noise)",
            });
            _generated.Add((node, Random.NextDouble() * Math.Tau, 20 + (Random.NextDouble() * 280), 1 + (Random.NextDouble() * 99), Random.NextDouble() * 500, kind));
        }
    }

    private static readonly string[] GeneratedUnits = ["°C", "bar", "mm", "%", "rpm", "kW", "l/min", "A"];

    /// <summary>Declares the model's tags with <see cref="Define"/>.</summary>
    protected abstract void DefineTags();

    /// <summary>Advances the model by <paramref name="seconds"/> and writes every value.</summary>
    protected abstract void StepModel(double seconds);

    internal void Step(double seconds, DateTime now, long tick)
    {
        Time += seconds;
        _now = now;
        StepModel(seconds);
        if (UsesTickValues)
        {
            SetTickValues(tick);
            return;
        }

        foreach (var g in _generated)
        {
            switch (g.Kind)
            {
                case 1:
                    var count = (int)(Time / (g.Period / 10));
                    Set(g.Node, count);
                    break;
                case 2:
                    Set(g.Node, Math.Sin((Math.Tau * Time / g.Period) + g.Phase) > 0);
                    break;
                default:
                    Set(g.Node, Math.Round(g.Offset + (g.Amplitude * Math.Sin((Math.Tau * Time / g.Period) + g.Phase)) + Noise(g.Amplitude * 0.01), 3));
                    break;
            }
        }
    }

    private void SetTickValues(long tick)
    {
        for (var i = 0; i < _generated.Count; i++)
        {
            switch (TickValues.Of(Index, i + 1, tick))
            {
                case int count:
                    Set(_generated[i].Node, count);
                    break;
                case bool on:
                    Set(_generated[i].Node, on);
                    break;
                case double value:
                    Set(_generated[i].Node, value);
                    break;
            }
        }
    }

    /// <summary>Adds a variable at <c>&lt;machine&gt;/&lt;path&gt;</c>, creating the folders on the way.</summary>
    protected VariableNode Define(string path, NodeId dataType, string? unit, string description, (double Low, double High)? range = null)
    {
        var space = _space!;
        var parent = new NodeId(_ns, Name);
        var segments = path.Split('/');
        var prefix = Name;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            prefix += "/" + segments[i];
            var folder = new NodeId(_ns, prefix);
            if (space.Find(folder) is null)
            {
                space.AddFolder(parent, folder, new QualifiedName(_ns, segments[i]));
            }

            parent = folder;
        }

        var full = $"{Name}/{path}";
        var node = new VariableNode(new NodeId(_ns, full), new QualifiedName(_ns, segments[^1]), new LocalizedText(segments[^1]), dataType)
        {
            Description = new LocalizedText(description),
            Unit = unit,
            EuRange = range,
            MinimumSamplingInterval = 0,
        };
        space.AddVariable(parent, node);
        var typeName = ((BuiltInType)dataType.NumericIdentifier).ToString();
        _tags.Add(new SimulatedTag($"ns={_ns};s={full}", full, Name, Kind, typeName, unit, description));
        return node;
    }

    protected void Set(VariableNode node, double value) => node.SetValue(Variant.From(value), _now);

    protected void Set(VariableNode node, int value) => node.SetValue(Variant.From(value), _now);

    protected void Set(VariableNode node, bool value) => node.SetValue(Variant.From(value), _now);

    protected void Set(VariableNode node, string value) => node.SetValue(Variant.From(value), _now);

    /// <summary>Gaussian noise (Box-Muller) with the given standard deviation.</summary>
    protected double Noise(double sigma)
    {
        var u1 = 1.0 - Random.NextDouble();
        var u2 = Random.NextDouble();
        return sigma * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Sin(Math.Tau * u2);
    }

    /// <summary>First-order lag: moves <paramref name="current"/> towards <paramref name="target"/> with time constant <paramref name="tau"/> s.</summary>
    protected static double Approach(double current, double target, double seconds, double tau) =>
        target + ((current - target) * Math.Exp(-seconds / tau));

    /// <summary>A duration in seconds drawn uniformly between the bounds.</summary>
    protected double Between(double low, double high) => low + (Random.NextDouble() * (high - low));
}
