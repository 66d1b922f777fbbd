using System.Diagnostics;
using Gateway.Buffer;
using Gateway.Core;
using Gateway.Host.CommandLine;
using Gateway.Host.Logging;
using Gateway.Host.Service;
using Prometheus;

namespace Gateway.Host.Monitoring;

/// <summary>
/// The Prometheus metrics, all prefixed `gateway_`, with labels for source, machine and sink. The parts keep their own
/// counters; this class copies them into the registry just before each scrape, so the hot path never touches Prometheus.
/// What only a kind of source or sink knows (OPC UA subscriptions, InfluxDB writes, dead letters) comes through
/// <see cref="IReportsHealth.ReportSamples"/>, so this class names no source or sink type.
/// </summary>
public sealed class GatewayMetrics
{
    private readonly Func<GatewayRuntime?> _runtime;
    private readonly Counter _readingsIn;
    private readonly Counter _badReadingsIn;
    private readonly Gauge _machineLastReadingAge;
    private readonly Gauge _sourceConnected;
    private readonly Counter _sourceOverflows;
    private readonly Counter _normalizationDropped;
    private readonly Counter _delivered;
    private readonly Counter _deliveryFailures;
    private readonly Gauge _sinkState;
    private readonly Gauge _pending;
    private readonly Gauge _oldestPendingAge;
    private readonly Counter _dropped;
    private readonly Gauge _bufferBytes;
    private readonly Counter _bufferCorrupt;
    private readonly Counter _bufferAppended;
    private readonly Counter _bufferRefused;
    private readonly Counter _cpuSeconds;
    private readonly Gauge _residentBytes;
    private readonly Gauge _threads;
    private readonly ConnectionWatch? _connections;
    private readonly Counter _sourceReconnects;
    private readonly Counter _sourceRestarts;
    private readonly Counter _sinkRestarts;
    private readonly Counter _sinkReconnects;
    private readonly Counter _oeeLateParts;
    private readonly MetricFactory _factory;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Name, string Part), Collector> _reported = new();

    public GatewayMetrics(string gatewayName, Func<GatewayRuntime?> runtime, ConnectionWatch? connections = null)
    {
        _runtime = runtime;
        _connections = connections;
        Registry = Metrics.NewCustomRegistry();
        Registry.SetStaticLabels(new Dictionary<string, string> { ["gateway"] = gatewayName });
        var factory = Metrics.WithCustomRegistry(Registry);
        _factory = factory;
        factory.CreateGauge("gateway_build_info", "Build information; the value is always 1.", "version").WithLabels(BuildInfo.Version).Set(1);
        _readingsIn = factory.CreateCounter("gateway_readings_in_total", "Readings received from a source.", "source", "machine");
        _badReadingsIn = factory.CreateCounter("gateway_bad_readings_in_total", "Readings with Bad quality received from a source.", "source", "machine");
        _machineLastReadingAge = factory.CreateGauge("gateway_machine_last_reading_age_seconds", "Seconds since the machine last sent a reading (-1 = never).", "source", "machine");
        _sourceConnected = factory.CreateGauge("gateway_source_connected", "1 when the source's connection is up, else 0.", "source");
        _sourceOverflows = factory.CreateCounter("gateway_source_overflows_total", "Readings flagged as a data gap: the server's queue overflowed and dropped values before them (OPC UA Overflow bit).", "source", "machine");
        _normalizationDropped = factory.CreateCounter("gateway_normalization_dropped_total", "Readings dropped by a normalization rule.", "rule");
        _delivered = factory.CreateCounter("gateway_readings_out_total", "Readings a sink delivered (acknowledged by the destination).", "sink");
        _deliveryFailures = factory.CreateCounter("gateway_publish_errors_total", "Failed delivery attempts by cause.", "sink", "cause");
        _sinkState = factory.CreateGauge("gateway_sink_connected", "1 when the sink is connected and delivering, else 0.", "sink");
        _pending = factory.CreateGauge("gateway_buffer_pending", "Readings in the buffer not yet delivered to the sink.", "sink");
        _oldestPendingAge = factory.CreateGauge("gateway_buffer_oldest_pending_age_seconds", "Age of the oldest reading the sink has not received.", "sink");
        _dropped = factory.CreateCounter("gateway_buffer_dropped_total", "Readings dropped by the buffer's bounds before the sink got them.", "sink");
        _bufferBytes = factory.CreateGauge("gateway_buffer_bytes", "Bytes the buffer uses on disk.");
        _bufferCorrupt = factory.CreateCounter("gateway_buffer_corrupt_total", "Damaged records skipped by the buffer (torn tail, checksum).");
        _bufferAppended = factory.CreateCounter("gateway_buffer_appended_total", "Readings committed to the buffer.");
        _bufferRefused = factory.CreateCounter("gateway_buffer_refused_total", "Readings the buffer could not store (never acknowledged to the source), by reason: disk_full, buffer_full, write_error, unencodable.", "reason");
        foreach (var reason in Enum.GetValues<BufferRefusal>())
        {
            _bufferRefused.WithLabels(StoreAndForwardBuffer.RefusalLabel(reason)); // every reason from the first scrape, at 0
        }
        _cpuSeconds = factory.CreateCounter("gateway_process_cpu_seconds_total", "CPU time of the gateway process.");
        _residentBytes = factory.CreateGauge("gateway_process_resident_memory_bytes", "Resident memory of the gateway process.");
        _threads = factory.CreateGauge("gateway_process_threads", "Threads of the gateway process.");
        _sourceReconnects = factory.CreateCounter("gateway_source_reconnects_total", "Times the source came back after its connection was lost.", "source");
        _sourceRestarts = factory.CreateCounter("gateway_source_restarts_total", "Times the source's connector stopped unexpectedly (a bug, logged with its stack) and was started again.", "source");
        _sinkRestarts = factory.CreateCounter("gateway_sink_restarts_total", "Times the sink's delivery stopped unexpectedly (logged with its stack) and started again from its last acknowledged reading.", "sink");
        _sinkReconnects = factory.CreateCounter("gateway_sink_reconnects_total", "Times the sink came back after its connection was lost.", "sink");
        _oeeLateParts = factory.CreateCounter("gateway_oee_late_parts_total", "Parts that arrived after their shift's final record, by outcome: revised (added to it within oee.lateCountGraceSeconds, its record issued again), too_late (in no shift's figures).", "machine", "outcome");
        Registry.AddBeforeCollectCallback(Update);
    }

    public CollectorRegistry Registry { get; }

    private void Update()
    {
        using (var process = Process.GetCurrentProcess())
        {
            _cpuSeconds.IncTo(process.TotalProcessorTime.TotalSeconds);
            _residentBytes.Set(process.WorkingSet64);
            _threads.Set(process.Threads.Count);
        }

        var runtime = _runtime();
        if (runtime is null)
        {
            return;
        }

        var now = DateTime.UtcNow;
        foreach (var source in runtime.Sources)
        {
            _sourceConnected.WithLabels(source.Config.Name).Set(source.State == ConnectionState.Connected ? 1 : 0);
            Copy(source.Connector, "source", source.Config.Name);
            _sourceRestarts.WithLabels(source.Config.Name).IncTo(source.Restarts);

            if (_connections is not null)
            {
                _sourceReconnects.WithLabels(source.Config.Name).IncTo(_connections.SourceReconnects(source.Config.Name));
            }

            foreach (var (machine, activity) in source.Activity.Machines)
            {
                _readingsIn.WithLabels(source.Config.Name, machine).IncTo(activity.Readings);
                _badReadingsIn.WithLabels(source.Config.Name, machine).IncTo(activity.BadReadings);
                _sourceOverflows.WithLabels(source.Config.Name, machine).IncTo(activity.DataGaps);
                var last = activity.LastReadingUtc;
                _machineLastReadingAge.WithLabels(source.Config.Name, machine).Set(last is null ? -1 : (now - last.Value).TotalSeconds);
            }
        }

        // Every machine of the oee: section gets both outcomes from the first scrape, at 0 (docs/oee.md, late parts).
        foreach (var machine in runtime.MachineState?.Status() ?? [])
        {
            _oeeLateParts.WithLabels(machine.Machine, "revised").IncTo(machine.RevisedParts);
            _oeeLateParts.WithLabels(machine.Machine, "too_late").IncTo(machine.TooLateParts);
        }

        var normalization = runtime.Pipeline.GetStatistics();
        _normalizationDropped.WithLabels("bad").IncTo(normalization.DroppedBad);
        _normalizationDropped.WithLabels("uncertain").IncTo(normalization.DroppedUncertain);
        _normalizationDropped.WithLabels("deadbandAbsolute").IncTo(normalization.DroppedDeadbandAbsolute);
        _normalizationDropped.WithLabels("deadbandPercent").IncTo(normalization.DroppedDeadbandPercent);
        _normalizationDropped.WithLabels("onlyOnChange").IncTo(normalization.DroppedOnlyOnChange);

        foreach (var sink in runtime.Sinks)
        {
            var status = sink.Loop.Status;
            _delivered.WithLabels(sink.Config.Name).IncTo(status.Delivered);
            _sinkRestarts.WithLabels(sink.Config.Name).IncTo(status.Restarts);
            foreach (var (cause, count) in status.FailuresByType)
            {
                _deliveryFailures.WithLabels(sink.Config.Name, cause).IncTo(count);
            }

            _sinkState.WithLabels(sink.Config.Name).Set(sink.Sink.State == ConnectionState.Connected ? 1 : 0);
            Copy(sink.Sink, "sink", sink.Config.Name);
            if (_connections is not null)
            {
                _sinkReconnects.WithLabels(sink.Config.Name).IncTo(_connections.SinkReconnects(sink.Config.Name));
            }
        }

        var buffer = runtime.Buffer.GetStatistics();
        _bufferBytes.Set(buffer.BytesOnDisk);
        _bufferCorrupt.IncTo(buffer.Corrupt);
        _bufferAppended.IncTo(buffer.TotalAppended);
        foreach (var (reason, count) in buffer.Refused ?? new Dictionary<string, long>())
        {
            _bufferRefused.WithLabels(reason).IncTo(count);
        }

        foreach (var sink in buffer.Sinks.Where(s => s.Configured))
        {
            _pending.WithLabels(sink.Sink).Set(sink.Pending);
            _oldestPendingAge.WithLabels(sink.Sink).Set(sink.OldestPendingAge?.TotalSeconds ?? 0);
            _dropped.WithLabels(sink.Sink).IncTo(sink.Dropped);
        }
    }

    /// <summary>Copies a part's own samples into the registry, each under the part's label (source or sink) and its own.</summary>
    private void Copy(IReportsHealth part, string partLabel, string partName)
    {
        var samples = new List<MetricSample>();
        part.ReportSamples(samples);
        foreach (var sample in samples)
        {
            string[] values = [partName, .. sample.Labels.Select(l => l.Value)];
            var collector = _reported.GetOrAdd((sample.Name, partLabel), key =>
            {
                string[] names = [key.Part, .. sample.Labels.Select(l => l.Key)];
                return sample.Kind == MetricKind.Counter
                    ? _factory.CreateCounter(sample.Name, sample.Help, names)
                    : _factory.CreateGauge(sample.Name, sample.Help, names);
            });

            if (collector is Counter counter)
            {
                counter.WithLabels(values).IncTo(sample.Value);
            }
            else
            {
                ((Gauge)collector).WithLabels(values).Set(sample.Value);
            }
        }
    }

    /// <summary>The /status document and the readiness verdict.</summary>
    public static GatewayHealth Health(string gatewayName, GatewayRuntime? runtime)
    {
        if (runtime is null)
        {
            return new GatewayHealth(gatewayName, BuildInfo.Version, BuildInfo.StartedAt, false, ["the data path is not running"], [], [], null);
        }

        var reasons = new List<string>();
        var sources = new List<SourceHealth>();
        foreach (var source in runtime.Sources)
        {
            var state = source.State;
            var problem = state == ConnectionState.Connected ? null : source.Problem;
            if (state != ConnectionState.Connected)
            {
                // "Connecting" alone does not say why: the last error and since when (connection refused, whose timeout).
                reasons.Add(problem is { } p
                    ? $"source {source.Config.Name} ({source.Config.Endpoint}) is {state}: {p.Problem} (since {LocalTimestamp.Format(p.Since)})"
                    : $"source {source.Config.Name} ({source.Config.Endpoint}) is {state}");
            }

            sources.Add(new SourceHealth(
                source.Config.Name,
                source.Config.Endpoint,
                state.ToString(),
                source.Activity.Machines.ToDictionary(m => m.Key, m => m.Value.LastReadingUtc, StringComparer.Ordinal),
                source.Activity.Machines.ToDictionary(
                    m => m.Key,
                    m =>
                    {
                        var machine = source.Connector.TagHealthOf(m.Key) ?? new MachineTagHealth(0, 0, null);
                        return new MachineHealth(m.Value.LastReadingUtc, machine.Tags, machine.BadTags, machine.FirstBadStatus, machine.Describe());
                    },
                    StringComparer.Ordinal),
                problem?.Problem,
                problem?.Since));
        }

        var buffer = runtime.Buffer.GetStatistics();
        if (buffer.IngestProblem is { } ingest)
        {
            reasons.Add(ingest);
        }

        var sinks = new List<SinkHealth>();
        foreach (var sink in runtime.Sinks)
        {
            var status = sink.Loop.Status;
            var pending = buffer.Sinks.FirstOrDefault(s => s.Sink == sink.Config.Name);
            var connection = sink.Sink.State;
            var draining = connection == ConnectionState.Connected && status.State is DeliveryState.Waiting or DeliveryState.Delivering;
            if (sink.Config.Optional)
            {
                // Its readings wait in the buffer as any sink's; it just does not hold readiness (the demo's InfluxDB).
            }
            else if (connection != ConnectionState.Connected)
            {
                reasons.Add($"sink {sink.Config.Name} is {connection}{(status.LastError is null ? "" : ": " + status.LastError)}");
            }
            else if (!draining)
            {
                reasons.Add($"sink {sink.Config.Name} is {status.State}{(status.LastError is null ? "" : ": " + status.LastError)}");
            }

            sinks.Add(new SinkHealth(
                sink.Config.Name,
                sink.Config.Type,
                connection == ConnectionState.Connected ? status.State.ToString() : connection.ToString(),
                pending?.Pending ?? 0,
                pending?.OldestPendingAge?.TotalSeconds ?? 0,
                status.Delivered,
                status.FailuresByType.Values.Sum(),
                status.LastError,
                sink.Config.Optional));
        }

        return new GatewayHealth(
            gatewayName,
            BuildInfo.Version,
            BuildInfo.StartedAt,
            reasons.Count == 0,
            reasons,
            sources,
            sinks,
            new BufferHealth(
                buffer.TotalAppended,
                buffer.BytesOnDisk,
                buffer.Sinks.Sum(s => s.Dropped),
                buffer.Corrupt,
                buffer.Refused?.Values.Sum() ?? 0,
                buffer.Refused,
                buffer.IngestProblem),
            runtime.MachineState?.Status().Select(m => new MachineStateHealth(
                m.Machine, m.State, m.Reason, m.SinceUtc, m.Shift, m.Figures?.Availability, m.Figures?.Performance, m.Figures?.Quality, m.Figures?.Oee, m.TotalCount, m.GoodCount,
                m.RevisedParts, m.TooLateParts, m.LateReadings)).ToList());
    }
}
