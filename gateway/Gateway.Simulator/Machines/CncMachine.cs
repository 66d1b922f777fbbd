using Gateway.OpcUa.Server.AddressSpace;

namespace Gateway.Simulator.Machines;

/// <summary>
/// A CNC machining centre modelled on what FANUC (FOCAS) and Siemens SINUMERIK controls expose: run mode and
/// execution state, spindle, feed, program, part count, cycle time, axis positions and the active alarm. The execution
/// state is a state machine: RUNNING machines a part per cycle, and between parts the machine may wait for the
/// operator (IDLE), raise an ALARM that clears after a while, or be STOPPED for a break.
/// </summary>
public sealed class CncMachine : SimulatedMachine
{
    private static readonly (int Number, string Text)[] Alarms =
    [
        (1001, "SV0401 SERVO V-READY OFF"),
        (1002, "OT0500 +X OVERTRAVEL (SOFT 1)"),
        (1003, "SP1241 SPINDLE OVERHEAT"),
        (1004, "PS0010 IMPROPER G-CODE"),
        (1005, "EX1020 COOLANT LEVEL LOW"),
        (1006, "EX1021 TOOL LIFE EXPIRED T12"),
    ];

    private static readonly int[] Programs = [1001, 1002, 2050, 3100, 4711];

    private readonly bool _fanuc;
    private VariableNode _controller = null!, _mode = null!, _execution = null!, _executionCode = null!;
    private VariableNode _speed = null!, _load = null!, _spindleOverride = null!, _feed = null!, _feedOverride = null!;
    private VariableNode _program = null!, _partCount = null!, _cycleTime = null!, _lastCycleTime = null!;
    private VariableNode _x = null!, _y = null!, _z = null!, _alarmActive = null!, _alarmNumber = null!, _alarmText = null!;

    private int _state = 2;
    private double _stateLeft;
    private double _cycleLength;
    private double _cycleElapsed;
    private int _parts;
    private int _programIndex;
    private int _alarm = -1;
    private double _spindle;
    private double _feedRate;
    private double _spindleLoad;
    private int _spindleOvr = 100;
    private int _feedOvr = 100;
    private double _xPos, _yPos, _zPos = 100;
    private double _lastCycle;
    private CncAlarmCondition _condition = null!;
    private int _forced;

    public CncMachine(string name, Random random, bool fanuc)
        : base(name, "cnc", random)
    {
        _fanuc = fanuc;
    }

    protected override void DefineTags()
    {
        _controller = Define("Identity/Controller", StandardIds.String, null, "control model");
        _mode = Define("Status/Mode", StandardIds.String, null, _fanuc ? "run mode (MEM, MDI, JOG, EDIT)" : "operating mode (AUTO, MDA, JOG)");
        _execution = Define("Status/Execution", StandardIds.String, null, "execution state: RUNNING, IDLE, ALARM, STOPPED");
        _executionCode = Define("Status/ExecutionCode", StandardIds.Int32, null, "execution state as a number: 0 STOPPED, 1 IDLE, 2 RUNNING, 3 ALARM");
        _speed = Define("Spindle/Speed", StandardIds.Double, "rpm", "actual spindle speed", (0, 12000));
        _load = Define("Spindle/Load", StandardIds.Double, "%", "spindle load", (0, 150));
        _spindleOverride = Define("Spindle/Override", StandardIds.Int32, "%", "spindle speed override");
        _feed = Define("Feed/Rate", StandardIds.Double, "mm/min", "actual feed rate", (0, 10000));
        _feedOverride = Define("Feed/Override", StandardIds.Int32, "%", "feed rate override");
        _program = Define("Program/Number", StandardIds.Int32, null, "active program number (O-number)");
        _partCount = Define("Program/PartCount", StandardIds.Int32, null, "parts completed");
        _cycleTime = Define("Program/CycleTime", StandardIds.Double, "s", "time into the current cycle");
        _lastCycleTime = Define("Program/LastCycleTime", StandardIds.Double, "s", "duration of the last completed cycle");
        _x = Define("Axes/X/Position", StandardIds.Double, "mm", "X axis machine position", (-400, 400));
        _y = Define("Axes/Y/Position", StandardIds.Double, "mm", "Y axis machine position", (-250, 250));
        _z = Define("Axes/Z/Position", StandardIds.Double, "mm", "Z axis machine position", (-300, 150));
        _alarmActive = Define("Alarm/Active", StandardIds.Boolean, null, "an alarm is active");
        _alarmNumber = Define("Alarm/Number", StandardIds.Int32, null, "active alarm number (0 = none)");
        _alarmText = Define("Alarm/Text", StandardIds.String, null, "active alarm message");
        _condition = new CncAlarmCondition(Space, Namespace, Name);
        _programIndex = Random.Next(Programs.Length);
        _cycleLength = Between(30, 90);
        _stateLeft = _cycleLength;
    }

    /// <summary>
    /// Drives the machine into ALARM with alarm <paramref name="index"/> (0-5) on the next tick, and keeps it there until
    /// <see cref="ClearAlarm"/>: for tests and demos that need an alarm when they ask for it.
    /// </summary>
    public void RaiseAlarm(int index) => Volatile.Write(ref _forced, Math.Clamp(index, 0, Alarms.Length - 1) + 1);

