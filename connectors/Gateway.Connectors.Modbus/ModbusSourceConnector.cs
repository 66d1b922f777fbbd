using System.Collections.Concurrent;
using System.IO.Ports;

using Gateway.Core;
using Gateway.Modbus;
using Microsoft.Extensions.Logging;
using Polly;

namespace Gateway.Connectors.Modbus;

/// <summary>
/// Reads one Modbus device (or one serial line) for the gateway. It owns the connection: one reconnect loop with
/// exponential backoff and jitter (Polly, on the injected clock), so a device that is booting is asked at most once
/// per backoff step. Each poll group reads its coalesced blocks at every boundary of its interval; a block the device
/// refuses is split once into one request per tag, so a bad address fails alone; a timed-out request is retried
/// with a short backoff; a lost connection marks the tags Bad once and logs one line per outage.
/// </summary>
public sealed class ModbusSourceConnector : ISourceConnector
{
    private readonly string _name;
    private readonly ModbusSourceOptions _source;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _reconnect;
    private readonly OutageEpisode _outage;
    private readonly List<PollGroup> _groups;
    private readonly Func<ModbusSourceOptions, ModbusClient> _connect;
    private readonly ConcurrentDictionary<ModbusTag, TagState> _states = new(ReferenceEqualityComparer.Instance);
    private int _state = (int)ConnectionState.Disconnected;
    private long _requests;
    private long _requestsFailed;
    private long _pollsSkipped;
    private long _framesRefused;
    private long _retries;

    public ModbusSourceConnector(string name, ModbusSourceOptions source, IReadOnlyList<SourceTag> tags, ILogger logger, TimeProvider time, Func<ModbusSourceOptions, ModbusClient>? connect = null)
    {
        _name = name;
        _source = source;
        _logger = logger;
        _time = time;
        _connect = connect ?? ClientFor;
        _outage = new OutageEpisode(logger, time, $"Source {name} ({ModbusSourcePlugin.Endpoint(source)})");
        var modbusTags = tags.Select(t => ModbusTag.From(t, source)).ToList();
        foreach (var tag in modbusTags)
        {
            _states[tag] = new TagState();
        }

        _groups = modbusTags
            .GroupBy(t => (t.Source.Machine, t.Source.Group))
            .Select(g => new PollGroup(
                g.Key.Machine,
                g.Key.Group,
                g.First().Source.Interval,
                ReadPlanner.Plan(g, source.MaxRegistersPerRequest, source.MaxBitsPerRequest, source.MaxGap)))
            .ToList();
        _reconnect = Resilience.Retry(
            new RetryOptions { Delay = TimeSpan.FromMilliseconds(source.Reconnect.InitialDelayMs), MaxDelay = TimeSpan.FromMilliseconds(source.Reconnect.MaxDelayMs) },
            time,
            handles: e => e is ModbusException or IOException,
            onRetry: _ =>
            {
                Interlocked.Increment(ref _reconnects);
                return ValueTask.CompletedTask;
            });
    }

    public string Name => _name;

    public ConnectionState State => (ConnectionState)Volatile.Read(ref _state);

    /// <summary>Failed connection attempts and lost connections so far.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    private long _reconnects;

    /// <summary>The requests each poll of a group sends now (after coalescing, and after any split).</summary>
    public IReadOnlyDictionary<string, int> RequestsPerPoll => _groups.ToDictionary(g => $"{g.Machine}/{g.Name}", g => g.Blocks.Count);

    /// <summary>Raised after each poll's readings were written: group, boundary, readings (for tests; must not throw).</summary>
    public event Action<string, DateTimeOffset, IReadOnlyList<Reading>>? PollCompleted;

    public async Task RunAsync(IReadingWriter output, CancellationToken cancellationToken)
    {
        await SourceSessions.RunAsync(
            _reconnect,
            ct =>
            {
                SetState(ConnectionState.Connecting);
                return RunConnectionAsync(output, ct);
            },
            e => e is ModbusException or IOException ? e.GetType().Name : null,
            _outage,
            cancellationToken);
        SetState(ConnectionState.Disconnected);
    }

