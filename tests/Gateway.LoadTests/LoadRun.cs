using System.Globalization;
using System.Text.Json;
using Gateway.Simulator;
using Gateway.Testing;
using MQTTnet;
using MQTTnet.Protocol;

namespace Gateway.LoadTests;

/// <summary>
/// One run of a scenario, everything on 127.0.0.1 as separate processes: the simulator (`gateway simulate
/// --tick-values`), mosquitto, VictoriaMetrics and the gateway (`gateway run` with a generated config). The harness
/// measures from outside: an MQTT subscriber checks every reading, /proc and /metrics are sampled every second, and
/// VictoriaMetrics is asked what it stored.
/// </summary>
public sealed partial class LoadRun
{
    private readonly LoadScenario _scenario;
    private readonly TextWriter _log;
    private readonly List<GatewaySample> _samples = [];
    private readonly List<string> _timeline = [];
    private readonly List<(DateTime From, DateTime To)> _excused = [];
    private readonly List<string> _notes = [];
    private readonly string _gatewayDll;
    private readonly string _simulatorDll = Path.Combine(AppContext.BaseDirectory, "gateway.dll");
    private RunningProgram? _gateway;
    private RunningProgram? _simulator;
    private DateTime _simulatorStartedAt;
    private long _simulatorFirstTick;
    private DateTime _gatewayStartedAt;

    public LoadRun(LoadScenario scenario, TextWriter log)
    {
        _scenario = scenario;
        _log = log;
        _gatewayDll = scenario.GatewayDll ?? _simulatorDll;
    }

    /// <summary>The CNC kind has the most model tags (19); the other kinds get more generated ones, which are not read.</summary>
    private int SimulatorTagsPerMachine => _scenario.TagsPerMachine + 19;

    public async Task<LoadResult> RunAsync(CancellationToken cancellationToken = default)
    {
        if (_scenario.EmbeddedDefaultOnly)
        {
            return await RunEmbeddedDefaultOnlyAsync(cancellationToken);
        }

        var startedAt = DateTime.UtcNow;
        var loadAtStart = File.ReadAllText("/proc/loadavg").Trim();
        Log($"scenario {_scenario.Name}: {_scenario.Machines} machines x {_scenario.TagsPerMachine} tags every {_scenario.RateMs} ms = {_scenario.ReadingsPerSecond:N0} readings/s, {_scenario.Payload}, {_scenario.DurationSeconds} s; load average {loadAtStart}");
        var machines = SimulatorServer.DescribeTags(new SimulatorOptions { Machines = _scenario.Machines, TagsPerMachine = 0 })
            .Select(t => t.Machine).Distinct().ToList();
        var directory = RepositoryPaths.NewTempDirectory("load-" + _scenario.Name);
        try
        {
            // mosquitto's default window of 20 unacknowledged QoS 1 messages per client caps one client near 3,000
            // messages/s here; a broker that takes 10,000 readings/s as single messages needs a wider one.
            await using var mosquitto = await MosquittoServer.StartAsync(new MosquittoSettings { ExtraLines = ["set_tcp_nodelay true", "max_inflight_messages 1000"] });
            await using var victoria = await VictoriaMetricsServer.StartAsync();
            await using var brokerRelay = TcpRelay.Start(mosquitto.Port);
            await using var slowVictoria = new DelayingRelay(victoria.Port, _scenario.Fault == LoadFault.SlowSink ? _scenario.SlowSinkDelayMs : 0)
            {
                Refusing = _scenario.Fault == LoadFault.SinkDown,
            };
            var delivered = new DeliveredReadings(machines, _scenario.TagsPerMachine);
            using var subscriber = await SubscribeAsync(mosquitto.Port, delivered);

            var simulatorPort = FreePort.Next();
            var httpPort = FreePort.Next();
            StartSimulator(simulatorPort, startTick: 0);
            await ServerProcess.WaitForPortAsync(simulatorPort, TimeSpan.FromSeconds(120), () => false);

            // The bare MQTTnet client against the same broker, with the simulator ticking as it will during the run.
            var baseline = _scenario.BaselineSeconds > 0
                ? await BareMqttPublisher.MeasureInChildAsync(mosquitto.Port, _scenario, inflight: 256, _log)
                : null;
            if (baseline is not null && delivered.BaselineMessages < (long)(baseline.PacedMessagesPerSecond * _scenario.BaselineSeconds * 0.9))
            {
                _notes.Add($"the subscriber got only {delivered.BaselineMessages:N0} of the baseline's messages");
            }

            var config = Path.Combine(directory, "gateway.yaml");
            await File.WriteAllTextAsync(config, GatewayConfigFile.Render(_scenario, machines, simulatorPort, brokerRelay.Port, slowVictoria.Port, httpPort, Path.Combine(directory, "data")), cancellationToken);
            await ValidateAsync(config);
            var metricsUrl = $"http://127.0.0.1:{httpPort}/metrics";
            StartGateway(config);

            var deadline = DateTime.UtcNow.AddSeconds(180);
            while (delivered.Readings == 0)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"no reading reached the MQTT subscriber within 180 s. Gateway output:\n{_gateway!.Output}\nSimulator:\n{_simulator!.Output}");
                }

