using System.Collections.Concurrent;
using Gateway.Core;
using Gateway.Melsec;
using Gateway.Melsec.Client;
using Gateway.Melsec.Frames;
using Microsoft.Extensions.Logging;
using Polly;

namespace Gateway.Connectors.Melsec;

/// <summary>
/// Reads one MELSEC PLC port for the gateway. It owns the connection: one reconnect loop (exponential backoff with
/// jitter, through Polly), so a CPU that is rebooting or unplugged is asked at most once per backoff step, never in a
/// tight loop. Each tag group is read at its interval on whole boundaries with as few requests as its
/// <see cref="ReadPlan"/> allows. An end code refuses only the tags of its request (each named once in the log); a
/// timeout, a reset or a malformed frame ends the connection, marks every tag Bad once and reconnects.
/// </summary>
public sealed class MelsecSourceConnector : ISourceConnector
{
    private readonly string _name;
    private readonly MelsecSourceOptions _options;
    private readonly McClientOptions _clientOptions;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _reconnect;
    private readonly OutageEpisode _outage;
    private readonly List<PolledGroup> _groups = [];
    private readonly Dictionary<MelsecTag, TagState> _states = new(ReferenceEqualityComparer.Instance);
    private readonly List<(string Machine, TagState State)> _byMachine = [];
    private int _state = (int)ConnectionState.Disconnected;
    private long _pollsSkipped;
    private long _requests;
    private long _endCodes;
    private long _reconnects;

    public MelsecSourceConnector(string name, MelsecSourceOptions options, IReadOnlyList<SourceTag> tags, ILogger logger, TimeProvider time)
    {
        _name = name;
        _options = options;
        _clientOptions = options.ClientOptions();
        _logger = logger;
        _time = time;
        _outage = new OutageEpisode(logger, time, $"Source {name} ({Endpoint})");
        var is1E = _clientOptions.Format.Type == FrameType.Frame1E;
        foreach (var group in tags.GroupBy(t => (t.Machine, t.Group)))
        {
            var parsed = new List<MelsecTag>();
            foreach (var tag in group)
            {
                try
                {
                    parsed.Add(MelsecTag.From(tag, options.OctalInputs));
                }
                catch (FormatException e)
                {
                    // The configuration check refuses this before a gateway starts; a hand-built connector says it once.
                    _logger.LogWarning("Source {Source}: tag {Machine}/{Tag} is not read: {Why}", name, tag.Machine, tag.Tag, e.Message);
                }
            }

            foreach (var tag in parsed)
            {
                var state = new TagState();
                _states[tag] = state;
                _byMachine.Add((tag.Source.Machine, state));
            }

            var randomRead = !is1E && ((MelsecGroupOptions)group.First().GroupOptions).RandomRead;
            var plan = ReadPlan.For(
                parsed,
                is1E ? OneEFrames.MaxPoints : McClient.MaxWordPoints,
                is1E ? OneEFrames.MaxPoints : McClient.MaxBitPoints,
                options.MaxGapWords,
                randomRead ? (options.DeviceExtension ? McClient.MaxRandomPointsExtended : McClient.MaxRandomPoints) : 0);
            _groups.Add(new PolledGroup(group.Key.Machine, group.Key.Group, group.First().Interval, plan, new PollSchedule(group.First().Interval)));
        }

        _reconnect = Resilience.Retry(
            new RetryOptions { Delay = TimeSpan.FromMilliseconds(options.Reconnect.InitialDelayMs), MaxDelay = TimeSpan.FromMilliseconds(options.Reconnect.MaxDelayMs) },
            time,
            handles: IsConnectionFault,
            onRetry: _ =>
            {
                Interlocked.Increment(ref _reconnects);
                return ValueTask.CompletedTask;
            });
    }

    public string Name => _name;

    /// <summary>"melsec://192.168.0.10:5000 (3E binary)".</summary>
    public string Endpoint => MelsecSourcePlugin.EndpointText(_options);

    public ConnectionState State => (ConnectionState)Volatile.Read(ref _state);

    /// <summary>The groups and their read plans (requests per cycle), for tests and diagnostics.</summary>
    public IReadOnlyList<PolledGroup> Groups => _groups;

