using Gateway.Core;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Transport;
using Gateway.OpcUa.Types;
using Microsoft.Extensions.Logging;
using Polly;

namespace Gateway.Connectors.OpcUa;

/// <summary>
/// Reads one OPC UA server for the gateway. It is the single owner of this server's connection: one reconnect loop
/// (exponential backoff with jitter, through Polly), at most one session at a time, and after every reconnect the
/// NodeIds (`nsu=`) and browse paths are resolved again, so a restarted server that renumbered its namespaces still
/// sends data to the right tags. A lost connection marks the source's tags Bad once, not on every retry.
/// </summary>
public sealed class OpcUaSourceConnector : ISourceConnector
{
    private readonly string _name;
    private readonly OpcUaSourceOptions _source;
    private readonly AcquisitionPlan _plan;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly OpcUaClientOptions _clientOptions;
    private readonly OpcUaClientSecurity? _security;
    private readonly ResiliencePipeline _reconnect;
    private readonly OutageEpisode _outage;
    private int _state = (int)ConnectionState.Disconnected;

    /// <param name="security">The PKI and certificate for `security:`/`identity:`; null connects with mode None, anonymously (tests).</param>
    public OpcUaSourceConnector(string name, OpcUaSourceOptions source, IReadOnlyList<SourceTag> tags, ILogger logger, TimeProvider time, OpcUaClientSecurity? security = null)
    {
        _name = name;
        _source = source;
        _security = security;
        _plan = AcquisitionPlan.From(tags.Select(OpcUaTag.From));
        TagHealth = new SourceTagHealth(_plan.Groups.SelectMany(g => g.Tags));
        _schedules = _plan.Groups.Where(g => g.IsPoll).ToDictionary(g => g, g => new PollSchedule(g.Interval));
        _logger = logger;
        _time = time;
        _outage = new OutageEpisode(logger, time, $"Source {_name} ({source.Endpoint})");
        _clientOptions = new OpcUaClientOptions
        {
            SessionTimeout = TimeSpan.FromMilliseconds(source.SessionTimeoutMs),
            SessionName = $"gateway {_name}",
            Channel = new() { RequestTimeout = TimeSpan.FromMilliseconds(source.RequestTimeoutMs) },
            RequestTimings = RequestTimings,
        };
        _reconnect = Resilience.Retry(
            new RetryOptions { Delay = TimeSpan.FromMilliseconds(source.Reconnect.InitialDelayMs), MaxDelay = TimeSpan.FromMilliseconds(source.Reconnect.MaxDelayMs) },
            time,
            handles: e => e is UaException or IOException or TimeoutException,
            onRetry: _ =>
            {
                Reconnects++;
                return ValueTask.CompletedTask;
            });
    }

    public string Name => _name;

    public ConnectionState State => (ConnectionState)Volatile.Read(ref _state);

    /// <summary>Failed connection attempts and lost sessions so far.</summary>
    public long Reconnects { get; private set; }

    /// <summary>Subscriptions moved to a new session with TransferSubscriptions after a lost connection (recovery without loss).</summary>
    public long SubscriptionsTransferred => Interlocked.Read(ref _subscriptionsTransferred);

    /// <summary>Subscriptions created anew after a lost session (the transfer was refused or not possible).</summary>
    public long SubscriptionsRecreated => Interlocked.Read(ref _subscriptionsRecreated);

    private long _subscriptionsTransferred;
    private long _subscriptionsRecreated;

    // The subscriptions of the last session, kept across reconnects for TransferSubscriptions.
    private readonly Dictionary<PlannedGroup, OpcUaSubscription> _subscriptions = [];
    private bool _transferOnReconnect;

    /// <summary>Tags the server refused (unknown node, bad browse path), by tag name, reported once each.</summary>
    public IReadOnlyCollection<string> RejectedTags => _rejected.Keys.ToList();

    /// <summary>How long this source's service calls take (Read, CreateMonitoredItems, ...; not Publish), across reconnects.</summary>
    public RequestTimings RequestTimings { get; } = new();

    /// <summary>Monitored items the server accepted on the current session (0 while disconnected).</summary>
    public int MonitoredItemsActive => Volatile.Read(ref _monitoredItemsActive);

    private int _monitoredItemsActive;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _rejected = new(StringComparer.Ordinal);