                await Task.Delay(100, cancellationToken);
            }

            var firstReading = DateTime.UtcNow;
            var startToFirstReading = Math.Round((firstReading - _gatewayStartedAt).TotalSeconds, 2);
            Log($"first reading at the subscriber, {startToFirstReading} s after the gateway process started");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            using var stopSampling = new CancellationTokenSource();
            var sampling = SampleAsync(http, metricsUrl, stopSampling.Token);

            var measureFrom = firstReading.AddSeconds(_scenario.WarmupSeconds);
            delivered.MeasureFrom = measureFrom;
            var runEnd = firstReading.AddSeconds(_scenario.DurationSeconds);
            FaultFigures? fault = null;
            if (_scenario.Fault is LoadFault.BrokerOutage or LoadFault.KillGateway or LoadFault.ServerRestart)
            {
                await DelayUntilAsync(firstReading.AddSeconds(_scenario.FaultAtSeconds), cancellationToken);
                fault = _scenario.Fault switch
                {
                    LoadFault.BrokerOutage => await BrokerOutageAsync(brokerRelay, delivered, http, metricsUrl, cancellationToken),
                    LoadFault.KillGateway => await KillGatewayAsync(brokerRelay, delivered, config, http, metricsUrl, cancellationToken),
                    _ => await RestartServerAsync(simulatorPort, delivered, cancellationToken),
                };
            }
            else if (_scenario.Fault == LoadFault.SlowSink)
            {
                fault = new FaultFigures { Kind = "slow-sink", DurationSeconds = _scenario.DurationSeconds, Timeline = [$"every VictoriaMetrics answer held {_scenario.SlowSinkDelayMs} ms for the whole run, then 0 for the final drain"] };
            }
            else if (_scenario.Fault == LoadFault.SinkDown)
            {
                fault = new FaultFigures { Kind = "sink-down", DurationSeconds = _scenario.DurationSeconds, Timeline = ["VictoriaMetrics refused every connection for the whole run, then came back for the final drain"] };
            }

            await DelayUntilAsync(runEnd, cancellationToken);
            var earlyEnd = DateTime.UtcNow;
            var settledChangingCpu = await MeasureSettledChangingAsync(firstReading, cancellationToken); // --settle-seconds
            var lastTick = await FreezeSimulatorAsync();
            var measureTo = _scenario.SettleSeconds > 0 ? earlyEnd : DateTime.UtcNow;
            Log($"values frozen at tick {lastTick}; draining");
            slowVictoria.DelayMs = 0;
            slowVictoria.Refusing = false;
            if (!mosquitto.IsRunning)
            {
                // Stopped from outside (a `pkill mosquitto` elsewhere on the box): what MQTT missed is not the gateway's loss.
                Log("mosquitto is no longer running: stopped from outside the harness? The MQTT figures of this run are void");
                _notes.Add("mosquitto stopped during the run (not by the harness): the MQTT delivery figures are void; the gateway's buffer still held the readings (pending mqtt)");
            }

            var pendingAtEnd = await DrainAsync(delivered, http, metricsUrl, cancellationToken);
            // With the values frozen: first as sampled every second (a /metrics scrape each second), then without scrapes.
            var frozenScrapedCpu = _scenario.FrozenSeconds > 0 ? await MeasureCpuAsync(_gateway!.Id, "values frozen, /metrics scraped every second", _scenario.FrozenSeconds, cancellationToken) : (double?)null;
            await stopSampling.CancelAsync();
            await sampling;
            var frozenCpu = _scenario.FrozenSeconds > 0 ? await MeasureCpuAsync(_gateway!.Id, "values frozen, no scrapes", _scenario.FrozenSeconds, cancellationToken) : (double?)null;

            // A drain that ran out of time leaves messages arriving: stop the subscriber before the check reads its lists.
            await subscriber.DisconnectAsync();
            var check = delivered.CheckTicks(lastTick, _excused, _scenario.RateMs, _gatewayStartedAt);
            foreach (var line in check.Detail)
            {
                Log("lost: " + line);
            }

            var victoriaSamples = await CountVictoriaSamplesAsync(victoria);
            var loadAtEnd = File.ReadAllText("/proc/loadavg").Trim();
            RunningProgram.Signal(_gateway!.Id, "TERM");
            await _gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));
            if (fault is not null)
            {
                fault = fault with { Timeline = [.. fault.Timeline, .. _timeline] };
            }

            KeepWarnings("gateway", _gateway.Output);
            KeepWarnings("simulator", _simulator!.Output);
            (double CpuPercent, double PeakRssMb, double? StartToFirstReadingSeconds, double? SettledCpuPercent, double? SettledWakeUpsPerSecond)? embeddedDefault = _scenario.EmbeddedDefaultSeconds > 0 ? await MeasureEmbeddedDefaultAsync(cancellationToken) : null;
            var result = BuildResult(startedAt, loadAtStart, loadAtEnd, measureFrom, measureTo, delivered, check, victoriaSamples, pendingAtEnd, fault);
            result = result with
            {
                Baseline = baseline,
                CostPerReading = baseline is null ? null : CostPerReadingOf(result, baseline),
                StartToFirstReadingSeconds = startToFirstReading,
                FixedCost = _scenario.FrozenSeconds > 0 || embeddedDefault is not null
                    ? new FixedCostFigures(result.Gateway.CpuPercentOfOneCore, frozenCpu, frozenScrapedCpu, embeddedDefault?.CpuPercent, embeddedDefault?.PeakRssMb, embeddedDefault?.StartToFirstReadingSeconds)
                    : null,
                SettledFixedCost = _scenario.SettleSeconds > 0 ? new SettledFixedCost(_scenario.SettleSeconds, settledChangingCpu, frozenCpu, embeddedDefault?.SettledCpuPercent) { EmbeddedDefaultWakeUpsPerSecond = embeddedDefault?.SettledWakeUpsPerSecond } : null,
            };
            return result with { Targets = [.. LoadTargets.For(result), .. SettledTargets(result.SettledFixedCost)] };
        }
        finally
        {
            _gateway?.Dispose();
            _simulator?.Dispose();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The first warnings and errors a process logged go into the result's notes (the evidence when something failed).</summary>
    private void KeepWarnings(string process, string output)
    {
        var lines = output.Split('\n').Where(l => l.Contains("warn", StringComparison.OrdinalIgnoreCase) || l.Contains("fail", StringComparison.OrdinalIgnoreCase) || l.Contains("crit", StringComparison.OrdinalIgnoreCase)).ToList();
        foreach (var line in lines.Take(15))
        {
            _notes.Add($"{process}: {line.Trim()}");
        }

        if (lines.Count > 15)
        {
            _notes.Add($"{process}: ... {lines.Count - 15} more warning lines");
        }
    }

    private void Log(string line)
    {
        _log.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}");
        _log.Flush();
    }

    private void Mark(string what)
    {
        _timeline.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {what}");
        Log(what);
    }

    private void StartSimulator(int port, long startTick)
    {
        _simulator?.Dispose();
        _simulatorStartedAt = DateTime.UtcNow;
        _simulatorFirstTick = startTick;
        _simulator = RunningProgram.Start("dotnet",
        [
            _simulatorDll, "simulate", "--port", Invariant(port), "--machines", Invariant(_scenario.Machines),
            "--tags-per-machine", Invariant(SimulatorTagsPerMachine), "--rate-ms", Invariant(_scenario.RateMs),
            "--tick-values", "--start-tick", Invariant(startTick),
        ]);
    }

    /// <summary>
    /// The gateway under test with these arguments: `dotnet gateway.dll ...` for a build's dll, or the file itself for a
    /// published executable (`deploy/publish.sh`'s single file, measured as shipped).
    /// </summary>
    private RunningProgram RunGatewayProgram(string[] args, IDictionary<string, string>? environment = null) =>
        _gatewayDll.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? RunningProgram.Start("dotnet", [_gatewayDll, .. args], environment: environment)
            : RunningProgram.Start(_gatewayDll, args, environment: environment);

    private void StartGateway(string config)
    {
        _gatewayStartedAt = DateTime.UtcNow;
        _gateway = RunGatewayProgram(["run", "--config", config], GatewayEnvironment());
    }

    private Dictionary<string, string> GatewayEnvironment()
    {
        var environment = new Dictionary<string, string> { ["DOTNET_gcServer"] = "0" };
        foreach (var (name, value) in _scenario.GatewayEnvironment)
        {
            environment[name] = value;
        }

        return environment;
    }

    /// <summary>CPU of the process over <paramref name="seconds"/>, in % of one core (utime + stime from /proc).</summary>
    private async Task<double> MeasureCpuAsync(int processId, string what, int seconds, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken); // what was pending has settled
        var before = GatewaySample.ReadProc(processId) ?? throw new InvalidOperationException("the gateway is gone");
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        var after = GatewaySample.ReadProc(processId) ?? throw new InvalidOperationException("the gateway is gone");
        var percent = Math.Round(100 * (after.CpuSeconds - before.CpuSeconds) / (after.At - before.At).TotalSeconds, 2);
        Log($"{what}: {percent} % of one core over {seconds} s");
        return percent;
    }

    /// <summary>
    /// `gateway run` with config/gateway.yaml as shipped (its simulator, embedded broker and OEE inside; ports moved to
    /// free ones, the InfluxDB sink pointed at a closed port as on a machine without InfluxDB): start to its first
    /// reading at the embedded broker, then its CPU once warm.
    /// </summary>
    private async Task<(double CpuPercent, double PeakRssMb, double? StartToFirstReadingSeconds, double? SettledCpuPercent, double? SettledWakeUpsPerSecond)> MeasureEmbeddedDefaultAsync(CancellationToken cancellationToken)
    {
        var data = RepositoryPaths.NewTempDirectory("load-embedded-default");
        var mqttPort = FreePort.Next();
        var environment = GatewayEnvironment();
        environment["GATEWAY_DATA"] = data;
        environment["GATEWAY_SIMULATOR_PORT"] = Invariant(FreePort.Next());
        environment["GATEWAY_SIMULATOR_MODBUS_PORT"] = Invariant(FreePort.Next());
        environment["GATEWAY_MQTT_PORT"] = Invariant(mqttPort);
        environment["GATEWAY_HTTP_LISTEN"] = "127.0.0.1:" + Invariant(FreePort.Next());
        environment["INFLUX_URL"] = "http://127.0.0.1:" + Invariant(FreePort.Next());
        var config = Path.Combine(RepositoryPaths.Root, "config", "gateway.yaml");
        var startedAt = DateTime.UtcNow;
        using var gateway = RunGatewayProgram(["run", "--config", config], environment);
        try
        {
            var first = await FirstReadingAtAsync(mqttPort, gateway, TimeSpan.FromSeconds(120), cancellationToken);
            var startToFirst = first is { } at ? Math.Round((at - startedAt).TotalSeconds, 2) : (double?)null;
            Log($"embedded default: first reading at its broker {startToFirst} s after the process started");
            await Task.Delay(TimeSpan.FromSeconds(15), cancellationToken);
            var cpu = await MeasureCpuAsync(gateway.Id, "embedded default", _scenario.EmbeddedDefaultSeconds, cancellationToken);
            var settled = await MeasureSettledEmbeddedDefaultAsync(gateway, first, cancellationToken);
            var peak = GatewaySample.ReadProc(gateway.Id)?.PeakRssBytes ?? 0;
            return (cpu, Math.Round(peak / 1048576.0, 1), startToFirst, settled?.CpuPercent, settled?.WakeUpsPerSecond);
        }
        finally
        {
            RunningProgram.Signal(gateway.Id, "TERM");
            await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30));
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>When the first reading reached the (embedded) broker on <paramref name="port"/>: a subscriber connects as soon as the port answers.</summary>
    private static async Task<DateTime?> FirstReadingAtAsync(int port, RunningProgram gateway, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var first = new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            first.TrySetResult(DateTime.UtcNow);
            return Task.CompletedTask;
        };
        while (!client.IsConnected && DateTime.UtcNow < deadline)
        {
            try
            {
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("load-first-reading").Build(), attempt.Token);
                await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("factory/+/+/+").Build(), cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(20, cancellationToken);
            }
        }

        try
        {
            return await first.Task.WaitAsync(deadline - DateTime.UtcNow, cancellationToken);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private async Task ValidateAsync(string config)
    {
        using var validate = RunGatewayProgram(["validate", "--config", config]);
        var code = await validate.WaitForExitAsync(TimeSpan.FromSeconds(120));
        if (code != 0)
        {
            throw new InvalidOperationException($"gateway validate refused the generated config ({code}):\n{validate.Output}");
        }
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static async Task<IMqttClient> SubscribeAsync(int port, DeliveredReadings delivered)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Topic.StartsWith(BareMqttPublisher.TopicPrefix + "/", StringComparison.Ordinal))
            {
                delivered.BaselineMessages++; // the bare baseline's: forwarded like the gateway's, not checked
                return Task.CompletedTask;
            }

            delivered.Add(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload, DateTime.UtcNow);
            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            // The subscriber acknowledges 10,000 QoS 1 messages a second: sent one by one, the PUBACKs alone would make it
            // the slowest part of the run and its lag the latency measured.
            .WithStreamProvider(new Gateway.Sinks.Mqtt.CoalescingStreamProvider())
            .WithClientId("load-subscriber")
            .WithCleanStart(true)
            .Build());
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("factory/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(BareMqttPublisher.TopicPrefix + "/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("replay/#", MqttQualityOfServiceLevel.AtLeastOnce) // --replay-topic replay/...
            .Build());
        return client;
    }

    private async Task SampleAsync(HttpClient http, string metricsUrl, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                GatewaySample? sample;
                try
                {
                    sample = _gateway is null ? null : await GatewaySample.TakeAsync(_gateway.Id, http, metricsUrl);
                }
                catch (InvalidOperationException)
                {
                    sample = null; // between a kill and the restart
                }

                if (sample is not null)
                {
                    lock (_samples)
                    {
                        _samples.Add(sample);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private GatewaySample? LatestSample()
    {
        lock (_samples)
        {
            return _samples.Count == 0 ? null : _samples[^1];
        }
    }

    private static async Task DelayUntilAsync(DateTime at, CancellationToken cancellationToken)
    {
        var wait = at - DateTime.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken);
        }
    }

    private async Task<FaultFigures> BrokerOutageAsync(TcpRelay relay, DeliveredReadings delivered, HttpClient http, string metricsUrl, CancellationToken cancellationToken)
    {
        delivered.InFault = true;
        relay.Closed = true;
        relay.AbortAll();
        var cutAt = DateTime.UtcNow;
        Mark($"broker cut for {_scenario.FaultSeconds} s");
        var before = LatestSample();
        await Task.Delay(TimeSpan.FromSeconds(_scenario.FaultSeconds), cancellationToken);
        var during = await GatewaySample.TakeAsync(_gateway!.Id, http, metricsUrl);
        var backAt = DateTime.UtcNow;
        delivered.ArrivalsWatchedFrom = backAt;
        relay.Closed = false;
        var backlog = during?.PendingBySink.GetValueOrDefault("mqtt") ?? double.NaN;
        Mark($"broker back; MQTT backlog {backlog:N0} readings");
        var otherRate = before is null || during is null ? double.NaN
            : (during.DeliveredBySink.GetValueOrDefault("victoria") - before.DeliveredBySink.GetValueOrDefault("victoria")) / (during.At - before.At).TotalSeconds;

        var caughtUp = await WaitForMqttCaughtUpAsync(backAt, TimeSpan.FromSeconds(Math.Max(120, _scenario.FaultSeconds)), cancellationToken);
        delivered.InFault = false;
        // The drain starts when the sink has reconnected (the first reading after the broker's return), not when the broker
        // came back: after a long cut the sink's reconnect backoff (up to reconnectMaxDelayMs) lies between the two.
        var reconnectedAt = delivered.FirstArrivalAfterWatch;
        if (reconnectedAt is { } first)
        {
            Mark($"first reading after the broker's return, {(first - backAt).TotalSeconds:0.0} s after it (the sink's reconnect)");
        }

        var drainFrom = reconnectedAt is { } r && caughtUp is { } c && r < c ? r : (DateTime?)null;
        return new FaultFigures
        {
            Kind = "broker-outage",
            DurationSeconds = Math.Round((backAt - cutAt).TotalSeconds, 1),
            BacklogReadings = backlog,
            CatchUpSeconds = caughtUp is { } at ? Math.Round((at - backAt).TotalSeconds, 1) : null,
            ReconnectSeconds = reconnectedAt is { } re ? Math.Round((re - backAt).TotalSeconds, 1) : null,
            DrainSeconds = drainFrom is { } d && caughtUp is { } ce ? Math.Round((ce - d).TotalSeconds, 1) : null,
            OtherSinkReadingsPerSecondDuringFault = Math.Round(otherRate),
            FreshReadingsPerSecondMinDuringCatchUp = caughtUp is { } end ? MinFreshPerSecond(delivered, (drainFrom ?? backAt).AddSeconds(2), end) : null,
        };
    }

    /// <summary>The first moment after <paramref name="from"/> the MQTT sink's pending count is under one second of readings.</summary>
    private async Task<DateTime?> WaitForMqttCaughtUpAsync(DateTime from, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = from + timeout;
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(250, cancellationToken);
            var sample = LatestSample();
            if (sample is not null && sample.At > from.AddSeconds(1) && sample.PendingBySink.TryGetValue("mqtt", out var pending) && pending < _scenario.ReadingsPerSecond)
            {
                Mark($"MQTT caught up (pending {pending:N0})");
                return sample.At;
            }
        }

        Mark($"MQTT not caught up within {timeout.TotalSeconds:0} s");
        return null;
    }

    private static long MinFreshPerSecond(DeliveredReadings delivered, DateTime from, DateTime to)
    {
        var first = new DateTimeOffset(from).ToUnixTimeSeconds();
        var last = new DateTimeOffset(to).ToUnixTimeSeconds() - 1;
        long min = long.MaxValue;
        for (var second = first; second <= last; second++)
        {
            min = Math.Min(min, delivered.PerSecond.GetValueOrDefault(second).Fresh);
        }

        return min == long.MaxValue ? 0 : min;
    }

    private async Task<FaultFigures> KillGatewayAsync(TcpRelay relay, DeliveredReadings delivered, string config, HttpClient http, string metricsUrl, CancellationToken cancellationToken)
    {
        // Cut the broker first, so that the killed gateway leaves a backlog in its buffer that must survive.
        delivered.InFault = true;
        relay.Closed = true;
        relay.AbortAll();
        Mark("broker cut (a backlog builds)");
        await Task.Delay(TimeSpan.FromSeconds(15), cancellationToken);
        var before = await GatewaySample.TakeAsync(_gateway!.Id, http, metricsUrl);
        var backlog = before?.PendingBySink.GetValueOrDefault("mqtt") ?? double.NaN;
        var killedAt = DateTime.UtcNow;
        _gateway.Dispose(); // SIGKILL
        Mark($"gateway killed (kill -9) with {backlog:N0} readings waiting for MQTT");
        await Task.Delay(TimeSpan.FromSeconds(_scenario.FaultSeconds), cancellationToken);
        StartGateway(config);
        Mark("gateway started again");
        var readingAgain = await WaitForMetricAsync(http, metricsUrl, s => s.ReadingsIn > 0, TimeSpan.FromSeconds(120), cancellationToken);
        Mark("gateway reads again");

        // Readings produced while no gateway ran (and up to two publishing intervals before the kill, not yet durable) are excused.
        _excused.Add((killedAt.AddMilliseconds(-2 * Math.Max(_scenario.RateMs, 1000)), readingAgain.AddSeconds(1)));
        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        relay.Closed = false;
        var backAt = DateTime.UtcNow;
        Mark("broker back");
        var caughtUp = await WaitForMqttCaughtUpAsync(backAt, TimeSpan.FromSeconds(120), cancellationToken);
        delivered.InFault = false;
        return new FaultFigures
        {
            Kind = "kill-gateway",
            DurationSeconds = Math.Round((readingAgain - killedAt).TotalSeconds, 1),
            BacklogReadings = backlog,
            CatchUpSeconds = caughtUp is { } at ? Math.Round((at - backAt).TotalSeconds, 1) : null,
        };
    }

    private async Task<FaultFigures> RestartServerAsync(int simulatorPort, DeliveredReadings delivered, CancellationToken cancellationToken)
    {
        delivered.InFault = true;
        var killedAt = DateTime.UtcNow;
        _simulator!.Dispose();
        _simulator = null;
        Mark("simulator (OPC UA server) killed");
        await Task.Delay(TimeSpan.FromSeconds(_scenario.FaultSeconds), cancellationToken);

        // Continue past any tick the old simulator could have reached (it ticks at most once per rate-ms since it
        // started; the subscriber may lag behind a backlog), so that no tick number is produced twice.
        var startTick = _simulatorFirstTick + (long)((DateTime.UtcNow - _simulatorStartedAt).TotalMilliseconds / _scenario.RateMs) + 10;
        StartSimulator(simulatorPort, startTick);
        Mark($"simulator started again at tick {startTick}");
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (delivered.MaxTick < startTick && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, cancellationToken);
        }

        var readingAgain = DateTime.UtcNow;
        Mark(delivered.MaxTick >= startTick ? "new values reach the subscriber" : "no new value within 120 s");
        _excused.Add((killedAt.AddMilliseconds(-2 * Math.Max(_scenario.RateMs, 1000)), readingAgain.AddSeconds(1)));
        delivered.InFault = false;
        return new FaultFigures { Kind = "server-restart", DurationSeconds = Math.Round((readingAgain - killedAt).TotalSeconds, 1) };
    }

    private async Task<DateTime> WaitForMetricAsync(HttpClient http, string metricsUrl, Func<GatewaySample, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await GatewaySample.TakeAsync(_gateway!.Id, http, metricsUrl) is { } sample && sample.DeliveredBySink.Count > 0 && condition(sample))
            {
                return DateTime.UtcNow;
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"the gateway did not get there within {timeout}:\n{_gateway!.Output}");
    }

    private async Task<long> FreezeSimulatorAsync()
    {
        RunningProgram.Signal(_simulator!.Id, "USR1");
        const string Marker = "values frozen at tick ";
        await _simulator.WaitForOutputAsync(Marker, TimeSpan.FromSeconds(30));
        var output = _simulator.Output;
        var at = output.LastIndexOf(Marker, StringComparison.Ordinal) + Marker.Length;
        var end = at;
        while (end < output.Length && char.IsAsciiDigit(output[end]))
        {
            end++;
        }

        return long.Parse(output.AsSpan(at, end - at), CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until every sink has nothing pending and the subscriber got nothing new for 3 s (at most 10 minutes).</summary>
    private async Task<Dictionary<string, double>> DrainAsync(DeliveredReadings delivered, HttpClient http, string metricsUrl, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddMinutes(10);
        var lastCount = -1L;
        var stableSince = DateTime.UtcNow;
        Dictionary<string, double> pending = [];
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(500, cancellationToken);
            if (await GatewaySample.TakeAsync(_gateway!.Id, http, metricsUrl) is { } sample)
            {
                pending = new Dictionary<string, double>(sample.PendingBySink);
            }

            if ((DateTime.UtcNow - stableSince).TotalSeconds is > 0 && DateTime.UtcNow.Second % 30 == 0 && DateTime.UtcNow.Millisecond < 500)
            {
                Log($"draining: pending {string.Join(", ", pending.Select(p => $"{p.Key} {p.Value:N0}"))}; subscriber has {delivered.Readings:N0}");
            }

            if (delivered.Readings != lastCount)
            {
                lastCount = delivered.Readings;
                stableSince = DateTime.UtcNow;
            }
            else if (pending.Count > 0 && pending.Values.All(p => p == 0) && DateTime.UtcNow - stableSince > TimeSpan.FromSeconds(3))
            {
                return pending;
            }
        }

        _notes.Add("the drain after the run did not finish within 10 minutes");
        return pending;
    }

    private async Task<long> CountVictoriaSamplesAsync(VictoriaMetricsServer victoria)
    {
        using var http = new HttpClient { BaseAddress = new Uri(victoria.Url), Timeout = TimeSpan.FromSeconds(120) };
        using (await http.GetAsync("/internal/force_flush"))
        {
        }

        // Newly written samples take a moment to become searchable; ask until the count stops moving.
        long last = -1;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            var query = $"sum(count_over_time({{__name__=~\"{GatewayConfigFile.Measurement}_.*\"}}[1d]))";
            // latency_offset=0s: by default the newest 30 s are left out of queries, and a short run is all newest.
            var body = await http.GetStringAsync("/api/v1/query?nocache=1&latency_offset=0s&query=" + Uri.EscapeDataString(query));
            using var json = JsonDocument.Parse(body);
            var result = json.RootElement.GetProperty("data").GetProperty("result");
            var count = result.GetArrayLength() == 0 ? 0 : long.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
            if (count == last)
            {
                return count;
            }

            last = count;
        }

        return last;
    }

    private LoadResult BuildResult(DateTime startedAt, string loadAtStart, string loadAtEnd, DateTime measureFrom, DateTime measureTo, DeliveredReadings delivered, TickCheck check, long victoriaSamples, Dictionary<string, double> pendingAtEnd, FaultFigures? fault)
    {
        List<GatewaySample> samples;
        lock (_samples)
        {
            samples = [.. _samples];
        }

        // When the gateway itself saw its OPC UA source down (its own reconnects): the evidence for a gap in the ticks.
        for (var i = 1; i < samples.Count; i++)
        {
            if (samples[i].DeliveredBySink.Count > 0 && samples[i - 1].DeliveredBySink.Count > 0 && samples[i].SourceConnected != samples[i - 1].SourceConnected)
            {
                _notes.Add($"{samples[i].At:HH:mm:ss} gateway_source_connected went to {(samples[i].SourceConnected ? 1 : 0)}");
            }
        }

        // Figures of one gateway process: after a kill, the restarted one.
        var pid = samples.Count > 0 ? samples[^1] : null;
        var window = samples.Where(s => s.At >= measureFrom && s.At <= measureTo && s.DeliveredBySink.Count > 0).ToList();
        var first = window.FirstOrDefault();
        var last = window.LastOrDefault();
        var seconds = first is null || last is null ? 0 : (last.At - first.At).TotalSeconds;
        double Rate(Func<GatewaySample, double> value) => seconds <= 0 ? double.NaN : Math.Round((value(last!) - value(first!)) / seconds);
        var cpu = seconds <= 0 || last!.CpuSeconds < first!.CpuSeconds ? double.NaN : Math.Round(100 * (last.CpuSeconds - first.CpuSeconds) / seconds, 1);
        var subscriberRate = Math.Round(delivered.PerSecond
            .Where(p => p.Key >= new DateTimeOffset(measureFrom).ToUnixTimeSeconds() && p.Key < new DateTimeOffset(measureTo).ToUnixTimeSeconds())
            .Sum(p => (double)p.Value.All) / Math.Max(1, (measureTo - measureFrom).TotalSeconds));

        var expected = check.Unique + check.Lost + check.Excused;
        var result = new LoadResult
        {
            Scenario = _scenario.Name,
            StartedAt = startedAt,
            Parameters = _scenario,
            Machine = Machine(loadAtStart, loadAtEnd),
            MeasuredSeconds = Math.Round(seconds, 1),
            Throughput = new Throughput
            {
                Produced = _scenario.ReadingsPerSecond,
                Buffered = Rate(s => s.BufferAppended),
                DeliveredBySink = window.Count == 0 ? [] : last!.DeliveredBySink.Keys.ToDictionary(k => k, k => Rate(s => s.DeliveredBySink.GetValueOrDefault(k))),
                ReceivedBySubscriber = subscriberRate,
            },
            Latency = LatencyFigures.Of(delivered.Latency),
            LiveLatency = LatencyFigures.Of(delivered.LiveLatency),
            Gateway = new ProcessFigures
            {
                CpuPercentOfOneCore = cpu,
                PeakRssMb = samples.Count == 0 ? 0 : Math.Round(samples.Max(s => s.PeakRssBytes) / 1048576.0, 1),
                RssAtEndMb = pid is null ? 0 : Math.Round(pid.RssBytes / 1048576.0, 1),
                ThreadsAtEnd = pid?.Threads ?? 0,
                HandlesAtEnd = pid?.Handles ?? 0,
                ThreadsMax = samples.Count == 0 ? 0 : samples.Max(s => s.Threads),
                HandlesMax = samples.Count == 0 ? 0 : samples.Max(s => s.Handles),
            },
            Delivery = new DeliveryFigures
            {
                Expected = expected,
                UniqueReceived = check.Unique,
                Excused = check.Excused,
                Lost = check.Lost,
                LostExamples = check.LostExamples,
                LostReported = check.ReportedLost,
                LossDetail = check.Detail,
                MissingSequenceNumbers = delivered.MissingSeqs(),
                Redelivered = delivered.SeqRedelivered,
                Replayed = delivered.ReplayedReadings,
                DuplicateTicks = check.DuplicateTicks,
                BadQualityReadings = delivered.BadQuality,
                ServerQueueOverflows = delivered.OverflowFlagged,
                GapFlagged = delivered.GapFlagged,
                WrongValues = check.WrongValues + delivered.WrongValue,
                SeriesNeverSeen = check.SeriesNeverSeen,
                VictoriaSamples = victoriaSamples,
                VictoriaMissing = check.Unique - victoriaSamples,
                PendingAtEnd = pendingAtEnd,
            },
            Fault = fault,
            Soak = _scenario.Soak ? Soak(samples, measureFrom) : null,
            Notes = _notes,
        };
        return result with { Targets = LoadTargets.For(result) };
    }

    private static CostPerReading CostPerReadingOf(LoadResult result, BareBaseline baseline)
    {
        var mqttRate = result.Throughput.DeliveredBySink.GetValueOrDefault("mqtt");
        var gateway = Math.Round(result.Gateway.CpuPercentOfOneCore / 100 / mqttRate * 1e6, 2);
        // While catching up, the sink moves the backlog and the live readings: its rate then, against the loop's top rate.
        // The drain's seconds (from the sink's reconnect) where known, else the catch-up's (from the broker's return).
        var catchUp = result.Fault is { CatchUpSeconds: > 0 } f && double.IsFinite(f.BacklogReadings)
            ? Math.Round((f.BacklogReadings + (Drain(f) * result.Parameters.ReadingsPerSecond)) / Drain(f) / baseline.FlatOutMessagesPerSecond, 3)
            : double.NaN;
        return new CostPerReading(gateway, baseline.PacedCpuMicrosecondsPerMessage, Math.Round(gateway / baseline.PacedCpuMicrosecondsPerMessage, 2), catchUp);
    }

    private static double Drain(FaultFigures fault) => fault.DrainSeconds is > 0 and var d ? d : fault.CatchUpSeconds!.Value;

    private SoakFigures Soak(List<GatewaySample> samples, DateTime measureFrom)
    {
        // The heap reaches its steady size in the first quarter of the run (15 minutes of the hour at 4,000 readings/s):
        // the trend is judged from there on.
        var warm = measureFrom.AddSeconds(Math.Max(_scenario.WarmupSeconds, _scenario.DurationSeconds / 4.0));
        var after = samples.FirstOrDefault(s => s.At >= warm) ?? samples[0];
        var end = samples[^1];
        var (slope, mean) = RssTrend(samples, after.At);
        var perMinute = samples.GroupBy(s => (int)((s.At - samples[0].At).TotalMinutes)).Select(g => Math.Round(g.Last().RssBytes / 1048576.0, 1)).ToList();
        return new SoakFigures(
            Math.Round(after.RssBytes / 1048576.0, 1),
            Math.Round(end.RssBytes / 1048576.0, 1),
            Math.Round(100.0 * (end.RssBytes - after.RssBytes) / after.RssBytes, 1),
            after.Threads,
            end.Threads,
            after.Handles,
            end.Handles,
            perMinute,
            Math.Round(slope * 3600, 1),
            Math.Round(100 * slope * 3600 / Math.Max(1, mean), 1));
    }

    /// <summary>Least-squares slope of RSS (MB per second) over the samples from <paramref name="from"/>, and their mean.</summary>
    internal static (double SlopeMbPerSecond, double MeanMb) RssTrend(IReadOnlyList<GatewaySample> samples, DateTime from)
    {
        var points = samples.Where(s => s.At >= from).Select(s => ((s.At - from).TotalSeconds, s.RssBytes / 1048576.0)).ToList();
        if (points.Count < 2)
        {
            return (0, points.Count == 1 ? points[0].Item2 : 0);
        }

        var meanX = points.Average(p => p.Item1);
        var meanY = points.Average(p => p.Item2);
        var sxx = points.Sum(p => (p.Item1 - meanX) * (p.Item1 - meanX));
        var sxy = points.Sum(p => (p.Item1 - meanX) * (p.Item2 - meanY));
        return (sxx == 0 ? 0 : sxy / sxx, meanY);
    }

    private static MachineInfo Machine(string loadAtStart, string loadAtEnd)
    {
        var cpuInfo = File.ReadAllLines("/proc/cpuinfo");
        var model = cpuInfo.FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var memory = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var memoryMb = long.Parse(memory.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        var os = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?[12..].Trim('"') ?? "Linux"
            : "Linux";
        os += ", kernel " + File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        return new MachineInfo(model, Environment.ProcessorCount, memoryMb, os, loadAtStart, loadAtEnd, Environment.Version.ToString());
    }
}