    public long Reconnects => Interlocked.Read(ref _reconnects);

    public long PollsSkipped => Interlocked.Read(ref _pollsSkipped);

    /// <summary>Raised after each cycle's readings were written (tests; a handler must not throw).</summary>
    public event Action<MelsecPollCycle>? PollCompleted;

    public async Task RunAsync(IReadingWriter output, CancellationToken cancellationToken)
    {
        await SourceSessions.RunAsync(
            _reconnect,
            ct =>
            {
                SetState(ConnectionState.Connecting);
                return RunSessionAsync(output, ct);
            },
            e => IsConnectionFault(e) ? e.GetType().Name : null,
            _outage,
            cancellationToken);
        SetState(ConnectionState.Disconnected);
    }

    private static bool IsConnectionFault(Exception e) => e is McException or IOException or TimeoutException or System.Net.Sockets.SocketException;

    private async Task RunSessionAsync(IReadingWriter output, CancellationToken cancellationToken)
    {
        await using var client = await McClient.ConnectAsync(_options.Host, _options.Port, _clientOptions, cancellationToken);
        SetState(ConnectionState.Connected);
        _outage.Recovered();
        _logger.LogInformation(
            "Source {Source}: connected to {Endpoint}; reading {Tags} tag(s) in {Groups} group(s) with {Requests} request(s) per cycle",
            _name,
            Endpoint,
            _states.Count,
            _groups.Count,
            _groups.Sum(g => g.Plan.Reads.Count));
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loops = _groups.Where(g => g.Plan.Reads.Count > 0).Select(g => PollAsync(client, g, output, session.Token)).ToList();
        Exception? lost = null;
        try
        {
            if (loops.Count > 0)
            {
                await await Task.WhenAny(loops);
            }
            else
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }
        catch (Exception e) when (IsConnectionFault(e))
        {
            lost = e;
        }
        finally
        {
            await session.CancelAsync();
            await Task.WhenAll(loops).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        // The connection is gone: say so once with Bad readings, then let the retry loop reconnect.
        SetState(ConnectionState.Faulted);
        await MarkBadAsync(output, lost is TimeoutException ? MelsecValues.BadTimeout : MelsecValues.BadNotConnected);
        throw lost ?? new IOException($"{Endpoint}: the connection ended");
    }

    private async Task PollAsync(McClient client, PolledGroup group, IReadingWriter output, CancellationToken cancellationToken)
    {
        group.Schedule.Resume(_time.GetUtcNow());
        var firstOfSession = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = _time.GetUtcNow();
            if (!group.Schedule.TryStart(now, out var boundary, out var skipped))
            {
                await Task.Delay(group.Schedule.Due - now, _time, cancellationToken);
                continue;
            }

            if (skipped > 0 && !group.SkipsReported)
            {
                group.SkipsReported = true;
                _logger.LogWarning(
                    "Source {Source}: poll group {Machine}/{Group} skipped {Skipped} boundary(ies) of {Interval} ms: the previous read or the wakeup came too late. Each boundary is read at most once; skipped ones are counted in gateway_source_polls_skipped_total (logged once per group)",
                    _name,
                    group.Machine,
                    group.Name,
                    skipped,
                    group.Interval.TotalMilliseconds);
            }

            var requestsBefore = client.Requests;
            var results = await group.Plan.ReadAsync(client, cancellationToken);
            Interlocked.Add(ref _requests, client.Requests - requestsBefore);
            var received = _time.GetUtcNow().UtcDateTime;
            var readings = new Reading[results.Count];
            for (var i = 0; i < results.Count; i++)
            {
                var result = results[i];
                readings[i] = Reading.StampedOnArrival(result.Tag.Source, result.Value, result.Status, received);
                Record(result);
            }

            await output.WriteAsync(readings, cancellationToken);
            Interlocked.Add(ref _pollsSkipped, skipped);
            PollCompleted?.Invoke(new MelsecPollCycle(group, boundary, now, skipped, firstOfSession, readings));
            firstOfSession = false;
        }
    }

