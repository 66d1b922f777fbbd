using Gateway.Connectors.OpcUa.Backfill;
using Gateway.Connectors.OpcUa.Discovery;
using Gateway.Connectors.OpcUa.Events;
using Gateway.Core;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Client.DataTypes;
using Gateway.OpcUa.Client.Subscriptions;
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
/// sends data to the right tags. A lost connection marks the source's tags Bad once, not on every retry. Subscribed
/// groups are mapped onto the stack's subscriptions (<see cref="GroupSubscription"/>); the stack publishes, acknowledges
/// after the readings were written, and recovers the session after a lost connection.
/// </summary>
public sealed class OpcUaSourceConnector : ISourceConnector
{
    private readonly string _name;
    private readonly OpcUaSourceOptions _source;
    private volatile AcquisitionPlan _plan;
    private readonly List<OpcUaTag> _configuredTags;
    private readonly List<(PlannedGroup Group, DiscoverOptions Options, SourceGroup Config)> _discovery;
    // The tags each discovery group has now; an unchanged tag keeps its instance, so a kept subscription still matches.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<PlannedGroup, IReadOnlyList<OpcUaTag>> _discovered = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _discoveryWarnings = new(StringComparer.Ordinal);
    private readonly HighWaterMarks? _marks;
    private readonly HistoryBackfill? _backfill;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly OpcUaClientOptions _clientOptions;
    private readonly OpcUaClientSecurity? _security;
    private readonly ResiliencePipeline _reconnect;
    private readonly OutageEpisode _outage;
    private int _state = (int)ConnectionState.Disconnected;