    private async Task RunConnectionAsync(IReadingWriter output, CancellationToken cancellationToken)
    {
        await using var client = _connect(_source);
        try
        {
            await client.ConnectAsync(cancellationToken);
            SetState(ConnectionState.Connected);
            _logger.LogInformation("Source {Source}: connected to {Endpoint}; reading {Tags} tag(s) in {Requests} request(s) per poll over {Groups} group(s)", _name, client.Endpoint, _states.Count, _groups.Sum(g => g.Blocks.Count), _groups.Count);
            using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var loops = _groups.Select(g => PollAsync(client, g, output, lost.Token)).ToList();
            try
            {
                await await Task.WhenAny(loops);
            }
            finally
            {
                await lost.CancelAsync();
                await Task.WhenAll(loops).ContinueWith(_ => { }, TaskScheduler.Default);
                Interlocked.Add(ref _framesRefused, client.Transport.FramesRefused);
            }
        }
        catch (ModbusException) when (!cancellationToken.IsCancellationRequested)
        {
            if (State == ConnectionState.Connected)
            {
                SetState(ConnectionState.Faulted);
                await MarkBadAsync(output, ModbusStatus.BadNotConnected);
            }

            throw;
        }
    }

    private async Task PollAsync(ModbusClient client, PollGroup group, IReadingWriter output, CancellationToken cancellationToken)
    {
        group.Schedule.Resume(_time.GetUtcNow());
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var now = _time.GetUtcNow();
            if (!group.Schedule.TryStart(now, out var boundary, out var skipped))
            {
                await Task.Delay(group.Schedule.Due - now, _time, cancellationToken);
                continue;
            }

            if (skipped > 0)
            {
                Interlocked.Add(ref _pollsSkipped, skipped);
                if (!group.SkipsReported)
                {
                    group.SkipsReported = true;
                    _logger.LogWarning("Source {Source}: poll group {Machine}/{Group} skipped {Skipped} boundary(ies) of {Interval} ms: the previous poll took longer than the interval. Each boundary is read at most once; counted in gateway_source_polls_skipped_total (logged once per group)", _name, group.Machine, group.Name, skipped, group.Interval.TotalMilliseconds);
                }
            }

            var readings = new List<Reading>();
            var timedOut = 0;
            var blocks = group.Blocks.ToList();
            foreach (var block in blocks)
            {
                var result = await ReadBlockAsync(client, group, block, readings, cancellationToken);
                timedOut += result == BlockResult.TimedOut ? 1 : 0;
            }

            if (readings.Count > 0)
            {
                await output.WriteAsync(readings, cancellationToken);
            }

            PollCompleted?.Invoke($"{group.Machine}/{group.Name}", boundary, readings);

            // Every request of the poll went unanswered: the device is gone (powered off, cable pulled) even if the
            // TCP connection looks open. Start again through the backoff rather than poll a silent device forever.
            if (timedOut == blocks.Count && blocks.Count > 0)
            {
                throw new ModbusTimeoutException($"{client.Endpoint}: no request of poll group {group.Machine}/{group.Name} was answered within {_source.RequestTimeoutMs} ms ({_source.Retries} retry(ies) each)");
            }
        }
    }

    private enum BlockResult
    {
        Read,
        Refused,
        TimedOut,
    }

    private async Task<BlockResult> ReadBlockAsync(ModbusClient client, PollGroup group, ReadBlock block, List<Reading> readings, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Interlocked.Increment(ref _requests);
                var received = _time.GetUtcNow().UtcDateTime;
                if (ModbusPdu.IsBitFunction(block.Function))
                {
                    var bits = await client.ReadBitsAsync(block.Function, block.Unit, (ushort)block.Start, (ushort)block.Count, cancellationToken);
                    received = _time.GetUtcNow().UtcDateTime;
                    foreach (var tag in block.Tags)
                    {
                        readings.Add(Good(tag, ReadingValue.FromBoolean(bits[tag.Address.Offset - block.Start]), received));
                    }
                }
                else
                {
                    var registers = await client.ReadRegistersAsync(block.Function, block.Unit, (ushort)block.Start, (ushort)block.Count, cancellationToken);
                    received = _time.GetUtcNow().UtcDateTime;
                    foreach (var tag in block.Tags)
                    {
                        readings.Add(Decode(tag, registers.AsSpan(tag.Address.Offset - block.Start, tag.Count), received));
                    }
                }

                return BlockResult.Read;
            }
            catch (ModbusDeviceException e)
            {
                Interlocked.Increment(ref _requestsFailed);
                if (block.Tags.Count > 1)
                {
                    // Split once: from now on each of these tags is its own request, so the bad one fails alone.
                    _logger.LogWarning("Source {Source}: {Block} answered {Exception}; reading its {Tags} tags one request each from now on, to find the one at fault", _name, block, ModbusDeviceException.NameOf(e.Code), block.Tags.Count);
                    group.Replace(block, block.Split());
                    foreach (var part in block.Split())
                    {
                        await ReadBlockAsync(client, group, part, readings, cancellationToken);
                    }

                    return BlockResult.Refused;
                }

                readings.Add(Bad(block.Tags[0], ModbusStatus.Of(e.Code), e.Message));
                return BlockResult.Refused;
            }
            catch (ModbusTimeoutException e)
            {
                Interlocked.Increment(ref _requestsFailed);
                if (attempt < _source.Retries)
                {
                    Interlocked.Increment(ref _retries);
                    // A short backoff: a busy device gets a breath before the same request again.
                    await Task.Delay(TimeSpan.FromMilliseconds(50 * (1 << attempt)), _time, cancellationToken);
                    continue;
                }

                foreach (var tag in block.Tags)
                {
                    readings.Add(Bad(tag, ModbusStatus.BadTimeout, e.Message));
                }

                return BlockResult.TimedOut;
            }
            catch (ModbusFrameException e)
            {
                // The transport has reset its channel; the next request opens a new one.
                Interlocked.Increment(ref _requestsFailed);
                foreach (var tag in block.Tags)
                {
                    readings.Add(Bad(tag, ModbusStatus.BadCommunicationError, e.Message));
                }

                return BlockResult.Refused;
            }
        }
    }

    private Reading Decode(ModbusTag tag, ReadOnlySpan<ushort> registers, DateTime received)
    {
        try
        {
            return Good(tag, ModbusValueDecoder.Decode(registers, tag.Type, tag.Order, tag.Bit), received);
        }
        catch (FormatException e)
        {
            return Bad(tag, ModbusStatus.BadDataEncodingInvalid, e.Message);
        }
    }

    private Reading Good(ModbusTag tag, ReadingValue value, DateTime received)
    {
        _states[tag].Record(ModbusStatus.Good);
        return Reading.StampedOnArrival(tag.Source, value, ModbusStatus.Good, received);
    }

    private Reading Bad(ModbusTag tag, uint status, string why)
    {
        if (_states[tag].RecordAndCheckNewBad(status))
        {
            _logger.LogWarning(
                "Source {Source}: tag {Machine}/{Tag} ({Address}, unit {Unit}) is {Status}: {Why}{Hint}. Logged once per tag and status; counted in gateway_source_tags_bad",
                _name,
                tag.Source.Machine,
                tag.Source.Tag,
                tag.Address,
                tag.Unit,
                ModbusStatus.NameOf(status),
                why,
                status == ModbusStatus.BadOutOfRange ? " (check the register: 40001 is holding:0; `gateway modbus scan` shows which addresses answer)" : "");
        }

        return Reading.StampedOnArrival(tag.Source, ReadingValue.Null, status, _time.GetUtcNow().UtcDateTime);
    }

    private async Task MarkBadAsync(IReadingWriter output, uint status)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var readings = _states.Keys.Select(tag =>
        {
            _states[tag].Record(status);
            return Reading.StampedOnArrival(tag.Source, ReadingValue.Null, status, now);
        }).ToList();
        try
        {
            await output.WriteAsync(readings, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning("Source {Source}: could not record the connection loss: {Message}", _name, e.Message);
        }
    }

    /// <summary>A client for the source's transport and timeouts (also the web console's test read).</summary>
    public static ModbusClient ClientFor(ModbusSourceOptions source)
    {
        var options = new ModbusClientOptions
        {
            RequestTimeout = TimeSpan.FromMilliseconds(source.RequestTimeoutMs),
            ConnectTimeout = TimeSpan.FromMilliseconds(source.ConnectTimeoutMs),
            MaxInFlight = source.MaxInFlight,
        };
        return source.Transport switch
        {
            ModbusTransportKind.Udp => ModbusClient.Udp(source.Host!, source.Port, options),
            ModbusTransportKind.RtuOverTcp => ModbusClient.RtuOverTcp(source.Host!, source.Port, options, new SerialLineSettings("tcp", source.Serial.BaudRate).InterFrameSilence),
            ModbusTransportKind.Rtu => ModbusClient.RtuSerial(new SerialLineSettings(source.Serial.Port!, source.Serial.BaudRate, source.Serial.Parity, source.Serial.DataBits, source.Serial.StopBits), options),
            _ => ModbusClient.Tcp(source.Host!, source.Port, options),
        };
    }

    private void SetState(ConnectionState state)
    {
        Volatile.Write(ref _state, (int)state);
        if (state == ConnectionState.Connected)
        {
            _outage.Recovered();
        }
    }

    HealthProblem? IReportsHealth.Problem => _outage.Since is { } since && _outage.Cause is { } cause ? new HealthProblem(cause, since) : null;

    MachineTagHealth? IReportsHealth.TagHealthOf(string machine)
    {
        var statuses = _states.Where(s => s.Key.Source.Machine == machine).OrderBy(s => s.Key.Source.Tag, StringComparer.Ordinal).Select(s => s.Value.Latest).ToList();
        var bad = statuses.Where(s => s is { } code && (code & 0x80000000) != 0).ToList();
        return new MachineTagHealth(statuses.Count, bad.Count, bad.Count > 0 ? $"{ModbusStatus.NameOf(bad[0]!.Value)} (0x{bad[0]!.Value:X8})" : null);
    }

    void IReportsHealth.ReportSamples(ICollection<MetricSample> samples)
    {
        samples.Add(MetricSample.Gauge("gateway_source_tags_bad", "Tags whose latest status is Bad (exception response, timeout, not connected); each logged once by name.", _states.Values.Count(s => s.Latest is { } code && (code & 0x80000000) != 0)));
        samples.Add(MetricSample.Counter("gateway_source_polls_skipped_total", "Poll boundaries not read because the previous poll took too long (each boundary is read at most once).", Interlocked.Read(ref _pollsSkipped)));
        samples.Add(MetricSample.Counter("gateway_modbus_requests_total", "Modbus read requests sent (retries included).", Interlocked.Read(ref _requests)));
        samples.Add(MetricSample.Counter("gateway_modbus_requests_failed_total", "Modbus requests answered with an exception, timed out or refused as malformed.", Interlocked.Read(ref _requestsFailed)));
        samples.Add(MetricSample.Counter("gateway_modbus_retries_total", "Modbus requests sent again after a timeout.", Interlocked.Read(ref _retries)));
        samples.Add(MetricSample.Counter("gateway_modbus_frames_refused_total", "Malformed answers (bad CRC, short frame, wrong transaction id) refused; each reset the channel.", Interlocked.Read(ref _framesRefused)));
        samples.Add(MetricSample.Counter("gateway_modbus_reconnects_total", "Failed connection attempts and lost connections.", Reconnects));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>One tag group of one machine: its interval, poll schedule and requests (which a split may change).</summary>
    private sealed class PollGroup(string machine, string name, TimeSpan interval, List<ReadBlock> blocks)
    {
        private volatile List<ReadBlock> _blocks = blocks;

        public string Machine => machine;

        public string Name => name;

        public TimeSpan Interval => interval;

        public PollSchedule Schedule { get; } = new(interval);

        public bool SkipsReported { get; set; }

        public IReadOnlyList<ReadBlock> Blocks => _blocks;

        public void Replace(ReadBlock block, IEnumerable<ReadBlock> parts)
        {
            var next = new List<ReadBlock>(_blocks);
            var at = next.IndexOf(block);
            if (at >= 0)
            {
                next.RemoveAt(at);
                next.InsertRange(at, parts);
                _blocks = next;
            }
        }
    }

    /// <summary>One tag's latest status, and the Bad status last named in the log for it.</summary>
    private sealed class TagState
    {
        private const long NotYet = -1;
        private long _latest = NotYet;
        private long _reportedBad = NotYet;

        public uint? Latest => Interlocked.Read(ref _latest) is var code and not NotYet ? (uint)code : null;

        public void Record(uint status) => Interlocked.Exchange(ref _latest, status);

        public bool RecordAndCheckNewBad(uint status)
        {
            Interlocked.Exchange(ref _latest, status);
            return Interlocked.Exchange(ref _reportedBad, status) != status;
        }
    }
}