    /// <summary>Keeps the tag's status; names the tag once per end code (or other Bad status) in the log.</summary>
    private void Record(TagResult result)
    {
        var state = _states[result.Tag];
        var text = result.EndCode is { } code ? $"end code {EndCodes.Describe(code)}" : StatusName(result.Status);
        state.Latest = result.Status;
        state.Text = text;
        if (result.Status == MelsecValues.Good)
        {
            state.Reported = null;
            return;
        }

        if (result.EndCode is not null)
        {
            Interlocked.Increment(ref _endCodes);
        }

        if (state.Reported != text)
        {
            state.Reported = text;
            _logger.LogWarning(
                "Source {Source}: tag {Machine}/{Tag} ({Device}) is not read: the PLC answers {Why}. Logged once per tag and cause; counted in gateway_source_tags_bad",
                _name,
                result.Tag.Source.Machine,
                result.Tag.Source.Tag,
                result.Tag.Device.Format(_options.OctalInputs),
                text);
        }
    }

    private static string StatusName(uint status) => status switch
    {
        MelsecValues.Good => "Good",
        MelsecValues.BadDataEncodingInvalid => "BadDataEncodingInvalid (a BCD digit above 9)",
        MelsecValues.BadNotConnected => "BadNotConnected",
        MelsecValues.BadTimeout => "BadTimeout",
        _ => $"0x{status:X8}",
    };

    private async Task MarkBadAsync(IReadingWriter output, uint status)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var readings = _states.Select(s =>
        {
            s.Value.Latest = status;
            s.Value.Text = StatusName(status);
            return Reading.StampedOnArrival(s.Key.Source, ReadingValue.Null, status, now);
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

    private void SetState(ConnectionState state) => Volatile.Write(ref _state, (int)state);

    HealthProblem? IReportsHealth.Problem => _outage.Since is { } since && _outage.Cause is { } cause ? new HealthProblem(cause, since) : null;

    MachineTagHealth? IReportsHealth.TagHealthOf(string machine)
    {
        var tags = 0;
        var bad = 0;
        string? first = null;
        foreach (var (owner, state) in _byMachine)
        {
            if (owner != machine)
            {
                continue;
            }

            tags++;
            if ((state.Latest & 0x80000000) != 0)
            {
                bad++;
                first ??= state.Text;
            }
        }

        return new MachineTagHealth(tags, bad, first);
    }

    void IReportsHealth.ReportSamples(ICollection<MetricSample> samples)
    {
        samples.Add(MetricSample.Gauge("gateway_source_tags_bad", "Tags whose latest status is Bad (refused by an end code, not connected); each logged once by name.", _states.Values.Count(s => (s.Latest & 0x80000000) != 0)));
        samples.Add(MetricSample.Counter("gateway_source_polls_skipped_total", "Poll boundaries not read because the previous read or the wakeup came too late (each boundary is read at most once).", PollsSkipped));
        samples.Add(MetricSample.Counter("gateway_melsec_requests_total", "MC protocol requests answered by the PLC (any end code).", Interlocked.Read(ref _requests)));
        samples.Add(MetricSample.Counter("gateway_melsec_end_codes_total", "Tag reads refused by an end code other than 0.", Interlocked.Read(ref _endCodes)));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class TagState
    {
        private long _latest = -1;

        public uint Latest
        {
            get => Interlocked.Read(ref _latest) is var v and >= 0 ? (uint)v : 0;
            set => Interlocked.Exchange(ref _latest, value);
        }

        public volatile string? Text;

        public string? Reported;
    }
}

/// <summary>One tag group of a MELSEC source: its interval, read plan and poll schedule.</summary>
public sealed class PolledGroup(string machine, string name, TimeSpan interval, ReadPlan plan, PollSchedule schedule)
{
    public string Machine { get; } = machine;

    public string Name { get; } = name;

    public TimeSpan Interval { get; } = interval;

    public ReadPlan Plan { get; } = plan;

    public PollSchedule Schedule { get; } = schedule;

    internal bool SkipsReported { get; set; }
}

/// <summary>One poll cycle done: the group, the boundary read, when the read started, boundaries skipped before it, its readings.</summary>
public sealed record MelsecPollCycle(PolledGroup Group, DateTimeOffset Boundary, DateTimeOffset ReadStarted, long Skipped, bool FirstOfSession, IReadOnlyList<Reading> Readings);
