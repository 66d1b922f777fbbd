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

    public long ReadingsPerSecond => (long)Machines * TagsPerMachine * 1000 / RateMs;

    public static readonly string[] Names = ["smoke", "steady", "burst", "outage", "kill", "server-restart", "slow-sink", "soak"];

    /// <summary>The scenario with the issue's parameters; <paramref name="durationSeconds"/> overrides the length.</summary>
    public static LoadScenario Named(string name, int? durationSeconds = null)
    {
        var scenario = name switch
        {
            "smoke" => new LoadScenario { Name = name, Machines = 4, TagsPerMachine = 50, RateMs = 500, DurationSeconds = 20, WarmupSeconds = 3, Fault = LoadFault.BrokerOutage, FaultAtSeconds = 6, FaultSeconds = 4 },
            "steady" => new LoadScenario { Name = name },
            "burst" => new LoadScenario { Name = name, Machines = 100, TagsPerMachine = 1000, RateMs = 100, Payload = "json-batch", DurationSeconds = 60 },
            "outage" => new LoadScenario { Name = name, DurationSeconds = 480, Fault = LoadFault.BrokerOutage, FaultAtSeconds = 60, FaultSeconds = 300 },
            "kill" => new LoadScenario { Name = name, DurationSeconds = 120, Fault = LoadFault.KillGateway, FaultAtSeconds = 40, FaultSeconds = 5 },
            "server-restart" => new LoadScenario { Name = name, DurationSeconds = 120, Fault = LoadFault.ServerRestart, FaultAtSeconds = 40, FaultSeconds = 5 },
            "slow-sink" => new LoadScenario { Name = name, DurationSeconds = 120, Fault = LoadFault.SlowSink },
            "soak" => new LoadScenario { Name = name, DurationSeconds = 3600, Soak = true },
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