    /// <summary>Ends the ALARM state on the next tick (the machine starts its next cycle).</summary>
    public void ClearAlarm() => Volatile.Write(ref _forced, -1);

    protected override void StepModel(double seconds)
    {
        var forced = Interlocked.Exchange(ref _forced, 0);
        if (forced > 0)
        {
            Enter(3, double.MaxValue);
            _alarm = forced - 1;
        }
        else if (forced < 0 && _state == 3)
        {
            _stateLeft = 0;
        }

        _stateLeft -= seconds;
        if (_state == 2)
        {
            _cycleElapsed += seconds;
        }

        if (_stateLeft <= 0)
        {
            NextState();
        }

        var running = _state == 2;
        var targetSpeed = running ? (6000 + (_programIndex * 1200)) * _spindleOvr / 100.0 : 0;
        var targetFeed = running ? (1500 + (_programIndex * 300)) * _feedOvr / 100.0 : 0;
        _spindle = Math.Max(0, Approach(_spindle, targetSpeed, seconds, 2.0));
        _feedRate = Math.Max(0, Approach(_feedRate, targetFeed, seconds, 1.0));
        var cutting = running ? 0.5 + (0.5 * Math.Abs(Math.Sin(Math.Tau * _cycleElapsed / 12))) : 0;
        _spindleLoad = Math.Max(0, Approach(_spindleLoad, (running ? 8 : 0) + (cutting * 55), seconds, 1.5));
        if (running)
        {
            // A contour: X and Y trace a Lissajous path per cycle, Z steps down with each pass.
            var phase = _cycleElapsed / _cycleLength;
            _xPos = 250 * Math.Sin(Math.Tau * phase);
            _yPos = 150 * Math.Sin(2 * Math.Tau * phase);
            _zPos = -20 - (80 * phase);
        }
        else if (_state != 3)
        {
            _zPos = Approach(_zPos, 100, seconds, 3);
        }

        Set(_controller, _fanuc ? "FANUC Series 0i-F" : "SINUMERIK 840D sl");
        Set(_mode, ModeName());
        Set(_execution, ExecutionStates[_state]);
        Set(_executionCode, _state);
        Set(_speed, Math.Round(_spindle + (running ? Noise(3) : 0), 1));
        Set(_load, Math.Round(Math.Max(0, _spindleLoad + (running ? Noise(0.8) : 0)), 2));
        Set(_spindleOverride, _spindleOvr);
        Set(_feed, Math.Round(_feedRate + (running ? Noise(2) : 0), 1));
        Set(_feedOverride, _feedOvr);
        Set(_program, Programs[_programIndex]);
        Set(_partCount, _parts);
        Set(_cycleTime, Math.Round(_cycleElapsed, 2));
        Set(_lastCycleTime, _lastCycle);
        Set(_x, Math.Round(_xPos + Noise(0.002), 3));
        Set(_y, Math.Round(_yPos + Noise(0.002), 3));
        Set(_z, Math.Round(_zPos + Noise(0.002), 3));
        Set(_alarmActive, _alarm >= 0);
        Set(_alarmNumber, _alarm >= 0 ? Alarms[_alarm].Number : 0);
        Set(_alarmText, _alarm >= 0 ? Alarms[_alarm].Text : "");
        _condition.Update(_alarm >= 0 ? Alarms[_alarm].Number : 0, _alarm >= 0 ? Alarms[_alarm].Text : "", Now);
    }

    private string ModeName() => (_fanuc, _state) switch
    {
        (true, 2) => "MEM",
        (true, 1) => "MDI",
        (true, _) => "JOG",
        (false, 2) => "AUTO",
        (false, 1) => "MDA",
        _ => "JOG",
    };

    private void NextState()
    {
        if (_state == 2)
        {
            // A part is done.
            _parts++;
            _lastCycle = Math.Round(_cycleElapsed, 2);
            _cycleElapsed = 0;
            var roll = Random.NextDouble();
            if (roll < 0.06)
            {
                Enter(3, Between(20, 120));
                _alarm = Random.Next(Alarms.Length);
            }
            else if (roll < 0.16)
            {
                Enter(1, Between(10, 60));
            }
            else if (roll < 0.18)
            {
                Enter(0, Between(60, 300));
            }
            else
            {
                StartCycle();
            }

            return;
        }

        // Idle, alarm and stop all end by starting the next cycle, sometimes with another program or overrides.
        _alarm = -1;
        if (Random.NextDouble() < 0.3)
        {
            _programIndex = Random.Next(Programs.Length);
            _spindleOvr = 80 + (10 * Random.Next(5));
            _feedOvr = 70 + (10 * Random.Next(6));
        }

        StartCycle();
    }

    private void StartCycle()
    {
        _cycleLength = Between(30, 90);
        Enter(2, _cycleLength);
    }

    private void Enter(int state, double duration)
    {
        _state = state;
        _stateLeft = duration;
    }
}