    // unitFromServer: the unit each such tag's EngineeringUnits property gave, read at every (re)connect.
    private volatile IReadOnlyDictionary<string, string?> _serverUnits = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>Why the source is not connected, and since when (the first failure of the running outage); null when connected.</summary>
    public (string Problem, DateTimeOffset Since)? Problem =>
        _outage.Since is { } since && _outage.Cause is { } cause ? (cause, since) : null;

    /// <summary>The latest status of every tag, per machine: what `/status` shows beside "Connected".</summary>
    public SourceTagHealth TagHealth { get; }

    /// <summary>Poll boundaries not read because the previous Read, or the wakeup, came too late (each boundary is read at most once).</summary>
    public long PollsSkipped => Interlocked.Read(ref _pollsSkipped);

    private long _pollsSkipped;

    /// <summary>Raised on the poll loop after each cycle's readings were written, with the boundary it read (for tests and diagnostics; a handler must not throw).</summary>
    public event Action<PollCycle>? PollCompleted;

    // One schedule per poll group, kept across sessions so that a reconnect never reads a boundary again.
    private readonly Dictionary<PlannedGroup, PollSchedule> _schedules;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<PlannedGroup, bool> _skipsReported = new();

    public async Task RunAsync(IReadingWriter output, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _reconnect.ExecuteAsync(
                    async ct =>
                    {
                        SetState(ConnectionState.Connecting);
                        try
                        {
                            await RunSessionAsync(output, ct);
                        }
                        catch (Exception e) when (!ct.IsCancellationRequested && e is UaException or IOException or TimeoutException)
                        {
                            // One line per outage, not one per retry; a server sending a different malformed message
                            // each time is one cause (its status), not a line per message.
                            _outage.Failed(e.Message, "Retrying with backoff", kind: e is UaException ua ? ua.StatusName : e.GetType().Name);
                            throw;
                        }
                    },
                    cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        SetState(ConnectionState.Disconnected);
    }

    private async Task RunSessionAsync(IReadingWriter output, CancellationToken cancellationToken)
    {
        // The slot is given back only after the session is closed (disposal order): never two sessions side by side.
        using var slot = await SessionSlots.AcquireAsync(_source.Endpoint, _source.MaxSessions, cancellationToken);
        // Security is applied at each attempt: a user certificate replaced on disk, or a PKI problem fixed, is picked up.
        var options = _security?.Apply(_clientOptions, _source.Security, _source.Identity, warning => _logger.LogWarning("{Source}: {Warning}", _name, warning)) ?? _clientOptions;
        // Declared before the client so it is disposed after it: closing the client can still raise ConnectionLost.
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await using var client = await OpcUaClient.ConnectAsync(_source.Endpoint, options, cancellationToken);
        UaException? lostBecause = null;
        client.ConnectionLost += e =>
        {
            lostBecause = e;
            lost.Cancel();
        };

        var addresses = await ResolveAsync(client, cancellationToken);
        _serverUnits = await ReadEngineeringUnitsAsync(client, addresses, cancellationToken);
        var itemsByGroup = _plan.Groups.ToDictionary(
            g => g,
            g => g.Tags.Where(t => addresses.ContainsKey(KeyOf(t))).Select(t => (Tag: t, Node: addresses[KeyOf(t)])).ToList());
        var (subscriptions, transferred, created) = await OpenSubscriptionsAsync(client, itemsByGroup, cancellationToken);
        var publisher = new SessionPublisher(client, subscriptions, (subscription, items, ct) => DeliverAsync(subscription, items, output, ct), _time);
        var loops = new List<Task>();
        try
        {
            foreach (var (subscription, available) in transferred)
            {
                await subscription.CatchUpAfterTransferAsync(client, available, publisher, lost.Token);
            }

            loops.Add(subscriptions.Count > 0 ? publisher.RunAsync(lost.Token) : Task.Delay(Timeout.Infinite, lost.Token));
            foreach (var subscription in created)
            {
                await subscription.CreateItemsAsync(client, itemsByGroup[subscription.Group], Reject, lost.Token);
            }

            Volatile.Write(ref _monitoredItemsActive, subscriptions.Sum(s => s.ActiveItems));
            SetState(ConnectionState.Connected);
            _outage.Recovered();
            _logger.LogInformation(
                "Source {Source}: connected to {Endpoint}; reading {Tags} tag(s) in {Groups} group(s)",
                _name,
                _source.Endpoint,
                addresses.Count,
                _plan.Groups.Count);
            loops.AddRange(_plan.Groups.Where(g => g.IsPoll && itemsByGroup[g].Count > 0).Select(g => PollAsync(client, g, itemsByGroup[g], output, lost.Token)));
            // The loops run until the session is lost; the first one to end ends them all.
            await await Task.WhenAny(loops);
        }
        catch (OperationCanceledException) when (lostBecause is not null || cancellationToken.IsCancellationRequested)
        {
        }
        catch (UaException e)
        {
            lostBecause = e;
        }
        finally
        {
            // Stop the other loops of this session before it is closed.
            Volatile.Write(ref _monitoredItemsActive, 0);
            await lost.CancelAsync();
            await Task.WhenAll(loops).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        // Part 4, 5.13.7: only a subscription whose session died with its connection is still there to transfer;
        // closing a session that still answers (watchdog, dropped subscription, shutdown) deletes its subscriptions.
        _transferOnReconnect = lostBecause is UaTransportException;
        if (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        // The connection is gone: say so once with Bad readings, then let the retry loop reconnect.
        SetState(ConnectionState.Faulted);
        await MarkBadAsync(output, StatusCodes.BadNotConnected, CancellationToken.None);
        throw lostBecause ?? new UaTransportException(StatusCodes.BadConnectionClosed, $"{_source.Endpoint}: the session ended");
    }

    /// <summary>
    /// The subscriptions of this session. Recovery order after a lost connection: TransferSubscriptions of the previous
    /// session's subscriptions (their queued notifications are then republished, nothing is lost), else create them
    /// anew. A subscription whose tags now resolve to other NodeIds (a restarted server) is always created anew. The
    /// new ones come back without monitored items: those are created once the Publish loop runs.
    /// </summary>
    private async Task<(List<OpcUaSubscription> All, List<(OpcUaSubscription Subscription, uint[] Available)> Transferred, List<OpcUaSubscription> Created)> OpenSubscriptionsAsync(
        OpcUaClient client,
        Dictionary<PlannedGroup, List<(OpcUaTag Tag, NodeId Node)>> itemsByGroup,
        CancellationToken cancellationToken)
    {
        var previous = _subscriptions.ToList();
        _subscriptions.Clear();
        var candidates = _transferOnReconnect
            ? previous.Where(p => p.Value.Monitors(itemsByGroup[p.Key])).Select(p => p.Value).ToList()
            : [];
        var transferred = new Dictionary<OpcUaSubscription, uint[]>();
        if (candidates.Count > 0)
        {
            try
            {
                transferred = await OpcUaSubscription.TransferAsync(client, candidates, cancellationToken);
            }
            catch (UaServiceException e)
            {
                _logger.LogInformation("Source {Source}: TransferSubscriptions failed ({Status}); creating the subscriptions anew", _name, e.StatusName);
            }
        }

        var all = new List<OpcUaSubscription>();
        var created = new List<OpcUaSubscription>();
        var recreated = 0;
        foreach (var group in _plan.Groups.Where(g => !g.IsPoll && itemsByGroup[g].Count > 0))
        {
            var old = previous.FirstOrDefault(p => p.Key == group).Value;
            if (old is not null && transferred.ContainsKey(old))
            {
                _subscriptions[group] = old;
                all.Add(old);
                continue;
            }

            var subscription = await OpcUaSubscription.CreateAsync(client, group, itemsByGroup[group], _clientOptions.SessionTimeout, _logger, _name, cancellationToken);
            _subscriptions[group] = subscription;
            all.Add(subscription);
            created.Add(subscription);
            recreated += old is null ? 0 : 1;
        }

        if (transferred.Count + recreated > 0)
        {
            Interlocked.Add(ref _subscriptionsTransferred, transferred.Count);
            Interlocked.Add(ref _subscriptionsRecreated, recreated);
            _logger.LogInformation(
                "Source {Source}: recovered the subscriptions: {Transferred} transferred to the new session (queued notifications kept), {Recreated} created anew",
                _name,
                transferred.Count,
                recreated);
        }

        return (all, transferred.Select(t => (t.Key, t.Value)).ToList(), created);
    }

    private ValueTask DeliverAsync(OpcUaSubscription subscription, IReadOnlyList<MonitoredItemNotification> items, IReadingWriter output, CancellationToken cancellationToken)
    {
        var received = _time.GetUtcNow().UtcDateTime;
        var tags = subscription.TagsByHandle;
        var readings = new List<Reading>(items.Count);
        foreach (var item in items)
        {
            if (item.ClientHandle < tags.Length)
            {
                var tag = tags[item.ClientHandle];
                TagHealth[tag].Record(item.Value.Status.Code);
                readings.Add(ToReading(tag, item.Value, received));
            }
        }

        return readings.Count == 0 ? ValueTask.CompletedTask : output.WriteAsync(readings, cancellationToken);
    }

    private static string KeyOf(OpcUaTag tag) => tag.Tag + "\u0000" + tag.Machine;

    /// <summary>NodeIds (with `nsu=` resolved) and browse paths turned into NodeIds for this session.</summary>
    private async Task<Dictionary<string, NodeId>> ResolveAsync(OpcUaClient client, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, NodeId>(StringComparer.Ordinal);
        var byPath = new List<OpcUaTag>();
        foreach (var tag in _plan.Groups.SelectMany(g => g.Tags))
        {
            if (tag.NodeId is not null)
            {
                try
                {
                    result[KeyOf(tag)] = client.ResolveNodeId(tag.NodeId);
                }
                catch (UaServiceException e)
                {
                    Reject(tag, e.StatusCode, e.Message);
                }
                catch (FormatException e)
                {
                    Reject(tag, StatusCodes.BadNodeIdInvalid, e.Message);
                }
            }
            else if (tag.BrowsePath is not null)
            {
                byPath.Add(tag);
            }
        }

        if (byPath.Count > 0)
        {
            var defaultNamespace = (ushort)Math.Max(0, client.NamespaceArray.Count - 1);
            var paths = byPath.Select(t => OpcUaClient.ParseBrowsePath(t.BrowsePath!, defaultNamespace)).ToList();
            var translated = await client.TranslateBrowsePathsAsync(paths, cancellationToken);
            for (var i = 0; i < byPath.Count; i++)
            {
                var found = i < translated.Length && translated[i].StatusCode.IsGood && translated[i].Targets is { Length: > 0 } targets
                    ? targets[0].TargetId.NodeId
                    : null;
                if (found is null)
                {
                    var status = i < translated.Length && translated[i].StatusCode.IsBad ? translated[i].StatusCode : new StatusCode(StatusCodes.BadUnknownResponse);
                    Reject(byPath[i], status, $"browse path '{byPath[i].BrowsePath}' did not resolve ({(i < translated.Length ? translated[i].StatusCode : "no result")})");
                }
                else
                {
                    result[KeyOf(byPath[i])] = found;
                }
            }
        }

        return result;
    }

    /// <summary>
    /// For the tags with <c>unitFromServer</c>: their AnalogItem's EngineeringUnits property (Part 8, 5.6.3), found by
    /// the browse path HasProperty/0:EngineeringUnits and read once per session, so a server whose units changed with a
    /// new project is read anew after a reconnect. A tag without the property keeps no unit, and says so once.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, string?>> ReadEngineeringUnitsAsync(OpcUaClient client, Dictionary<string, NodeId> addresses, CancellationToken cancellationToken)
    {
        var units = new Dictionary<string, string?>(StringComparer.Ordinal);
        var tags = _plan.Groups.SelectMany(g => g.Tags)
            .Where(t => t.UnitFromServer && addresses.ContainsKey(KeyOf(t)))
            .ToList();
        if (tags.Count == 0)
        {
            return units;
        }

        var paths = tags.Select(t => new BrowsePath
        {
            StartingNode = addresses[KeyOf(t)],
            Elements = [new RelativePathElement { ReferenceTypeId = WellKnownNodes.HasProperty, TargetName = new QualifiedName(0, "EngineeringUnits") }],
        }).ToList();
        var found = await client.TranslateBrowsePathsAsync(paths, cancellationToken);
        var properties = new List<(OpcUaTag Tag, NodeId Property)>();
        for (var i = 0; i < tags.Count; i++)
        {
            if (i < found.Length && found[i].StatusCode.IsGood && found[i].Targets is { Length: > 0 } targets)
            {
                properties.Add((tags[i], targets[0].TargetId.NodeId));
            }
            else
            {
                NoServerUnit(tags[i], "the node has no EngineeringUnits property (is it an AnalogItem?)");
            }
        }

        if (properties.Count == 0)
        {
            return units;
        }

        var values = await client.ReadAsync(properties.Select(p => new ReadValueId(p.Property, Attributes.Value, null)).ToList(), TimestampsToReturn.Neither, cancellationToken);
        for (var i = 0; i < properties.Count; i++)
        {
            var tag = properties[i].Tag;
            if (i < values.Length && values[i].Value.Value is ExtensionObject { Body: EUInformation information })
            {
                units[KeyOf(tag)] = information.UnitText();
                if (units[KeyOf(tag)] is null)
                {
                    NoServerUnit(tag, $"its EngineeringUnits has no display name and unit id {information.UnitId} is not in the UNECE table");
                }
            }
            else
            {
                NoServerUnit(tag, i < values.Length ? $"reading its EngineeringUnits gave {values[i].Status} and no EUInformation" : "no answer for its EngineeringUnits");
            }
        }

        return units;
    }

    private void NoServerUnit(OpcUaTag tag, string why)
    {
        if (_unitProblems.TryAdd(tag.Machine + "/" + tag.Tag, why))
        {
            _logger.LogWarning("Source {Source}: tag {Machine}/{Tag} has unitFromServer but {Why}; its readings carry no unit (set normalize.unit instead).", _name, tag.Machine, tag.Tag, why);
        }
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _unitProblems = new(StringComparer.Ordinal);

    private string? ServerUnitOf(OpcUaTag tag) =>
        tag.UnitFromServer && _serverUnits.TryGetValue(KeyOf(tag), out var unit) ? unit : null;

    private void Reject(OpcUaTag tag, StatusCode status, string why)
    {
        TagHealth[tag].Record(status.Code);
        if (_rejected.TryAdd(tag.Machine + "/" + tag.Tag, why))
        {
            _logger.LogWarning("Source {Source}: tag {Machine}/{Tag} is not read: {Why}", _name, tag.Machine, tag.Tag, why);
        }
    }

    private async Task PollAsync(OpcUaClient client, PlannedGroup group, List<(OpcUaTag Tag, NodeId Node)> items, IReadingWriter output, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return;
        }

        var reads = items.Select(i => new ReadValueId(i.Node, Attributes.Value, i.Tag.IndexRange)).ToList();
        var health = items.Select(i => TagHealth[i.Tag]).ToArray();
        var schedule = _schedules[group];
        schedule.Resume(_time.GetUtcNow());
        var firstOfSession = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = _time.GetUtcNow();
            if (!schedule.TryStart(now, out var boundary, out var skipped))
            {
                // Also after a wakeup a little before the boundary (timers and the clock disagree by a millisecond or
                // so): wait again for the same boundary rather than read it now and once more after it.
                await Task.Delay(schedule.Due - now, _time, cancellationToken);
                continue;
            }

            if (skipped > 0)
            {
                if (_skipsReported.TryAdd(group, true))
                {
                    _logger.LogWarning(
                        "Source {Source}: poll group {Machine}/{Group} skipped {Skipped} boundary(ies) of {Interval} ms before {Boundary:HH:mm:ss.fff}: the previous Read or the wakeup came too late. Each boundary is read at most once; skipped ones are counted in gateway_source_polls_skipped_total (logged once per group)",
                        _name,
                        group.Machine,
                        group.Name,
                        skipped,
                        group.IntervalMs,
                        boundary);
                }
            }

            var values = await client.ReadAsync(reads, TimestampsToReturn.Both, cancellationToken);
            var received = _time.GetUtcNow().UtcDateTime;
            var readings = new Reading[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                readings[i] = ToReading(items[i].Tag, values[i], received);
                if (health[i].RecordAndCheckNewBad(values[i].Status.Code))
                {
                    // A wrong NodeId in a poll group is Bad at every poll: name it once, as a refused monitored item is.
                    _logger.LogWarning(
                        "Source {Source}: tag {Machine}/{Tag} is not read: the server answers {Status} for {NodeId} (poll group {Group}){Hint}. Logged once per tag and status; counted in gateway_source_tags_bad",
                        _name,
                        items[i].Tag.Machine,
                        items[i].Tag.Tag,
                        values[i].Status,
                        items[i].Node,
                        group.Name,
                        HintFor(values[i].Status));
                }
            }

            await output.WriteAsync(readings, cancellationToken);
            // Counted with the cycle after them, so the counter always matches the cycles reported.
            Interlocked.Add(ref _pollsSkipped, skipped);
            PollCompleted?.Invoke(new PollCycle(group, boundary, now, skipped, firstOfSession, readings));
            firstOfSession = false;
        }
    }

    /// <summary>What the operator can do about a Bad status that names the configuration rather than the device.</summary>
    private static string HintFor(StatusCode status) => status.Base switch
    {
        StatusCodes.BadNodeIdUnknown or StatusCodes.BadNodeIdInvalid => "; check the tag's nodeId (`gateway browse` lists the server's nodes)",
        StatusCodes.BadIndexRangeInvalid or StatusCodes.BadIndexRangeNoData => "; check the tag's indexRange",
        StatusCodes.BadUserAccessDenied or StatusCodes.BadNotReadable => "; the source's identity may not read this node",
        _ => "",
    };

    private Reading ToReading(OpcUaTag tag, DataValue value, DateTime received) => new()
    {
        Source = tag.Source,
        Machine = tag.Machine,
        Tag = tag.Tag,
        Measurement = tag.Measurement,
        Value = DataValueConversion.ToReadingValue(value.Value),
        StatusCode = value.Status.Code,
        Quality = QualityOf.StatusCode(value.Status.Code),
        DataGap = value.Status.Overflow,
        SourceTimestamp = value.SourceTimestamp == default ? received : value.SourceTimestamp,
        ServerTimestamp = value.ServerTimestamp == default ? received : value.ServerTimestamp,
        GatewayTimestamp = received,
        Timestamp = value.SourceTimestamp == default ? received : value.SourceTimestamp,
        Labels = tag.Labels,
        Unit = ServerUnitOf(tag),
    };

    private async Task MarkBadAsync(IReadingWriter output, uint status, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var readings = _plan.Groups.SelectMany(g => g.Tags).Where(t => !_rejected.ContainsKey(t.Machine + "/" + t.Tag)).Select(tag =>
        {
            TagHealth[tag].Record(status);
            return new Reading
            {
                Source = tag.Source,
                Machine = tag.Machine,
                Tag = tag.Tag,
                Measurement = tag.Measurement,
                Value = ReadingValue.Null,
                StatusCode = status,
                Quality = Quality.Bad,
                SourceTimestamp = now,
                ServerTimestamp = now,
                GatewayTimestamp = now,
                Timestamp = now,
                Labels = tag.Labels,
            };
        }).ToList();
        try
        {
            await output.WriteAsync(readings, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning("Source {Source}: could not record the connection loss: {Message}", _name, e.Message);
        }
    }

    private void SetState(ConnectionState state) => Volatile.Write(ref _state, (int)state);

    // What /status, /metrics and the `gateway` measurement read, through the Core interface (no downcast in the host).
    HealthProblem? IReportsHealth.Problem => Problem is { } problem ? new HealthProblem(problem.Problem, problem.Since) : null;

    MachineTagHealth? IReportsHealth.TagHealthOf(string machine) => TagHealth.ForMachine(machine);

    void IReportsHealth.ReportSamples(ICollection<MetricSample> samples)
    {
        samples.Add(MetricSample.Counter("gateway_source_subscription_recoveries_total", "Subscriptions recovered after a lost session, by path: transfer (nothing lost) or recreate.", SubscriptionsTransferred, KeyValuePair.Create("path", "transfer")));
        samples.Add(MetricSample.Counter("gateway_source_subscription_recoveries_total", "Subscriptions recovered after a lost session, by path: transfer (nothing lost) or recreate.", SubscriptionsRecreated, KeyValuePair.Create("path", "recreate")));
        samples.Add(MetricSample.Gauge("gateway_source_monitored_items", "Monitored items the OPC UA server accepted on the current session.", MonitoredItemsActive));
        samples.Add(MetricSample.Gauge("gateway_source_monitored_items_rejected", "Tags the OPC UA server refused (unknown node, too many items, ...), each logged once by name.", _rejected.Count));
        samples.Add(MetricSample.Gauge("gateway_source_tags_bad", "Tags whose latest status is Bad (wrong NodeId, device fault, refused, not connected); each logged once by name.", TagHealth.BadTags));
        samples.Add(MetricSample.Counter("gateway_source_polls_skipped_total", "Poll boundaries not read because the previous Read or the wakeup came too late (each boundary is read at most once).", PollsSkipped));
        samples.Add(MetricSample.Counter("gateway_opcua_requests_total", "OPC UA service calls answered (Publish excepted).", RequestTimings.Count));
        samples.Add(MetricSample.CounterSeconds("gateway_opcua_request_seconds_total", "Time spent waiting for OPC UA service calls (Publish excepted); divided by the count, the mean latency.", RequestTimings.Total.TotalSeconds));
        samples.Add(MetricSample.GaugeSeconds("gateway_opcua_request_seconds_max", "The slowest OPC UA service call since the previous scrape.", RequestTimings.TakeMax().TotalSeconds));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
