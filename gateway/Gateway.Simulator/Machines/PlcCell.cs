using Gateway.OpcUa.Server.AddressSpace;

namespace Gateway.Simulator.Machines;

/// <summary>
/// A PLC-controlled cell: a stamping press or an injection moulding machine. Both run a cycle (counter, cycle time,
/// good / reject counters) and mostly run, with short stops and alarms; their process values follow the phase of the
/// cycle (the press ram force peaks at bottom dead centre, the moulding pressure at injection) and the temperatures
/// settle towards set points.
/// </summary>
public sealed class PlcCell : SimulatedMachine
{
    private readonly bool _press;
    private VariableNode _execution = null!, _counter = null!, _cycleTime = null!, _good = null!, _reject = null!;
    private VariableNode _force = null!, _hydraulicPressure = null!, _oilTemperature = null!;
    private VariableNode[] _zones = [];
    private VariableNode _mouldTemperature = null!, _injectionPressure = null!, _holdingPressure = null!;

    private int _state = 2;
    private double _stateLeft;
    private double _cycleLength;
    private double _cycleElapsed;
    private double _lastCycle;
    private int _cycles;
    private int _goodParts;
    private int _rejects;
    private double _oil = 25;
    private double[] _zoneTemps = [];
    private double _mould = 25;

    public PlcCell(string name, Random random, bool press)
        : base(name, press ? "press" : "mould", random)
    {
        _press = press;
    }

    private double NominalCycle => _press ? 6 : 30;

    private static readonly double[] ZoneSetPoints = [220, 230, 240];

    protected override void DefineTags()
    {
        _execution = Define("Status/Execution", StandardIds.String, null, "execution state: RUNNING, IDLE, ALARM, STOPPED");
        _counter = Define("Cycle/Counter", StandardIds.Int32, null, "cycles completed");
        _cycleTime = Define("Cycle/Time", StandardIds.Double, "s", "duration of the last cycle");
        _good = Define("Parts/Good", StandardIds.Int32, null, "good parts");
        _reject = Define("Parts/Reject", StandardIds.Int32, null, "rejected parts");
        if (_press)
        {
            _force = Define("Ram/Force", StandardIds.Double, "kN", "ram force", (0, 2500));
            _hydraulicPressure = Define("Hydraulic/Pressure", StandardIds.Double, "bar", "main hydraulic pressure", (0, 350));
            _oilTemperature = Define("Hydraulic/OilTemperature", StandardIds.Double, "°C", "hydraulic oil temperature", (0, 100));
        }
        else
        {
            _zones = [.. Enumerable.Range(1, 3).Select(i => Define($"Barrel/Zone{i}/Temperature", StandardIds.Double, "°C", $"barrel zone {i} temperature", (0, 400)))];
            _zoneTemps = [25, 25, 25];
            _mouldTemperature = Define("Mould/Temperature", StandardIds.Double, "°C", "mould temperature", (0, 200));
            _injectionPressure = Define("Injection/Pressure", StandardIds.Double, "bar", "injection pressure", (0, 2000));
            _holdingPressure = Define("Holding/Pressure", StandardIds.Double, "bar", "holding pressure set point in effect", (0, 1500));
        }

        _cycleLength = NominalCycle * Between(0.95, 1.05);
        _stateLeft = _cycleLength;
    }

    protected override void StepModel(double seconds)
    {
        _stateLeft -= seconds;
        if (_state == 2)
        {
            _cycleElapsed += seconds;
        }

        while (_stateLeft <= 0)
        {
            NextState();
        }

        var running = _state == 2;
        var phase = running ? _cycleElapsed / _cycleLength : 0;
        Set(_execution, ExecutionStates[_state]);
        Set(_counter, _cycles);
        Set(_cycleTime, _lastCycle);
        Set(_good, _goodParts);
        Set(_reject, _rejects);
        if (_press)
        {
            // The ram reaches bottom dead centre mid-stroke; the force is a half sine around it.
            var stroke = running ? Math.Max(0, Math.Sin(Math.PI * ((phase * 2) - 0.5))) : 0;
            _oil = Approach(_oil, running ? 48 : 30, seconds, 600);
            Set(_force, Math.Round(Math.Max(0, (1800 * stroke) + (running ? Noise(5) : 0)), 1));
            Set(_hydraulicPressure, Math.Round((running ? 180 + (120 * stroke) : 20) + Noise(0.5), 2));
            Set(_oilTemperature, Math.Round(_oil + Noise(0.05), 2));
            return;
        }

        for (var i = 0; i < _zones.Length; i++)
        {
            _zoneTemps[i] = Approach(_zoneTemps[i], _state == 0 ? 60 : ZoneSetPoints[i], seconds, 120);
            Set(_zones[i], Math.Round(_zoneTemps[i] + Noise(0.2), 2));
        }

        _mould = Approach(_mould, _state == 0 ? 30 : 60, seconds, 300);
        Set(_mouldTemperature, Math.Round(_mould + Noise(0.1), 2));
        // Injection fills in the first tenth of the cycle, then holding pressure until a third, then cooling.
        var injection = running && phase < 0.1 ? 1200 * Math.Sin(Math.PI * phase / 0.1) : 0;
        var holding = running && phase is >= 0.1 and < 0.33 ? 600.0 : 0;
        Set(_injectionPressure, Math.Round(Math.Max(0, injection + holding + (running ? Noise(3) : 0)), 1));
        Set(_holdingPressure, holding);
    }

    private void NextState()
    {
        if (_state == 2)
        {
            _cycles++;
            _lastCycle = Math.Round(_cycleElapsed, 2);
            _cycleElapsed = 0;
            if (Random.NextDouble() < 0.03)
            {
                _rejects++;
            }
            else
            {
                _goodParts++;
            }

            var roll = Random.NextDouble();
            if (roll < 0.01)
            {
                Enter(3, Between(15, 90));
            }
            else if (roll < 0.03)
            {
                Enter(1, Between(10, 40));
            }
            else if (roll < 0.035)
            {
                Enter(0, Between(60, 180));
            }
            else
            {
                _cycleLength = NominalCycle * Between(0.95, 1.05);
                Enter(2, _cycleLength);
            }

            return;
        }

        _cycleLength = NominalCycle * Between(0.95, 1.05);
        Enter(2, _cycleLength);
    }

    private void Enter(int state, double duration)
    {
        _state = state;
        _stateLeft = duration;
    }
}
