namespace Gateway.LoadTests;

/// <summary>The fault a scenario injects mid-run.</summary>
public enum LoadFault
{
    None,

    /// <summary>The gateway's connection to the MQTT broker is cut (a relay refuses it) for <see cref="LoadScenario.FaultSeconds"/>.</summary>
    BrokerOutage,

    /// <summary>Broker cut for a while (a backlog builds), then kill -9 of the gateway, restart, broker back.</summary>
    KillGateway,

    /// <summary>The simulator (the OPC UA server) is killed and started again on the same port.</summary>
    ServerRestart,

    /// <summary>Every answer of VictoriaMetrics is held for <see cref="LoadScenario.SlowSinkDelayMs"/> (a delaying proxy).</summary>
    SlowSink,

    /// <summary>
    /// VictoriaMetrics is unreachable from the start (a relay in front of it closes every connection at once) until the
    /// final drain: the InfluxDB sink fails and retries for the whole run, as during a day-long outage.
    /// </summary>
    SinkDown,
}

/// <summary>What one run does: the shop's size and rate, the MQTT payload mode, how long, and which fault when.</summary>
public sealed record LoadScenario
{
    public required string Name { get; init; }

    public int Machines { get; init; } = 50;

    /// <summary>Generated tags read per machine (Generated/Tag00001..).</summary>
    public int TagsPerMachine { get; init; } = 200;

    public int RateMs { get; init; } = 1000;

    /// <summary><c>json</c> or <c>json-batch</c>.</summary>
    public string Payload { get; init; } = "json";

    /// <summary>Seconds the simulator produces values, counted from the gateway's first delivered reading.</summary>
    public int DurationSeconds { get; init; } = 180;

    /// <summary>Seconds after the first reading before CPU and throughput are measured (JIT, subscriptions).</summary>
    public int WarmupSeconds { get; init; } = 15;

    public LoadFault Fault { get; init; }

    /// <summary>When the fault starts, in seconds after the first delivered reading.</summary>
    public int FaultAtSeconds { get; init; }

    /// <summary>How long the fault lasts (outage length, downtime of the killed process).</summary>
    public int FaultSeconds { get; init; }

    public int SlowSinkDelayMs { get; init; } = 2000;

    /// <summary>Soak: sample RSS, threads and handles every minute and check they stay flat after warm-up.</summary>
    public bool Soak { get; init; }

    /// <summary>
    /// Seconds the bare MQTTnet baseline publishes at the scenario's rate (<see cref="BareMqttPublisher"/>), before the
    /// gateway starts, against the same mosquitto; then a third of it flat out. 0: no baseline.
    /// </summary>
    public int BaselineSeconds { get; init; } = 30;

    /// <summary>Whether the gateway also writes to VictoriaMetrics (off: MQTT only, the like-for-like comparison with the baseline).</summary>
    public bool Victoria { get; init; } = true;

    /// <summary>After the run, seconds of CPU measured with the values frozen (nothing changes: the gateway's fixed cost). 0: none.</summary>
    public int FrozenSeconds { get; init; }

    /// <summary>At the end, seconds of CPU measured of `gateway run` with config/gateway.yaml (the embedded default). 0: none.</summary>
    public int EmbeddedDefaultSeconds { get; init; }

    /// <summary>Only the embedded default (`--embedded-default-only 1`): no 10 x 100 run, no frozen windows.</summary>
    public bool EmbeddedDefaultOnly { get; init; }

    /// <summary>`fixed-cost`: seconds after the first reading before the settled windows start (<see cref="SettledFixedCost"/>). 0: none.</summary>
    public int SettleSeconds { get; init; }

    /// <summary>The MQTT sink's `replayTopic` (a backlog replayed there while fresh readings overtake it); null: off.</summary>
    public string? ReplayTopic { get; init; }

    /// <summary>Another gateway.dll (a ReadyToRun or trimmed publish) instead of the one built next to the harness.</summary>
    public string? GatewayDll { get; init; }

