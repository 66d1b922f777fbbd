using Gateway.Buffer;
using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Core;
using Gateway.MachineState;
using Gateway.Normalization;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.Service;

/// <summary>
/// The data path for one configuration: buffer, sinks with their delivery loops, normalization, connectors.
/// Started in the order data flows backwards (so nothing is read before it can be stored) and stopped in the order it
/// flows forwards (so everything read is stored before the sinks close).
/// </summary>
public sealed class GatewayRuntime : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly PluginCatalog _plugins;
    private readonly CancellationTokenSource _deliveryStop = new();
    private readonly List<RunningSink> _sinks = [];
    private readonly Dictionary<string, RunningSource> _sources = new(StringComparer.Ordinal);
    private bool _stopped;

    private GatewayRuntime(ConfigurationResult loaded, StoreAndForwardBuffer buffer, NormalizationPipeline pipeline, ILoggerFactory loggerFactory, TimeProvider time, PluginCatalog plugins)
    {
        Loaded = loaded;
        Buffer = buffer;
        Pipeline = pipeline;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<GatewayRuntime>();
        _time = time;
        _plugins = plugins;
    }

    public ConfigurationResult Loaded { get; private set; }

    public GatewayConfig Config => Loaded.Config!;

    public StoreAndForwardBuffer Buffer { get; }

    public NormalizationPipeline Pipeline { get; }

    /// <summary>Machine state, downtime and OEE; null when the configuration computes none.</summary>
    public MachineStateEngine? MachineState { get; private init; }

    /// <summary>The last reading of every tag, for the web console.</summary>
    public Gateway.Host.WebConsole.LatestReadings? Latest { get; private init; }

    public IReadOnlyList<RunningSink> Sinks => _sinks;

    public IReadOnlyCollection<RunningSource> Sources => _sources.Values;

    public static async Task<GatewayRuntime> StartAsync(
        ConfigurationResult loaded,
        PluginCatalog plugins,
        ILoggerFactory loggerFactory,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var config = loaded.Config ?? throw new ArgumentException("The configuration has errors.", nameof(loaded));
        var dataDirectory = Path.GetFullPath(config.Gateway.DataDirectory);
        Directory.CreateDirectory(dataDirectory);

        var enabledSinks = config.Sinks.Where(s => s.Enabled).ToList();
        var buffer = StoreAndForwardBuffer.Open(
            config.Buffer.ToOptions(dataDirectory),
            enabledSinks.Select(s => s.Name),
            loggerFactory.CreateLogger<StoreAndForwardBuffer>(),
            time);
        // Machine state and OEE (docs/oee.md) see every normalized reading on its way to the buffer.
        var machineState = MachineStateSetup.Create(loaded, buffer, dataDirectory, loggerFactory, time);
        // The web console's machine page shows each tag's last normalized reading (WebConsole/LatestReadings.cs).
        var latest = new Gateway.Host.WebConsole.LatestReadings(
            machineState ?? (IReadingWriter)buffer,
            Gateway.Host.WebConsole.LatestReadings.TrendPointsFor(config.Http.Console.TrendMinutes, loaded.Tags.Count));
        var pipeline = new NormalizationPipeline(loaded.Tags, latest, time, loggerFactory.CreateLogger<NormalizationPipeline>());
        var runtime = new GatewayRuntime(loaded, buffer, pipeline, loggerFactory, time, plugins) { MachineState = machineState, Latest = latest };

        var context = new SinkContext(
            config.Gateway.Name,
            LabelSet.From(config.Gateway.Labels),
            dataDirectory,
            loggerFactory,
            time);
        foreach (var sinkConfig in enabledSinks)
        {
            if (!plugins.Sinks.TryGet(sinkConfig.Type, out var plugin))
            {
                continue; // the loader already reported an unknown type; a valid config never gets here
            }

            var sink = plugin.Create(sinkConfig.Name, sinkConfig.Options!, context);
            await runtime.StartSinkAsync(sinkConfig, sink, cancellationToken);
        }

        machineState?.Start();
        foreach (var source in config.Sources.Where(s => s.Enabled))
        {
            runtime.StartSource(source);
        }

        return runtime;
    }

    private async Task StartSinkAsync(SinkConfig sinkConfig, ISink sink, CancellationToken cancellationToken)
    {
        try
        {
            await sink.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not fatal: the delivery loop retries, and the readings wait in the buffer.
            _logger.LogWarning("Sink {Sink} ({Type}) did not start yet: {Message}. Readings are kept in the buffer until it can deliver.", sinkConfig.Name, sinkConfig.Type, e.Message);
        }

        var loop = new SinkDeliveryLoop(Buffer, sink, Buffer.Options.Retry, Buffer.Options.BatchSize, _loggerFactory.CreateLogger($"Gateway.Sinks.{sinkConfig.Name}"), _time, Buffer.Options.BatchLinger);
        var task = Task.Run(() => loop.RunAsync(_deliveryStop.Token), CancellationToken.None);
        _sinks.Add(new RunningSink(sinkConfig, sink, loop, task));
    }

    /// <summary>The source's groups as configured (a machine's template groups, then its own), also those without tags.</summary>
    private List<SourceGroup> GroupsOf(SourceConfig source) =>
        source.Machines.SelectMany(machine =>
        {
            var labels = LabelSet.From(Config.Gateway.Labels.Concat(source.Labels).Concat(machine.Labels));
            var template = machine.Template is { } name && Config.Templates.TryGetValue(name, out var found) ? found.Groups : [];
            return template.Concat(machine.Groups)
                .Where(g => g.Options is not null)
                .Select(g => new SourceGroup(source.Name, machine.Name, g.Name, TimeSpan.FromMilliseconds(g.IntervalMs), g.Options!, g.Measurement ?? source.Name, labels));
        }).ToList();

    private void StartSource(SourceConfig source)
    {
        if (!_plugins.Sources.TryGet(source.Type, out var plugin))
        {
            return; // the loader already reported an unknown type; a valid config never gets here
        }

        // The source's resolved tags (the configuration holds them anyway) are what a restart makes its tags from again:
        // a SourceTag list kept for the source's whole run cost 104 B a tag for a restart that may never come.
        var resolved = Loaded.Tags.Where(t => string.Equals(t.Source, source.Name, StringComparison.Ordinal)).ToArray();
        var context = new SourceContext(
            Config.Gateway.Name,
            Path.GetFullPath(Config.Gateway.DataDirectory),
            _loggerFactory,
            _time,
            Config.Pki.ToApplicationIdentity(Config.Gateway.DataDirectory),
            GroupsOf(source));
        ISourceConnector Create() => plugin.Create(source.Name, source.Options!, ResolvedTag.ToSourceTags(resolved), context);
        var connector = Create();
        var activity = new SourceActivity(source.Name, source.Machines.Select(m => m.Name), Pipeline, _loggerFactory.CreateLogger($"Gateway.Sources.{source.Name}"), _time);
        var running = new RunningSource(source, connector, activity, new CancellationTokenSource());
        running.Task = Task.Run(() => SuperviseAsync(running, Create), CancellationToken.None);
        _sources[source.Name] = running;
    }

    /// <summary>
    /// Runs a source's connector until the source is stopped. A connector must not end on its own (device faults are
    /// its to retry); one that does, with an exception from a bug or by returning, would leave the machine unread on a
    /// gateway nobody watches: it is logged, replaced by a fresh instance (the old one disposed, so no session or socket
    /// is left behind) and run again after a delay that grows while it keeps failing (<see cref="RestartBackoff"/>).
    /// </summary>
    private async Task SuperviseAsync(RunningSource running, Func<ISourceConnector> create)
    {
        var name = running.Config.Name;
        var backoff = new RestartBackoff();
        while (true)
        {
            var started = _time.GetTimestamp();
            Exception? error = null;
            try
            {
                await running.Connector.RunAsync(running.Activity, running.Stop.Token);
            }
            catch (OperationCanceledException) when (running.Stop.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                error = e;
            }

            if (running.Stop.IsCancellationRequested)
            {
                return;
            }

            var delay = backoff.AfterRun(_time.GetElapsedTime(started));
            var reason = error?.Message ?? "it returned without being stopped";
            running.CountRestart(reason, _time.GetUtcNow());
            // Until the new one runs, the source says Faulted (the stopped one may still say Connected).
            running.Restarting = true;
            _logger.LogError(
                error,
                "Source {Source}: the connector stopped unexpectedly ({Reason}); the other sources keep running, and this one starts again in {Delay} s (restart {Restart})",
                name,
                reason,
                delay.TotalSeconds,
                running.Restarts);
            try
            {
                await running.Connector.DisposeAsync();
            }
            catch (Exception e)
            {
                _logger.LogWarning("Source {Source}: disposing the stopped connector failed: {Message}", name, e.Message);
            }

            while (true)
            {
                try
                {
                    await Task.Delay(delay, _time, running.Stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                try
                {
                    running.Replace(create());
                    break;
                }
                catch (Exception e)
                {
                    // Creating it worked at start; if it fails now, the next round tries again.
                    delay = backoff.AfterFailedStart();
                    _logger.LogError(e, "Source {Source}: creating the connector again failed; trying again in {Delay} s", name, delay.TotalSeconds);
                }
            }
        }
    }

    private async Task StopSourceAsync(string name)
    {
        if (!_sources.Remove(name, out var running))
        {
            return;
        }

        await running.Stop.CancelAsync();
        await running.Task;
        if (!running.Restarting)
        {
            // (a source stopped while waiting to restart has disposed its connector already)
            await running.Connector.DisposeAsync();
        }

        running.Stop.Dispose();
    }

    /// <summary>
    /// Applies a changed configuration in place when only sources or normalization changed; returns false when the
    /// change needs a restart of the whole runtime (sinks, buffer or gateway identity changed).
    /// </summary>
    public async Task<bool> TryApplyAsync(ConfigurationResult current, ConfigurationDiff diff)
    {
        // http is the listener's (users, TLS certificate), applied by the service; the data path does not read it.
        if (diff.Sinks.Any || diff.ChangedSections.Any(s => s is not ("normalize" or "logging" or "http"))
            || (MachineState is not null && diff.Sources.Any))
        {
            // The machine-state trackers are built for the machines at start: a changed source restarts them too.
            return false;
        }

        Loaded = current;
        Pipeline.Reconfigure(current.Tags);
        foreach (var name in diff.Sources.ToStop)
        {
            await StopSourceAsync(name);
        }

        foreach (var name in diff.Sources.ToStart)
        {
            var source = current.Config!.Sources.First(s => s.Name == name);
            if (source.Enabled)
            {
                StartSource(source);
            }
        }

        return true;
    }

    /// <summary>Stops reading, commits what was read, lets the sinks say goodbye, closes the buffer.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        foreach (var name in _sources.Keys.ToList())
        {
            await StopSourceAsync(name);
        }

        if (MachineState is not null)
        {
            // After the sources (nothing more to see), before the buffer closes (its last records and state file).
            await MachineState.StopAsync();
        }

        await _deliveryStop.CancelAsync();
        foreach (var sink in _sinks)
        {
            try
            {
                await sink.DeliveryTask.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            try
            {
                await sink.Sink.StopAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning("Sink {Sink}: stop failed: {Message}", sink.Config.Name, e.Message);
            }
        }

        foreach (var sink in _sinks)
        {
            await sink.Sink.DisposeAsync();
        }

        await Buffer.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _deliveryStop.Dispose();
    }
}

/// <summary>Creates the connector for a source (the host passes the OPC UA one).</summary>

public sealed record RunningSink(SinkConfig Config, ISink Sink, SinkDeliveryLoop Loop, Task DeliveryTask);

/// <summary>A running source: its configuration, its current connector (a new one after a restart), its activity.</summary>
public sealed class RunningSource(SourceConfig config, ISourceConnector connector, SourceActivity activity, CancellationTokenSource stop)
{
    private ISourceConnector _connector = connector;
    private long _restarts;
    private string? _lastRestartReason;
    private bool _restarting;
    private HealthProblem? _restartProblem;

    public SourceConfig Config { get; } = config;

    /// <summary>The connector running now; the supervisor replaces it after an unexpected stop.</summary>
    public ISourceConnector Connector => Volatile.Read(ref _connector);

    public SourceActivity Activity { get; } = activity;

    public CancellationTokenSource Stop { get; } = stop;

    /// <summary>The supervisor: runs the connector until the source is stopped (see GatewayRuntime.SuperviseAsync).</summary>
    public Task Task { get; internal set; } = Task.CompletedTask;

    /// <summary>Times the connector stopped unexpectedly and was started again.</summary>
    public long Restarts => Interlocked.Read(ref _restarts);

    /// <summary>Why the connector last stopped unexpectedly; null if it never did.</summary>
    public string? LastRestartReason => Volatile.Read(ref _lastRestartReason);

    /// <summary>What is wrong now: the restart's reason while the source waits to start again, else the connector's.</summary>
    public HealthProblem? Problem => Restarting && Volatile.Read(ref _restartProblem) is { } restart ? restart : Connector.Problem;

    internal void CountRestart(string reason, DateTimeOffset now)
    {
        Volatile.Write(ref _lastRestartReason, reason);
        Volatile.Write(ref _restartProblem, new HealthProblem($"the connector stopped unexpectedly ({reason}) and is started again after a delay", now));
        Interlocked.Increment(ref _restarts);
    }

    /// <summary>The connection state: the connector's, or Faulted while it waits to be started again.</summary>
    public ConnectionState State => Volatile.Read(ref _restarting) ? ConnectionState.Faulted : Connector.State;

    internal bool Restarting
    {
        get => Volatile.Read(ref _restarting);
        set => Volatile.Write(ref _restarting, value);
    }

    internal void Replace(ISourceConnector next)
    {
        Volatile.Write(ref _connector, next);
        Restarting = false;
    }
}
