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
        var latest = new Gateway.Host.WebConsole.LatestReadings(machineState ?? (IReadingWriter)buffer);
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

        var tags = Loaded.Tags.Where(t => string.Equals(t.Source, source.Name, StringComparison.Ordinal)).Select(t => t.ToSourceTag()).ToList();
        var context = new SourceContext(
            Config.Gateway.Name,
            Path.GetFullPath(Config.Gateway.DataDirectory),
            _loggerFactory,
            _time,
            Config.Pki.ToApplicationIdentity(Config.Gateway.DataDirectory),
            GroupsOf(source));
        var connector = plugin.Create(source.Name, source.Options!, tags, context);
        var activity = new SourceActivity(source.Name, source.Machines.Select(m => m.Name), Pipeline);
        var stop = new CancellationTokenSource();
        var task = Task.Run(
            async () =>
            {
                try
                {
                    await connector.RunAsync(activity, stop.Token);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
                catch (Exception e)
                {
                    // A connector must not throw for device faults; if one does, the others keep running.
                    _logger.LogError(e, "Source {Source}: the connector stopped unexpectedly", source.Name);
                }
            },
            CancellationToken.None);
        _sources[source.Name] = new RunningSource(source, connector, activity, stop, task);
    }

    private async Task StopSourceAsync(string name)
    {
        if (!_sources.Remove(name, out var running))
        {
            return;
        }

        await running.Stop.CancelAsync();
        await running.Task;
        await running.Connector.DisposeAsync();
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

public sealed record RunningSource(SourceConfig Config, ISourceConnector Connector, SourceActivity Activity, CancellationTokenSource Stop, Task Task);