    /// <summary>Environment of the gateway process beyond the harness's own (runtime knobs: DOTNET_GCConserveMemory=...).</summary>
    public Dictionary<string, string> GatewayEnvironment { get; init; } = [];

    /// <summary>`--queue-size N`: the subscribed group's server queue per item; null: two publishing intervals of values and two more, at least 10.</summary>
    public int? QueueSize { get; init; }

    public long ReadingsPerSecond => (long)Machines * TagsPerMachine * 1000 / RateMs;

    public static readonly string[] Names = ["smoke", "steady", "burst", "outage", "kill", "server-restart", "slow-sink", "soak", "soak-sink-down", "fixed-cost", "wire"];

    /// <summary>The scenario with the issue's parameters; <paramref name="durationSeconds"/> overrides the length.</summary>
    public static LoadScenario Named(string name, int? durationSeconds = null)
    {
        var scenario = name switch
        {
            "smoke" => new LoadScenario { Name = name, Machines = 4, TagsPerMachine = 50, RateMs = 500, DurationSeconds = 20, WarmupSeconds = 3, Fault = LoadFault.BrokerOutage, FaultAtSeconds = 6, FaultSeconds = 4, BaselineSeconds = 4 },
            "steady" => new LoadScenario { Name = name },
            "burst" => new LoadScenario { Name = name, Machines = 100, TagsPerMachine = 1000, RateMs = 100, Payload = "json-batch", DurationSeconds = 60 },
            "outage" => new LoadScenario { Name = name, DurationSeconds = 480, Fault = LoadFault.BrokerOutage, FaultAtSeconds = 60, FaultSeconds = 300 },
            "kill" => new LoadScenario { Name = name, DurationSeconds = 120, Fault = LoadFault.KillGateway, FaultAtSeconds = 40, FaultSeconds = 5 },
            "server-restart" => new LoadScenario { Name = name, DurationSeconds = 120, Fault = LoadFault.ServerRestart, FaultAtSeconds = 40, FaultSeconds = 5 },
            "slow-sink" => new LoadScenario { Name = name, DurationSeconds = 120, Fault = LoadFault.SlowSink },
            "soak" => new LoadScenario { Name = name, DurationSeconds = 3600, Soak = true },
            // Memory while a sink cannot deliver: 10 x 100 tags at 1 s, VictoriaMetrics down for the hour, then the drain.
            "soak-sink-down" => new LoadScenario { Name = name, Machines = 10, TagsPerMachine = 100, DurationSeconds = 3600, Soak = true, Fault = LoadFault.SinkDown, BaselineSeconds = 0 },
            // Issue 26: the cost that does not scale with readings: 10 x 100 tags at 1 s, then the same with values
            // frozen, then the embedded default; MQTT only.
            "fixed-cost" => new LoadScenario { Name = name, Machines = 10, TagsPerMachine = 100, DurationSeconds = 90, Victoria = false, FrozenSeconds = 60, EmbeddedDefaultSeconds = 60, BaselineSeconds = 30 },
            // Issue 26: steady's 10,000 readings/s to MQTT only, against the bare MQTTnet client at the same rate.
            "wire" => new LoadScenario { Name = name, DurationSeconds = 120, Victoria = false },
            _ => throw new ArgumentException($"unknown scenario '{name}'; one of: {string.Join(", ", Names)}"),
        };
        if (durationSeconds is { } duration)
        {
            // A shorter run keeps the fault in the middle; the outage scenario shrinks its outage to fit.
            var scale = (double)duration / scenario.DurationSeconds;
            scenario = scenario with
            {
                DurationSeconds = duration,
                FaultAtSeconds = (int)Math.Round(scenario.FaultAtSeconds * Math.Min(1, scale)),
                FaultSeconds = scenario.Fault == LoadFault.BrokerOutage ? (int)Math.Round(scenario.FaultSeconds * Math.Min(1, scale)) : scenario.FaultSeconds,
            };
        }

        return scenario;
    }
}