    /// <param name="security">The PKI and certificate for `security:`/`identity:`; null connects with mode None, anonymously (tests).</param>
    /// <param name="groups">The source's groups as configured: those with `discover:` get their tags by browsing, also without any listed.</param>
    /// <param name="dataDirectory">Where `backfill:` keeps its per-tag high-water marks (DIR/backfill/SOURCE.json); null keeps them in memory.</param>
    public OpcUaSourceConnector(
        string name,
        OpcUaSourceOptions source,
        IReadOnlyList<SourceTag> tags,
        ILogger logger,
        TimeProvider time,
        OpcUaClientSecurity? security = null,
        IReadOnlyList<SourceGroup>? groups = null,
        string? dataDirectory = null)
    {
        _name = name;
        _source = source;
        _security = security;
        _configuredTags = OpcUaTag.From(tags);
        _discovery = (groups ?? [])
            .Where(g => g.GroupOptions is OpcUaGroupOptions { Discover: not null })
            .Select(g => (new PlannedGroup(g.Machine, g.Group, (OpcUaGroupOptions)g.GroupOptions, g.Interval, []), ((OpcUaGroupOptions)g.GroupOptions).Discover!, g))
            .ToList();
        _plan = AcquisitionPlan.From(_configuredTags, _discovery.Select(d => d.Group));
        TagHealth = new SourceTagHealth(_plan.Groups.SelectMany(g => g.Tags));
        _schedules = new(_plan.Groups.Where(g => g.IsPoll).ToDictionary(g => g, g => new PollSchedule(g.Interval)));
        if (_plan.Groups.Any(g => g.Config.Backfill))
        {
            _marks = new HighWaterMarks(dataDirectory is null ? null : Path.Combine(dataDirectory, "backfill", name + ".json"));
            _backfill = new HistoryBackfill(name, _marks, logger, time);
        }

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

    // The three recovery counters count subscribed groups, whichever subscription holds them (several groups may share one).

    /// <summary>Groups whose subscription moved to a new session with TransferSubscriptions after a lost connection (the server had closed the old session).</summary>
    public long SubscriptionsTransferred => Interlocked.Read(ref _subscriptionsTransferred);

    /// <summary>Groups whose subscription was created anew after a lost session (the transfer was refused or not possible).</summary>
    public long SubscriptionsRecreated => Interlocked.Read(ref _subscriptionsRecreated);

    /// <summary>Groups whose subscription was kept after a lost connection by reactivating the session over a new one (Part 4's first choice).</summary>
    public long SubscriptionsReactivated => Interlocked.Read(ref _subscriptionsReactivated);

    /// <summary>The subscriptions on the server now (groups of one interval share one; events groups have their own).</summary>
    public int SubscriptionCount => _shares.Count;

    private long _subscriptionsTransferred;
    private long _subscriptionsRecreated;
    private long _subscriptionsReactivated;

    // The session and its group subscriptions, kept across a lost connection for the stack's recovery.
    private SessionSubscriptions? _session;
    private bool _recoverable;
    private readonly Dictionary<PlannedGroup, GroupSubscription> _groups = [];
    private readonly List<SharedSubscription> _shares = [];
    // Groups that had a subscription which is gone: creating theirs counts as a recreation.
    private readonly HashSet<PlannedGroup> _recreateDue = [];
    // Groups whose subscription the server lost with its queued values: their first values are flagged as a data gap.
    private readonly HashSet<PlannedGroup> _gapDue = [];
    private bool _subscriptionLimitReported;
    private bool _itemLimitReported;
    private int _pendingTransferLog;
    private IReadingWriter? _output;

    /// <summary>Tags the server refused (unknown node, bad browse path), by tag name, reported once each.</summary>
    public IReadOnlyCollection<string> RejectedTags => _rejected.Keys.ToList();

    /// <summary>How long this source's service calls take (Read, CreateMonitoredItems, ...; not Publish), across reconnects.</summary>
    public RequestTimings RequestTimings { get; } = new();

    /// <summary>Monitored items the server accepted on the current session (0 while disconnected).</summary>
    public int MonitoredItemsActive => Volatile.Read(ref _monitoredItemsActive);

    private int _monitoredItemsActive;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _rejected = new(StringComparer.Ordinal);

    // unitFromServer: the unit each such tag's EngineeringUnits property gave, read at every (re)connect.
    private volatile IReadOnlyDictionary<OpcUaTag, string?> _serverUnits = new Dictionary<OpcUaTag, string?>(ReferenceEqualityComparer.Instance);

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
    private readonly System.Collections.Concurrent.ConcurrentDictionary<PlannedGroup, PollSchedule> _schedules;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<PlannedGroup, bool> _skipsReported = new();

    public async Task RunAsync(IReadingWriter output, CancellationToken cancellationToken)
    {
        _output = output;
        await SourceSessions.RunAsync(
            _reconnect,
            ct =>
            {
                SetState(ConnectionState.Connecting);
                return RunSessionAsync(output, ct);
            },
            // A server sending a different malformed message each time is one cause (its status), not a line per message.
            e => e switch
            {
                UaException ua => ua.StatusName,
                IOException or TimeoutException => e.GetType().Name,
                _ => null,
            },
            _outage,
            cancellationToken);
        await EndSessionAsync();
        SetState(ConnectionState.Disconnected);
    }

    private async Task RunSessionAsync(IReadingWriter output, CancellationToken cancellationToken)
    {
        // The slot is given back only after the session is closed or its connection is gone: never two sessions side by side.
        using var slot = await AcquireSessionSlotAsync(cancellationToken);
        // Security is applied at each attempt: a user certificate replaced on disk, or a PKI problem fixed, is picked up.
        var options = _security?.Apply(_clientOptions, _source.Security, _source.Identity, warning => _logger.LogWarning("{Source}: {Warning}", _name, warning)) ?? _clientOptions;
        var session = await OpenSessionAsync(options, cancellationToken);
        var client = session.Client;
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        UaException? lostBecause = null;
        // Both handlers run on the stack's threads (the receive loop, the Publish loop) and may still be running when
        // this attempt has ended and disposed `lost`: the channel fails the waiting requests before it raises
        // ConnectionLost, so the session can end in between. Cancelling then has nothing left to stop.
        void OnLost(UaException e)
        {
            lostBecause = e;
            CancelIfRunning(lost);
        }

        // The server's namespaces moved inside this session: every `nsu=` NodeId, browse path and encoding id resolved
        // with the old table may name another node now. The structure catalog goes at once (no value is decoded with
        // stale encoding ids); the session ends and the next one, at once, resolves everything again.
        (IReadOnlyList<string> Before, IReadOnlyList<string> After)? namespacesMoved = null;
        void OnNamespacesMoved(IReadOnlyList<string> before, IReadOnlyList<string> after)
        {
            _structures = null;
            namespacesMoved = (before, after);
            CancelIfRunning(lost);
        }

        client.ConnectionLost += OnLost;
        client.NamespaceArrayChanged += OnNamespacesMoved;
        var loops = new List<Task>();
        var rediscovered = false;
        try
        {
            if (_discovery.Count > 0)
            {
                await DiscoverAsync(client, lost.Token);
            }

            var addresses = await ResolveAsync(client, cancellationToken);
            _serverUnits = await ReadEngineeringUnitsAsync(client, addresses, cancellationToken);
            _structures = await ResolveStructuresAsync(client, addresses, cancellationToken);
            var itemsByGroup = _plan.Groups.ToDictionary(
                g => g,
                g => g.Tags.Where(addresses.ContainsKey).Select(t => (Tag: t, Node: addresses[t])).ToList());
            // Groups to backfill: their live values are held back (Deliver waits) until the history up to now is written.
            var backfilling = _backfill is null ? [] : BackfillDue(itemsByGroup);
            foreach (var group in backfilling.Where(g => !g.IsPoll))
            {
                _backfillGates[group] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            var created = await OpenSubscriptionsAsync(session, itemsByGroup, cancellationToken);
            // The Publish requests flow before the monitored items are created, so the first items' queues do not
            // overflow while the last are created.
            loops.Add(session.RunAsync(lost.Token));
            foreach (var group in created.Where(g => g.Group.IsEvents))
            {
                await CreateEventItemsAsync(client, group, lost.Token);
            }

            // The groups placed in one subscription get their items together, in calls of at most ItemsPerCreateCall.
            foreach (var joined in created.Where(g => !g.Group.IsEvents).GroupBy(g => g.Shared))
            {
                await CreateItemsAsync(joined.Key, joined.ToList(), lost.Token);
            }

            // Part 9, 5.5.7: after every (re)connect, the alarms active now (also those raised during a gap).
            foreach (var events in _groups.Values.Where(g => g.Group.IsEvents))
            {
                await RefreshConditionsAsync(client, events, lost.Token);
            }

            // After the items exist, so that the history read reaches past their first values: nothing falls between.
            foreach (var group in backfilling)
            {
                await BackfillAsync(client, group, itemsByGroup[group], output, lost.Token);
                if (_backfillGates.TryRemove(group, out var gate))
                {
                    gate.TrySetResult();
                }
            }

            Volatile.Write(ref _monitoredItemsActive, _shares.Sum(s => s.Subscription.ItemCount));
            SetState(ConnectionState.Connected);
            _outage.Recovered();
            _logger.LogInformation(
                "Source {Source}: connected to {Endpoint}; reading {Tags} tag(s) in {Groups} group(s)",
                _name,
                _source.Endpoint,
                addresses.Count,
                _plan.Groups.Count);
            loops.AddRange(_plan.Groups.Where(g => g.IsPoll && itemsByGroup[g].Count > 0).Select(g => PollAsync(client, g, itemsByGroup[g], output, lost.Token)));
            // The session may last for days and never looks at the resolve table again (100,000 tags: 3 MB of entries).
            addresses.Clear();
            addresses.TrimExcess();
            if (_discovery.Any(d => d.Options.EveryMinutes > 0))
            {
                loops.Add(Task.Run(async () => rediscovered = await RediscoverAsync(client, lost.Token), CancellationToken.None));
            }

            if (_marks is not null)
            {
                loops.Add(SaveMarksAsync(lost.Token));
            }

            // The loops run until the session is lost; the first one to end ends them all.
            await await Task.WhenAny(loops);
        }
        catch (OperationCanceledException) when (lostBecause is not null || namespacesMoved is not null || cancellationToken.IsCancellationRequested)
        {
        }
        catch (UaException e) when (namespacesMoved is null)
        {
            lostBecause ??= e;
        }
        catch (UaException) when (namespacesMoved is not null)
        {
            // A call that failed because the session was being left for the namespace change.
        }
        finally
        {
            // Stop the other loops of this session before it is closed or kept.
            Volatile.Write(ref _monitoredItemsActive, 0);
            foreach (var gate in _backfillGates.Values)
            {
                gate.TrySetCanceled();
            }

            _backfillGates.Clear();
            await lost.CancelAsync();
            await Task.WhenAll(loops).ContinueWith(_ => { }, TaskScheduler.Default);
            client.ConnectionLost -= OnLost;
            client.NamespaceArrayChanged -= OnNamespacesMoved;
            _marks?.Save();
        }

        if (namespacesMoved is { } moved && lostBecause is null && !cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _namespaceChanges);
            _logger.LogWarning(
                "Source {Source}: the server's NamespaceArray changed during the session ({Before} -> {After} namespaces{Moved}); resolving the tags (`nsu=`), notifiers and structure types again on a new session",
                _name,
                moved.Before.Count,
                moved.After.Count,
                MovedNamespaces(moved.Before, moved.After));
            await EndSessionAsync();
            return;
        }

        if (rediscovered && lostBecause is null && !cancellationToken.IsCancellationRequested)
        {
            // The tag list changed: the next session (at once, no backoff) subscribes and polls the new list.
            await EndSessionAsync();
            return;
        }

        // Part 4, 6.7: a session lost with its connection is kept, to be reactivated or its subscriptions transferred;
        // one that still answers (watchdog, dropped subscription, shutdown) is closed, deleting its subscriptions.
        _recoverable = lostBecause is UaTransportException && !cancellationToken.IsCancellationRequested;
        if (!_recoverable)
        {
            await EndSessionAsync();
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        // The connection is gone: say so once with Bad readings, then let the retry loop reconnect.
        SetState(ConnectionState.Faulted);
        await MarkBadAsync(output, StatusCodes.BadNotConnected, CancellationToken.None);
        throw lostBecause ?? new UaTransportException(StatusCodes.BadConnectionClosed, $"{_source.Endpoint}: the session ended");
    }

    private static void CancelIfRunning(CancellationTokenSource attempt)
    {
        try
        {
            attempt.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The session attempt already ended.
        }
    }

    private long _namespaceChanges;

    /// <summary>Times the server's NamespaceArray changed inside a session (each one resolved everything again on a new session).</summary>
    public long NamespaceChanges => Interlocked.Read(ref _namespaceChanges);

    /// <summary>For the log: which namespace URIs changed their index (at most three named).</summary>
    private static string MovedNamespaces(IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        var moved = before.Select((uri, index) => (uri, index, now: after.ToList().IndexOf(uri)))
            .Where(m => m.index != m.now)
            .Select(m => m.now < 0 ? $"{m.uri} gone (was {m.index})" : $"{m.uri} {m.index} -> {m.now}")
            .ToList();
        return moved.Count == 0 ? "" : "; " + string.Join(", ", moved.Take(3)) + (moved.Count > 3 ? $" and {moved.Count - 3} more" : "");
    }

    /// <summary>
    /// A slot under `maxSessions`. Another source of this gateway naming the same server may hold it for as long as it
    /// runs, so a wait past <see cref="SessionSlotPatience"/> is said once in the log, naming the key to change: a
    /// source that waits without a word looks like a dead machine.
    /// </summary>
    private async Task<IDisposable> AcquireSessionSlotAsync(CancellationToken cancellationToken)
    {
        var acquiring = SessionSlots.AcquireAsync(_source.Endpoint, _source.MaxSessions, cancellationToken);
        try
        {
            return await acquiring.WaitAsync(SessionSlotPatience, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            Interlocked.Increment(ref _sessionSlotWaits);
            _logger.LogWarning(
                "Source {Source}: waiting for a session on {Endpoint}: this gateway already holds maxSessions = {MaxSessions} there for another source naming the same server. Read those machines through one source, or raise `maxSessions` on every source naming this server (if the server allows more sessions)",
                _name, _source.Endpoint, Math.Max(1, _source.MaxSessions));
            return await acquiring;
        }
    }

    /// <summary>How long a source waits for a session slot before it says so in the log.</summary>
    internal static readonly TimeSpan SessionSlotPatience = TimeSpan.FromSeconds(15);

    private long _sessionSlotWaits;

    /// <summary>Times this source waited past <see cref="SessionSlotPatience"/> for a session slot another source held.</summary>
    public long SessionSlotWaits => Interlocked.Read(ref _sessionSlotWaits);

    /// <summary>
    /// The session for this attempt: after a lost connection, the previous one recovered by the stack in Part 4's order
    /// (reactivated, else its subscriptions transferred to a new session); otherwise a new one.
    /// </summary>
    private async Task<SessionSubscriptions> OpenSessionAsync(OpcUaClientOptions options, CancellationToken cancellationToken)
    {
        if (_session is { } previous && _recoverable)
        {
            SessionRecovery recovery;
            try
            {
                recovery = await previous.RecoverAsync(ct => OpcUaClient.ConnectAsync(_source.Endpoint, options, ct), recreate: false, cancellationToken);
            }
            catch (UaServiceException e)
            {
                // Not a reachability problem (that is retried as it is): the server refused the recovery itself.
                _logger.LogInformation("Source {Source}: recovering the session failed ({Status}); starting a new one", _name, e.StatusName);
                await EndSessionAsync();
                return await OpenSessionAsync(options, cancellationToken);
            }

            _recoverable = false;
            foreach (var lostShare in _shares.Where(s => recovery.Lost.Contains(s.Subscription)).ToList())
            {
                // Created again by OpenSubscriptionsAsync, with NodeIds resolved anew (a restarted server may renumber);
                // the values the server had queued for this subscription's groups (and no other's) are gone.
                _shares.Remove(lostShare);
                foreach (var lostGroup in lostShare.Groups)
                {
                    _groups.Remove(lostGroup.Group);
                    _recreateDue.Add(lostGroup.Group);
                    _gapDue.Add(lostGroup.Group);
                }
            }

            var keptGroups = _shares.Where(s => recovery.Kept.Contains(s.Subscription)).Sum(s => s.Groups.Count);
            if (recovery.Path == RecoveryPath.Reactivated)
            {
                Interlocked.Add(ref _subscriptionsReactivated, keptGroups);
                _logger.LogInformation("Source {Source}: reactivated the session over a new connection: {Kept} subscription(s) kept ({Groups} group(s)), queued notifications republished", _name, recovery.Kept.Count, keptGroups);
            }
            else
            {
                Interlocked.Add(ref _subscriptionsTransferred, keptGroups);
                _pendingTransferLog = keptGroups;
            }

            return previous;
        }

        await EndSessionAsync();
        var client = await OpcUaClient.ConnectAsync(_source.Endpoint, options, cancellationToken);
        var session = new SessionSubscriptions(client, _time);
        session.MessageLost += (subscription, sequence) =>
        {
            // Only the groups of this subscription missed values; each of their tags flags its next one.
            // No copy of the list: it changes only between sessions' Publish loops, never while this handler can run.
            var lostIn = _shares.FirstOrDefault(s => ReferenceEquals(s.Subscription, subscription));
            lostIn?.FlagGap();
            _logger.LogWarning(
                "Source {Source}: notification {Sequence} of {Subscription} is lost (the server no longer has it); the next value of each tag of its {Groups} is flagged as a data gap",
                _name,
                sequence,
                subscription.Name,
                lostIn?.Describe() ?? "groups");
        };
        _session = session;
        return session;
    }

    /// <summary>Closes the current session, if any (its subscriptions with it); the groups that had one are created anew next time.</summary>
    private async Task EndSessionAsync()
    {
        _recoverable = false;
        if (_session is { } session)
        {
            _session = null;
            _recreateDue.UnionWith(_groups.Keys);
            _groups.Clear();
            _shares.Clear();
            await session.Client.DisposeAsync();
        }
    }

    /// <summary>
    /// The subscriptions of this session: a kept group (reactivated or transferred) stays when its tags still resolve to
    /// the same NodeIds; a changed or removed group leaves its subscription (its items deleted, the others' kept); the
    /// others join a subscription of equal settings with room, or a new one, without monitored items yet (those come
    /// once Publish runs). Returns the groups placed now.
    /// </summary>
    private async Task<List<GroupSubscription>> OpenSubscriptionsAsync(
        SessionSubscriptions session,
        Dictionary<PlannedGroup, List<(OpcUaTag Tag, NodeId Node)>> itemsByGroup,
        CancellationToken cancellationToken)
    {
        foreach (var (group, kept) in _groups.ToList())
        {
            if (!group.IsPoll && itemsByGroup.TryGetValue(group, out var same) && kept.Monitors(same))
            {
                continue;
            }

            await LeaveAsync(kept, cancellationToken);
            _recreateDue.Add(group);
        }

        var limits = await SubscriptionLimitsAsync(session.Client, cancellationToken);
        var created = new List<GroupSubscription>();
        var refused = new List<PlannedGroup>();
        var recreated = 0;
        foreach (var group in _plan.Groups.Where(g => !g.IsPoll))
        {
            var items = itemsByGroup[group];
            if (items.Count == 0 || _groups.ContainsKey(group))
            {
                continue;
            }

            if (refused.Count > 0)
            {
                refused.Add(group); // the server refused a subscription: it refuses the next ones too
                continue;
            }

            var settings = GroupSubscription.SettingsFor(group, _clientOptions.SessionTimeout);
            var exclusive = group.IsEvents || !_source.ShareSubscriptions;
            var shared = exclusive ? null : _shares.FirstOrDefault(s => !s.IsExclusive && s.Settings == settings && s.Fits(items.Count));
            if (shared is null)
            {
                shared = new SharedSubscription(settings, limits.ItemsPerSubscription, exclusive);
                var joining = shared;
                var name = exclusive ? $"group {group.Machine}/{group.Name}" : $"{group.IntervalMs} ms #{_shares.Count(s => s.Settings == settings) + 1}";
                try
                {
                    shared.Subscription = await session.CreateAsync(settings with { DisplayName = name }, (notification, ct) => DeliverAsync(joining, notification, ct), cancellationToken);
                }
                catch (UaServiceException e) when (e.StatusCode == StatusCodes.BadTooManySubscriptions)
                {
                    refused.Add(group);
                    continue;
                }

                _shares.Add(shared);
                if (Math.Abs(shared.Subscription.PublishingInterval.TotalMilliseconds - group.IntervalMs) > 0.5)
                {
                    _logger.LogInformation(
                        "Source {Source}: subscription {Subscription}: the server revised the publishing interval from {Requested} ms to {Revised} ms",
                        _name,
                        shared.Subscription.Name,
                        group.IntervalMs,
                        shared.Subscription.PublishingInterval.TotalMilliseconds);
                }
            }

            var mapped = shared.Add(group, items);
            _groups[group] = mapped;
            created.Add(mapped);
            recreated += _recreateDue.Remove(group) ? 1 : 0;
            if (_gapDue.Remove(group))
            {
                mapped.FlagGap();
            }
        }

        if (refused.Count > 0)
        {
            ReportTooManySubscriptions(refused, limits);
        }

        var transferred = _pendingTransferLog;
        _pendingTransferLog = 0;
        if (transferred + recreated > 0)
        {
            Interlocked.Add(ref _subscriptionsRecreated, recreated);
            _logger.LogInformation(
                "Source {Source}: recovered the subscriptions: {Transferred} transferred to the new session (queued notifications kept), {Recreated} created anew (counted by group; {Subscriptions} subscription(s) now)",
                _name,
                transferred,
                recreated,
                _shares.Count);
        }

        return created;
    }

    /// <summary>Takes a group out of its subscription: its items deleted, or the subscription when it was the last group.</summary>
    private async Task LeaveAsync(GroupSubscription group, CancellationToken cancellationToken)
    {
        _groups.Remove(group.Group);
        var shared = group.Shared;
        shared.Remove(group);
        if (shared.Groups.Count == 0)
        {
            _shares.Remove(shared);
            await shared.Subscription.DeleteAsync(cancellationToken);
        }
        else
        {
            await shared.Subscription.RemoveItemsAsync(group.Handles.ToList(), cancellationToken);
        }
    }

    /// <summary>What the server publishes in ServerCapabilities (Part 5, 6.3.2; 0 = not published) and the items per shared subscription that follow.</summary>
    private readonly record struct SubscriptionLimits(uint SubscriptionsPerSession, uint ItemsPerSubscriptionPublished, int ItemsPerSubscription);

    private static readonly NodeId MaxSubscriptionsPerSessionNode = new(0, 24098u);
    private static readonly NodeId MaxMonitoredItemsPerSubscriptionNode = new(0, 24104u);

    private async Task<SubscriptionLimits> SubscriptionLimitsAsync(OpcUaClient client, CancellationToken cancellationToken)
    {
        uint perSession = 0;
        uint perSubscription = 0;
        try
        {
            var values = await client.ReadAsync([new ReadValueId(MaxSubscriptionsPerSessionNode), new ReadValueId(MaxMonitoredItemsPerSubscriptionNode)], TimestampsToReturn.Neither, cancellationToken);
            perSession = values.Length > 0 && values[0].Status.IsGood && values[0].Value.TryGetInt64(out var sessions) && sessions > 0 ? (uint)Math.Min(sessions, uint.MaxValue) : 0;
            perSubscription = values.Length > 1 && values[1].Status.IsGood && values[1].Value.TryGetInt64(out var items) && items > 0 ? (uint)Math.Min(items, uint.MaxValue) : 0;
        }
        catch (UaServiceException)
        {
            // A server older than 1.05 may refuse the read as a whole: no published limits.
        }

        var itemsPerSubscription = perSubscription > 0 ? (int)Math.Min(perSubscription, (uint)_source.MaxItemsPerSubscription) : _source.MaxItemsPerSubscription;
        return new SubscriptionLimits(perSession, perSubscription, itemsPerSubscription);
    }

    /// <summary>
    /// The server refused a subscription (BadTooManySubscriptions): the groups placed before keep delivering; the others
    /// are Bad, named once in one error with the limit and the option that fixes it.
    /// </summary>
    private void ReportTooManySubscriptions(List<PlannedGroup> refused, SubscriptionLimits limits)
    {
        foreach (var tag in refused.SelectMany(g => g.Tags))
        {
            TagHealth[tag].Record(StatusCodes.BadTooManySubscriptions);
        }

        if (_subscriptionLimitReported)
        {
            return;
        }

        _subscriptionLimitReported = true;
        var intervals = _plan.Groups.Where(g => !g.IsPoll && !g.IsEvents).Select(g => g.IntervalMs).Distinct().Count();
        var fix = _source.ShareSubscriptions
            ? $"The subscribed groups use {intervals} distinct intervalMs in subscriptions of at most {limits.ItemsPerSubscription} items: use fewer distinct intervals, raise `maxItemsPerSubscription` on the source (if the server's MaxMonitoredItemsPerSubscription allows), or raise the server's limit"
            : "Set `shareSubscriptions: true` on the source (the default): groups of one interval then share a subscription";
        _logger.LogError(
            "Source {Source}: the server {Endpoint} refused a further subscription (BadTooManySubscriptions) after {Created} on this session (its MaxSubscriptionsPerSession: {Published}); {Refused} group(s) get no data ({Names}). {Fix}. The {Created} subscription(s) created keep delivering",
            _name,
            _source.Endpoint,
            _shares.Count,
            limits.SubscriptionsPerSession > 0 ? limits.SubscriptionsPerSession.ToString(System.Globalization.CultureInfo.InvariantCulture) : "not published",
            refused.Count,
            string.Join(", ", refused.Take(5).Select(g => g.Machine + "/" + g.Name)) + (refused.Count > 5 ? $" and {refused.Count - 5} more" : ""),
            fix,
            _shares.Count);
    }

    /// <summary>Monitored items per CreateMonitoredItems call of a shared subscription (fewer when the server's MaxMonitoredItemsPerCall is lower).</summary>
    private const int ItemsPerCreateCall = 1000;

    /// <summary>
    /// The monitored items of the groups just placed in one subscription, in calls of at most ItemsPerCreateCall (the stack
    /// splits further by the server's per-call limit); an item the server refuses is reported by name, a per-subscription limit once for the source.
    /// </summary>
    private async Task CreateItemsAsync(SharedSubscription shared, List<GroupSubscription> groups, CancellationToken cancellationToken)
    {
        var requests = groups.SelectMany(g => g.ItemRequests()).ToList();
        // At most ItemsPerCreateCall per call even when the server takes more: the Publish answers of the subscriptions
        // already running then interleave with the creation, as they did with one call per group (a 10,000-item call on
        // a loaded server held them back long enough for item queues to overflow).
        var results = new List<MonitoredItemCreateResult>(requests.Count);
        var reducedTo = 0;
        for (var start = 0; start < requests.Count; start += ItemsPerCreateCall)
        {
            var slice = requests.GetRange(start, Math.Min(ItemsPerCreateCall, requests.Count - start));
            var sliceAdded = await shared.Subscription.AddItemsAsync(slice, TimestampsToReturn.Both, cancellationToken);
            results.AddRange(sliceAdded.Results);
            reducedTo = sliceAdded.CallSizeReducedTo > 0 ? sliceAdded.CallSizeReducedTo : reducedTo;
        }

        var added = new MonitoredItemsAdded([.. results], reducedTo);
        if (added.CallSizeReducedTo > 0)
        {
            _logger.LogInformation("Source {Source}: the server refused a larger call (BadTooManyOperations); creating {Batch} monitored items per call", _name, added.CallSizeReducedTo);
        }

        var revisedSampling = 0;
        var revisedQueue = 0;
        var tooMany = 0;
        var offset = 0;
        foreach (var group in groups)
        {
            for (var i = 0; i < group.TagsByHandle.Length; i++)
            {
                var result = added.Results[offset + i];
                var asked = requests[offset + i].RequestedParameters;
                if (result.StatusCode.Code == StatusCodes.BadTooManyMonitoredItems)
                {
                    // A server limit, not a tag's fault: said once for the source below, not once per tag.
                    tooMany++;
                    TagHealth[group.TagsByHandle[i]].Record(result.StatusCode.Code);
                    continue;
                }

                if (result.StatusCode.IsBad)
                {
                    // One rejected item never stops the others; it is reported once, by name.
                    Reject(group.TagsByHandle[i], result.StatusCode, $"the server refused the monitored item: {result.StatusCode}");
                    continue;
                }

                group.GrantedQueueSize = result.RevisedQueueSize;
                revisedSampling += asked.SamplingInterval >= 0 && Math.Abs(result.RevisedSamplingInterval - asked.SamplingInterval) > 0.5 ? 1 : 0;
                revisedQueue += result.RevisedQueueSize != asked.QueueSize ? 1 : 0;
            }

            offset += group.TagsByHandle.Length;
        }

        if (tooMany > 0 && !_itemLimitReported && groups.Count == 1 && shared.Groups.Count == 1)
        {
            // One group alone is over the server's limit: a smaller maxItemsPerSubscription cannot help (a group is never
            // split over subscriptions), only a smaller group can.
            _itemLimitReported = true;
            var group = groups[0].Group;
            _logger.LogError(
                "Source {Source}: the server {Endpoint} refused {Refused} of the {Items} monitored items of group {Group} of machine {Machine} with BadTooManyMonitoredItems: it holds at most {Accepted} items per subscription, and a group keeps its items in one subscription. Split the group into groups of at most {Limit} tags (or raise the server's MaxMonitoredItemsPerSubscription); the items it accepted keep delivering",
                _name,
                _source.Endpoint,
                tooMany,
                requests.Count,
                group.Name,
                group.Machine,
                requests.Count - tooMany,
                requests.Count - tooMany);
        }
        else if (tooMany > 0 && !_itemLimitReported)
        {
            _itemLimitReported = true;
            _logger.LogError(
                "Source {Source}: the server {Endpoint} refused {Refused} monitored item(s) with BadTooManyMonitoredItems in the {Subscription}: it holds fewer items per subscription than that. Set `maxItemsPerSubscription` on the source below the server's limit (now {Max}); the items it accepted keep delivering",
                _name,
                _source.Endpoint,
                tooMany,
                shared.Describe(),
                shared.Capacity);
        }

        if (revisedSampling + revisedQueue > 0)
        {
            // Part 4, 5.12.1: the server may revise what was asked; the revised values are what it will do.
            _logger.LogInformation(
                "Source {Source}: {Subscription}: the server revised the sampling interval of {Sampling} and the queue size of {Queue} of {Items} item(s)",
                _name,
                shared.Describe(),
                revisedSampling,
                revisedQueue,
                requests.Count);
        }
    }

    /// <summary>
    /// An events group's monitored items: one per notifier ({machine} substituted, `nsu=` resolved), with the EventFilter
    /// of its fields and where clause; a notifier or filter the server refuses is reported by name.
    /// </summary>
    private async Task CreateEventItemsAsync(OpcUaClient client, GroupSubscription group, CancellationToken cancellationToken)
    {
        var config = group.Group.Config;
        var tag = group.Group.Tags[0];
        var written = config.Notifiers.Count == 0 ? ["i=2253"] : config.Notifiers.Select(n => n.Replace("{machine}", tag.Machine, StringComparison.Ordinal)).ToList();
        EventSelection selection;
        List<NodeId> notifiers;
        try
        {
            notifiers = written.Select(client.ResolveNodeId).ToList();
            selection = EventSelection.For(config, type => EventTypes.ByName.TryGetValue(type, out var standard) ? standard : client.ResolveNodeId(type));
        }
        catch (Exception e) when (e is UaServiceException or FormatException)
        {
            Reject(tag, new StatusCode(StatusCodes.BadNodeIdInvalid), $"events group {group.Group.Name}: {e.Message} (check `notifiers` and `where.ofType`)");
            return;
        }

        _eventSelections[group.Group] = selection;
        var requests = GroupSubscription.EventItemsFor(group.Group, notifiers, selection.Filter);
        var added = await group.Subscription.AddItemsAsync(requests, TimestampsToReturn.Both, cancellationToken);
        for (var i = 0; i < added.Results.Length; i++)
        {
            var result = added.Results[i];
            if (result.StatusCode.IsBad)
            {
                Reject(tag, result.StatusCode, $"the server refused the event subscription of notifier {written[i]}: {result.StatusCode} (is it an object with the SubscribeToEvents bit of EventNotifier set?)");
            }
            else if (result.FilterResult.Body is EventFilterResult filterResult && FilterProblems(filterResult, selection) is { Length: > 0 } problems)
            {
                _logger.LogWarning("Source {Source}: events group {Machine}/{Group}: the server refused part of the event filter of {Notifier}: {Problems}", _name, tag.Machine, group.Group.Name, written[i], problems);
            }
        }
    }

    private static string FilterProblems(EventFilterResult result, EventSelection selection)
    {
        var problems = new List<string>();
        for (var i = 0; i < (result.SelectClauseResults?.Length ?? 0); i++)
        {
            // Part 4, 7.22.3: a field the event types lack is no error (its value is null); the rest are configuration mistakes.
            var status = result.SelectClauseResults![i];
            if (status.IsBad && i >= EventSelection.StandardFields.Count)
            {
                problems.Add($"field '{selection.Fields[i].Name}': {status}");
            }
        }

        foreach (var element in result.WhereClauseResult.ElementResults ?? [])
        {
            if (element.StatusCode.IsBad)
            {
                problems.Add($"where clause: {element.StatusCode}");
            }
        }

        return string.Join("; ", problems);
    }

    /// <summary>
    /// ConditionRefresh on the ConditionType object with this subscription's id (Part 9, 5.5.7): the server sends
    /// RefreshStart, a copy of every retained condition, RefreshEnd. A server without Alarms and Conditions refuses it;
    /// that is said once, and events still flow.
    /// </summary>
    private async Task RefreshConditionsAsync(OpcUaClient client, GroupSubscription group, CancellationToken cancellationToken)
    {
        try
        {
            await client.CallAsync(EventTypes.ConditionType, EventTypes.ConditionRefresh, [Variant.From(group.Subscription.Id)], cancellationToken);
            Interlocked.Increment(ref _conditionRefreshes);
        }
        catch (UaServiceException e)
        {
            if (_refreshProblems.TryAdd(group.Group, true))
            {
                _logger.LogInformation("Source {Source}: events group {Machine}/{Group}: ConditionRefresh was refused ({Status}); alarms active before the connection are known only when they change", _name, group.Group.Machine, group.Group.Name, e.StatusName);
            }
        }
    }

    /// <summary>An events group's notification, as event, episode and active-alarm readings (<see cref="EventStream"/>).</summary>
    private ValueTask DeliverEventsAsync(GroupSubscription mapped, SubscriptionNotification notification, CancellationToken cancellationToken)
    {
        if (notification.Events.Count == 0 || !_eventSelections.TryGetValue(mapped.Group, out var selection))
        {
            return ValueTask.CompletedTask;
        }

        var tag = mapped.Group.Tags[0];
        var stream = _eventStreams.GetOrAdd(mapped.Group, _ => new EventStream(tag));
        var received = _time.GetUtcNow().UtcDateTime;
        var batch = stream.Take(selection, notification.Events.Select(e => e.EventFields), received);
        TagHealth[tag].Record(StatusCodes.Good);
        if (batch.Overflows > 0)
        {
            Interlocked.Add(ref _eventOverflows, batch.Overflows);
            _logger.LogWarning("Source {Source}: events group {Machine}/{Group}: the server's event queue overflowed, events were lost (flagged as a data gap; raise eventQueueSize or lower intervalMs)", _name, tag.Machine, mapped.Group.Name);
        }

        Interlocked.Add(ref _eventsReceived, notification.Events.Count);
        return batch.Readings.Count == 0 ? ValueTask.CompletedTask : _output!.WriteAsync(batch.Readings, cancellationToken);
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<PlannedGroup, EventSelection> _eventSelections = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<PlannedGroup, EventStream> _eventStreams = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<PlannedGroup, bool> _refreshProblems = new();
    private long _eventsReceived;
    private long _eventOverflows;
    private long _conditionRefreshes;

    /// <summary>Events received from the server (refresh copies and overflow events included).</summary>
    public long EventsReceived => Interlocked.Read(ref _eventsReceived);

    /// <summary>EventQueueOverflow events: times the server dropped events of an events group.</summary>
    public long EventOverflows => Interlocked.Read(ref _eventOverflows);

    /// <summary>ConditionRefresh calls the server accepted.</summary>
    public long ConditionRefreshes => Interlocked.Read(ref _conditionRefreshes);

    /// <summary>The alarms active now in the events groups of a machine (null: the source has no events group for it).</summary>
    public int? ActiveAlarmsOf(string machine)
    {
        var streams = _eventStreams.Where(s => s.Key.Machine == machine).Select(s => s.Value).ToList();
        return streams.Count == 0 ? null : streams.Sum(s => s.ActiveAlarms);
    }

    /// <summary>
    /// A subscription's notification, as readings: each client handle names its group and tag. The stack acknowledges it
    /// only after the returned task completed, that is after the writer (the durable buffer) took the readings.
    /// </summary>
    private ValueTask DeliverAsync(SharedSubscription shared, SubscriptionNotification notification, CancellationToken cancellationToken)
    {
        if (!ReferenceEquals(shared.Subscription, notification.Subscription) || shared.Groups.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        if (shared.IsEvents)
        {
            return DeliverEventsAsync(shared.Groups[0], notification, cancellationToken);
        }

        var items = notification.DataChanges;
        var received = _time.GetUtcNow().UtcDateTime;
        var readings = new List<Reading>(items.Count);
        // Groups with `backfill:` write on their own: their values may wait for the history read of their gap.
        Dictionary<PlannedGroup, List<Reading>>? backfilling = null;
        Dictionary<GroupSubscription, int>? overflowed = null;
        foreach (var item in items)
        {
            if (!shared.TryFind(item.ClientHandle, out var group, out var index))
            {
                continue;
            }

            var tag = group.TagsByHandle[index];
            TagHealth[tag].Record(item.Value.Status.Code);
            if (item.Value.Status.Overflow)
            {
                overflowed ??= [];
                overflowed[group] = overflowed.GetValueOrDefault(group) + 1;
            }

            var into = readings;
            if (group.Group.Config.Backfill)
            {
                backfilling ??= [];
                if (!backfilling.TryGetValue(group.Group, out into))
                {
                    backfilling[group.Group] = into = [];
                }
            }

            var first = into.Count;
            AddReadings(into, tag, item.Value, received);
            if (group.TakeGap(index))
            {
                for (var i = first; i < into.Count; i++)
                {
                    into[i] = into[i] with { DataGap = true };
                }
            }
        }

        if (overflowed is not null)
        {
            foreach (var (group, count) in overflowed)
            {
                WarnOfOverflows(group, count);
            }
        }

        if (backfilling is null)
        {
            return readings.Count == 0 ? ValueTask.CompletedTask : _output!.WriteAsync(readings, cancellationToken);
        }

        return WriteWithBackfillAsync(readings, backfilling, cancellationToken);
    }

    /// <summary>The shortest time between two log lines about one group's values that came with the Overflow bit.</summary>
    public static readonly TimeSpan OverflowLogInterval = TimeSpan.FromMinutes(1);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<PlannedGroup, ThrottledCount> _overflowCounts = new();

    /// <summary>
    /// Values that came with the Overflow bit (Part 4, 5.12.1.5 and 7.39.1: the server's item queue was full and discarded
    /// values) are said in the log, at most once a minute per group with the count since the last line: the metric and
    /// the readings' gap flag alone are easy to miss. Only values with the bit cost anything here.
    /// </summary>
    private void WarnOfOverflows(GroupSubscription group, int count)
    {
        var counter = _overflowCounts.GetOrAdd(group.Group, _ => new ThrottledCount());
        var due = counter.Add(count, _time.GetUtcNow(), OverflowLogInterval);
        if (due == 0)
        {
            return;
        }

        var config = group.Group.Config;
        var granted = group.GrantedQueueSize;
        var samplingMs = config.SamplingIntervalMs < 0 ? group.Group.IntervalMs : config.SamplingIntervalMs;
        _logger.LogWarning(
            "Source {Source}: group {Machine}/{Group}: {Count} value(s) came with the OPC UA Overflow bit since the last such line: the server's monitored-item queues were full and it discarded values (readings flagged `gap`, counted in gateway_source_overflows_total). A queue holds queueSize {QueueSize}{Granted} values sampled every {SamplingMs} ms and is emptied every intervalMs {IntervalMs}: raise the group's queueSize, or its samplingIntervalMs, or lower its intervalMs; if the queues already hold more than an interval, the gateway is falling behind (CPU, sinks). Logged at most once a minute per group",
            _name,
            group.Group.Machine,
            group.Group.Name,
            due,
            config.QueueSize,
            granted == 0 || granted == config.QueueSize ? "" : $" (the server granted {granted})",
            samplingMs,
            group.Group.IntervalMs);
    }

    private async ValueTask WriteWithBackfillAsync(List<Reading> readings, Dictionary<PlannedGroup, List<Reading>> backfilling, CancellationToken cancellationToken)
    {
        if (readings.Count > 0)
        {
            await _output!.WriteAsync(readings, cancellationToken);
        }

        foreach (var (group, held) in backfilling)
        {
            await WriteAndAdvanceAsync(group, held, cancellationToken);
        }
    }

    private async ValueTask WriteAndAdvanceAsync(PlannedGroup group, List<Reading> readings, CancellationToken cancellationToken)
    {
        if (_backfillGates.TryGetValue(group, out var gate))
        {
            // Held while the gap is read; then a value the history already gave (the items' first values) is not sent twice.
            await gate.Task.WaitAsync(cancellationToken);
            readings = readings.Where(r => r.Quality == Quality.Bad || _marks!.Of(r.Machine, r.Tag) is not { } mark || r.SourceTimestamp > mark).ToList();
        }

        await _output!.WriteAsync(readings, cancellationToken);
        AdvanceMarks(_marks, readings);
    }

    /// <summary>The newest value written per tag is where its next gap starts (only Good and Uncertain values: a Bad one has no history to follow).</summary>
    private static void AdvanceMarks(HighWaterMarks? marks, IEnumerable<Reading> readings)
    {
        if (marks is null)
        {
            return;
        }

        foreach (var reading in readings)
        {
            if (reading.Quality != Quality.Bad)
            {
                marks.Advance(reading.Machine, reading.Tag, reading.SourceTimestamp);
            }
        }
    }

    /// <summary>Tags the discovery groups have now, over all groups.</summary>
    public int DiscoveredTags => _discovered.Values.Sum(t => t.Count);

    /// <summary>Tags discovery added and found gone since the source started (the first discovery counts as added).</summary>
    public long DiscoveryAdded => Interlocked.Read(ref _discoveryAdded);

    public long DiscoveryGone => Interlocked.Read(ref _discoveryGone);

    /// <summary>Discoveries run so far (at connects and by `everyMinutes`), whether or not they changed anything.</summary>
    public long DiscoveryRuns => Interlocked.Read(ref _discoveryRuns);

    private long _discoveryAdded;
    private long _discoveryGone;
    private long _discoveryRuns;

    /// <summary>
    /// Runs every group's `discover:` on this session and applies what changed to the plan: new tags added, gone ones
    /// removed, each change logged with the names (up to 10) and counted. True when any group changed. A group whose
    /// discovery fails keeps the tags it had.
    /// </summary>
    private async Task<bool> DiscoverAsync(OpcUaClient client, CancellationToken cancellationToken)
    {
        var changed = false;
        foreach (var (group, options, config) in _discovery)
        {
            DiscoveryResult result;
            try
            {
                result = await GroupDiscovery.RunAsync(client, options, cancellationToken);
            }
            catch (UaServiceException e)
            {
                _logger.LogWarning("Source {Source}: discovery in group {Machine}/{Group} failed ({Status}: {Message}); keeping the {Count} tag(s) found before", _name, group.Machine, group.Name, e.StatusName, e.Message, _discovered.GetValueOrDefault(group)?.Count ?? 0);
                continue;
            }

            if (result.Warning is { } warning && _discoveryWarnings.TryAdd(group.Machine + "/" + group.Name + "\0" + warning, true))
            {
                _logger.LogWarning("Source {Source}: discovery in group {Machine}/{Group}: {Warning}", _name, group.Machine, group.Name, warning);
            }

            var previous = _discovered.GetValueOrDefault(group);
            var byName = (previous ?? []).ToDictionary(t => t.Tag, StringComparer.Ordinal);
            var listed = _configuredTags.Where(t => t.Machine == group.Machine).Select(t => t.Tag).ToHashSet(StringComparer.Ordinal);
            var tags = new List<OpcUaTag>();
            foreach (var found in result.Tags)
            {
                if (listed.Contains(found.Name))
                {
                    continue; // a tag listed in the configuration wins over a discovered one of the same name
                }

                var nodeText = NodeText(client, found.NodeId);
                tags.Add(byName.TryGetValue(found.Name, out var same) && same.NodeId == nodeText
                    ? same
                    : new OpcUaTag(config.Source, config.Machine, config.Group, found.Name, nodeText, null, null, group.Config, config.Interval, config.Measurement, config.Labels, false));
            }

            var now = tags.Select(t => t.Tag).ToHashSet(StringComparer.Ordinal);
            var added = tags.Where(t => !byName.TryGetValue(t.Tag, out var before) || !ReferenceEquals(before, t)).Select(t => t.Tag).ToList();
            var gone = (previous ?? []).Where(t => !now.Contains(t.Tag) || !tags.Contains(t)).Select(t => t.Tag).ToList();
            _discovered[group] = tags;
            Interlocked.Add(ref _discoveryAdded, added.Count);
            Interlocked.Add(ref _discoveryGone, gone.Count);
            if (previous is null || added.Count + gone.Count > 0)
            {
                changed |= previous is not null;
                static string Names(List<string> names) => names.Count == 0 ? "" : string.Join(", ", names.Take(10)) + (names.Count > 10 ? $", ... ({names.Count - 10} more)" : "");
                _logger.LogInformation(
                    "Source {Source}: discovery in group {Machine}/{Group}: {Added} tag(s) added, {Gone} gone, {Count} now ({Visited} node(s) visited){AddedNames}{GoneNames}",
                    _name,
                    group.Machine,
                    group.Name,
                    added.Count,
                    gone.Count,
                    tags.Count,
                    result.Visited,
                    added.Count == 0 ? "" : "; added: " + Names(added),
                    gone.Count == 0 ? "" : "; gone: " + Names(gone));
                TagHealth.SetDiscovery(group.Machine, $"discovered {tags.Count} (+{added.Count}, -{gone.Count} at {_time.GetUtcNow():HH:mm:ss}Z)");
            }
        }

        Interlocked.Increment(ref _discoveryRuns);
        var discovered = _discovered.Values.SelectMany(t => t).ToList();
        _plan = AcquisitionPlan.From(_configuredTags.Concat(discovered), _discovery.Select(d => d.Group));
        TagHealth.Track(_plan.Groups.SelectMany(g => g.Tags));
        return changed;
    }

    /// <summary>The NodeId text a discovered tag is resolved from next time: `nsu=` so a renumbered namespace still finds it.</summary>
    private static string NodeText(OpcUaClient client, NodeId node) =>
        node.NamespaceIndex > 0 && node.NamespaceIndex < client.NamespaceArray.Count
            ? new ExpandedNodeId(node, client.NamespaceArray[node.NamespaceIndex]).ToString()
            : node.ToString();

    /// <summary>Discovers again every `everyMinutes` (the shortest of the groups); true as soon as the tag list changed.</summary>
    private async Task<bool> RediscoverAsync(OpcUaClient client, CancellationToken cancellationToken)
    {
        var every = TimeSpan.FromMinutes(_discovery.Where(d => d.Options.EveryMinutes > 0).Min(d => d.Options.EveryMinutes));
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(every, _time, cancellationToken);
            if (await DiscoverAsync(client, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    // Subscribed groups whose gap is being filled: their notifications wait for it (the stack acknowledges them after).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<PlannedGroup, TaskCompletionSource> _backfillGates = new();

    /// <summary>The `backfill: true` groups to fill on this session; a group whose subscription was kept (nothing missed) is left alone.</summary>
    private List<PlannedGroup> BackfillDue(Dictionary<PlannedGroup, List<(OpcUaTag Tag, NodeId Node)>> itemsByGroup) =>
        itemsByGroup.Where(g => g.Key.Config.Backfill && g.Value.Count > 0 && !(_groups.TryGetValue(g.Key, out var kept) && kept.Monitors(g.Value)))
            .Select(g => g.Key)
            .ToList();

    private async Task BackfillAsync(OpcUaClient client, PlannedGroup group, List<(OpcUaTag Tag, NodeId Node)> items, IReadingWriter output, CancellationToken cancellationToken)
    {
        try
        {
            await _backfill!.RunAsync(client, group, items, AddReadings, output, cancellationToken);
        }
        catch (UaServiceException e)
        {
            // A server without HistoryRead (BadServiceUnsupported) or a refused read: live values still flow.
            _logger.LogWarning("Source {Source}: group {Machine}/{Group}: backfill failed ({Status}: {Message}); the gap stays open", _name, group.Machine, group.Name, e.StatusName, e.Message);
        }
    }

    /// <summary>Writes the high-water marks every 5 s while values arrive, so a kill -9 loses few of them.</summary>
    private async Task SaveMarksAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(5), _time, cancellationToken);
            _marks!.Save();
        }
    }

    /// <summary>NodeIds (with `nsu=` resolved) and browse paths turned into NodeIds for this session, by tag instance (no key string per tag).</summary>
    private async Task<Dictionary<OpcUaTag, NodeId>> ResolveAsync(OpcUaClient client, CancellationToken cancellationToken)
    {
        var result = new Dictionary<OpcUaTag, NodeId>(ReferenceEqualityComparer.Instance);
        var byPath = new List<OpcUaTag>();
        foreach (var tag in _plan.Groups.SelectMany(g => g.Tags))
        {
            if (tag.NodeId is { } nodeIdText)
            {
                try
                {
                    result[tag] = tag.WithOwnIdentifier(client.ResolveNodeId(nodeIdText));
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
                    result[byPath[i]] = found;
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
    private async Task<IReadOnlyDictionary<OpcUaTag, string?>> ReadEngineeringUnitsAsync(OpcUaClient client, Dictionary<OpcUaTag, NodeId> addresses, CancellationToken cancellationToken)
    {
        var units = new Dictionary<OpcUaTag, string?>(ReferenceEqualityComparer.Instance);
        var tags = _plan.Groups.SelectMany(g => g.Tags)
            .Where(t => t.UnitFromServer && addresses.ContainsKey(t))
            .ToList();
        if (tags.Count == 0)
        {
            return units;
        }

        var paths = tags.Select(t => new BrowsePath
        {
            StartingNode = addresses[t],
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
                units[tag] = information.UnitText();
                if (units[tag] is null)
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
        tag.UnitFromServer && _serverUnits.TryGetValue(tag, out var unit) ? unit : null;

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
        var schedule = _schedules.GetOrAdd(group, g => new PollSchedule(g.Interval));
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
            var marks = group.Config.Backfill ? _marks : null;
            var cycle = new List<Reading>(values.Length);
            for (var i = 0; i < values.Length; i++)
            {
                AddReadings(cycle, items[i].Tag, values[i], received);
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

            var readings = cycle.ToArray();
            await output.WriteAsync(readings, cancellationToken);
            AdvanceMarks(marks, readings);
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

    /// <summary>
    /// The readings of one value: one, or for a structure with `structure: flatten` one per leaf field. A structure the
    /// session's catalog describes is decoded; one it does not stays raw (named once in the log at connect).
    /// </summary>
    private void AddReadings(List<Reading> readings, OpcUaTag tag, DataValue value, DateTime received)
    {
        if (tag.Structure != StructureMode.Raw && value.Value.Type == BuiltInType.ExtensionObject && _structures is { } catalog
            && TryAddStructureReadings(readings, tag, value, received, catalog))
        {
            return;
        }

        readings.Add(ToReading(tag, value, received, DataValueConversion.ToReadingValue(value.Value)));
    }

    /// <summary>
    /// A structure's readings, when the catalog decodes it; false leaves the value raw. Apart from
    /// <see cref="AddReadings"/> because its lambdas would cost every scalar reading a closure otherwise.
    /// </summary>
    private bool TryAddStructureReadings(List<Reading> readings, OpcUaTag tag, DataValue value, DateTime received, DataTypeCatalog catalog)
    {
        try
        {
            if (!value.Value.IsArray && value.Value.Value is ExtensionObject structure && catalog.TryDecode(structure) is { } decoded)
            {
                if (tag.Structure == StructureMode.Flatten)
                {
                    foreach (var (path, leaf) in StructureReadings.Flatten(decoded, tag.Fields))
                    {
                        readings.Add(ToReading(tag, value, received, leaf) with { Tag = LeafTag(tag, tag.Tag + "." + path) });
                    }

                    return true;
                }

                readings.Add(ToReading(tag, value, received, ReadingValue.FromJson(StructureReadings.ToJson(decoded, tag.Fields))));
                return true;
            }

            if (value.Value.IsArray && value.Value.Value is ExtensionObject[] { Length: > 0 } structures && catalog.FindByEncodingId(structures[0].TypeId) is not null)
            {
                // An array of structures: one JSON array (flatten names its elements tag[0].field).
                var decodedArray = structures.Select(s => catalog.TryDecode(s)).ToArray();
                if (tag.Structure == StructureMode.Flatten)
                {
                    for (var i = 0; i < decodedArray.Length; i++)
                    {
                        foreach (var (path, leaf) in decodedArray[i] is { } element ? StructureReadings.Flatten(element, tag.Fields) : [])
                        {
                            readings.Add(ToReading(tag, value, received, leaf) with { Tag = LeafTag(tag, $"{tag.Tag}[{i}].{path}") });
                        }
                    }

                    return true;
                }

                readings.Add(ToReading(tag, value, received, ReadingValue.FromJson("[" + string.Join(",", decodedArray.Select(d => d is null ? "null" : StructureReadings.ToJson(d, tag.Fields))) + "]")));
                return true;
            }
        }
        catch (UaDecodingException e)
        {
            // The server's type changed under a running session, or it sent a malformed body: the value stays raw.
            if (_structureProblems.TryAdd(tag.Machine + "/" + tag.Tag, e.Message))
            {
                _logger.LogWarning("Source {Source}: tag {Machine}/{Tag}: a structure value did not decode ({Message}); sent raw (type id and base64). Logged once per tag", _name, tag.Machine, tag.Tag, e.Message);
            }
        }

        return false;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _structureProblems = new(StringComparer.Ordinal);

    /// <summary>A flattened leaf's tag name; with `backfill:` its values move the high-water mark of the structure's tag (whose node has the history).</summary>
    private string LeafTag(OpcUaTag tag, string leafTag)
    {
        if (tag.GroupConfig.Backfill)
        {
            _marks?.AddLeaf(tag.Machine, leafTag, tag.Tag);
        }

        return leafTag;
    }

    // The session's structured DataTypes: made anew at every connect (encoding ids are session namespace indexes).
    private volatile DataTypeCatalog? _structures;

    /// <summary>The structured DataTypes this session's tags use (by their DataType attribute), described through the catalog.</summary>
    private async Task<DataTypeCatalog?> ResolveStructuresAsync(OpcUaClient client, Dictionary<OpcUaTag, NodeId> addresses, CancellationToken cancellationToken)
    {
        var tags = _plan.Groups.SelectMany(g => g.Tags).Where(t => t.Structure != StructureMode.Raw && addresses.ContainsKey(t)).ToList();
        if (tags.Count == 0)
        {
            return null;
        }

        var dataTypes = await client.ReadAsync(tags.Select(t => new ReadValueId(addresses[t], Attributes.DataType)).ToList(), TimestampsToReturn.Neither, cancellationToken);
        var catalog = new DataTypeCatalog(client);
        for (var i = 0; i < tags.Count && i < dataTypes.Length; i++)
        {
            // Built-in types need no look-up; only namespace-0 ids above the built-in range and other namespaces may be structures.
            if (dataTypes[i].Value.Value is not NodeId dataType || (dataType.NamespaceIndex == 0 && dataType.IdType == IdType.Numeric && dataType.NumericIdentifier <= 21))
            {
                continue;
            }

            try
            {
                var info = await catalog.ResolveAsync(dataType, cancellationToken);
                if (info.Problem is { } problem && _structureProblems.TryAdd(tags[i].Machine + "/" + tags[i].Tag, problem))
                {
                    _logger.LogWarning("Source {Source}: tag {Machine}/{Tag}: its DataType {DataType} ({Name}) cannot be decoded: {Problem}; its values are sent raw (type id and base64 body). Logged once per tag", _name, tags[i].Machine, tags[i].Tag, dataType, info.Name, problem);
                }
            }
            catch (UaServiceException e)
            {
                _logger.LogWarning("Source {Source}: tag {Machine}/{Tag}: reading its DataType {DataType} failed ({Message}); its structures are sent raw", _name, tags[i].Machine, tags[i].Tag, dataType, e.Message);
            }
        }

        return catalog;
    }

    private Reading ToReading(OpcUaTag tag, DataValue value, DateTime received, ReadingValue converted) => new()
    {
        Source = tag.Source,
        Machine = tag.Machine,
        Tag = tag.Tag,
        Measurement = tag.Measurement,
        Value = converted,
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
        const string recoveries = "Subscriptions recovered after a lost connection, by path: reactivate or transfer (nothing lost), recreate.";
        samples.Add(MetricSample.Counter("gateway_source_subscription_recoveries_total", recoveries, SubscriptionsReactivated, KeyValuePair.Create("path", "reactivate")));
        samples.Add(MetricSample.Counter("gateway_source_subscription_recoveries_total", recoveries, SubscriptionsTransferred, KeyValuePair.Create("path", "transfer")));
        samples.Add(MetricSample.Counter("gateway_source_subscription_recoveries_total", recoveries, SubscriptionsRecreated, KeyValuePair.Create("path", "recreate")));
        samples.Add(MetricSample.Gauge("gateway_source_monitored_items", "Monitored items the OPC UA server accepted on the current session.", MonitoredItemsActive));
        samples.Add(MetricSample.Gauge("gateway_source_subscriptions", "OPC UA subscriptions of the current session (subscribed groups of one interval share one).", SubscriptionCount));
        samples.Add(MetricSample.Gauge("gateway_source_monitored_items_rejected", "Tags the OPC UA server refused (unknown node, too many items, ...), each logged once by name.", _rejected.Count));
        samples.Add(MetricSample.Counter("gateway_source_events_total", "OPC UA events received by events groups (ConditionRefresh copies included).", EventsReceived));
        samples.Add(MetricSample.Counter("gateway_source_event_overflows_total", "EventQueueOverflow events: the server dropped events of an events group (each flagged as a data gap).", EventOverflows));
        samples.Add(MetricSample.Gauge("gateway_source_tags_bad", "Tags whose latest status is Bad (wrong NodeId, device fault, refused, not connected); each logged once by name.", TagHealth.BadTags));
        if (_discovery.Count > 0)
        {
            samples.Add(MetricSample.Gauge("gateway_source_discovered_tags", "Tags the source's `discover:` groups found on the server and read now.", DiscoveredTags));
            samples.Add(MetricSample.Counter("gateway_source_discovery_changes_total", "Tags discovery added or found gone since the source started.", DiscoveryAdded, KeyValuePair.Create("change", "added")));
            samples.Add(MetricSample.Counter("gateway_source_discovery_changes_total", "Tags discovery added or found gone since the source started.", DiscoveryGone, KeyValuePair.Create("change", "gone")));
        }

        samples.Add(MetricSample.Counter("gateway_source_polls_skipped_total", "Poll boundaries not read because the previous Read or the wakeup came too late (each boundary is read at most once).", PollsSkipped));
        samples.Add(MetricSample.Counter("gateway_opcua_requests_total", "OPC UA service calls answered (Publish excepted).", RequestTimings.Count));
        samples.Add(MetricSample.CounterSeconds("gateway_opcua_request_seconds_total", "Time spent waiting for OPC UA service calls (Publish excepted); divided by the count, the mean latency.", RequestTimings.Total.TotalSeconds));
        samples.Add(MetricSample.GaugeSeconds("gateway_opcua_request_seconds_max", "The slowest OPC UA service call since the previous scrape.", RequestTimings.TakeMax().TotalSeconds));
    }

    public async ValueTask DisposeAsync()
    {
        _marks?.Save();
        await EndSessionAsync();
    }
}
