using System.Collections.Concurrent;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Transport;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Client.Subscriptions;

/// <summary>
/// The subscriptions of one session and the Publish requests that serve them (Part 4, 5.13.5): Publish requests belong
/// to the session, not to a subscription, so <see cref="RunAsync"/> keeps a pool of them outstanding, hands each
/// notification message to its subscription's handler in sequence-number order (a gap is filled with Republish
/// first), and acknowledges a sequence number with a later Publish only after that handler's task completed. It is
/// also the watchdog: a subscription that sends nothing (no data, no keep-alive) for longer than it promised ends
/// <see cref="RunAsync"/> with an exception. After a lost connection, <see cref="RecoverAsync"/> brings the
/// subscriptions back in Part 4's order: the same session on a new channel, else a transfer to a new session, else
/// created anew. <see cref="RunAsync"/> and the recovery never run at the same time.
/// </summary>
public sealed class SessionSubscriptions
{
    // The longest the watchdog sleeps: the shortest silence a subscription can have, so that one created while it sleeps
    // is checked in time even without the wake-up below.
    private static readonly TimeSpan WatchdogLongestSleep = TimeSpan.FromSeconds(5);
    // Past the deadline, not on it: the check counts a subscription silent only beyond its silence.
    private static readonly TimeSpan WatchdogPastDeadline = TimeSpan.FromMilliseconds(1);
    private readonly ConcurrentDictionary<uint, Subscription> _subscriptions = new();
    private readonly ConcurrentQueue<SubscriptionAcknowledgement> _acknowledgements = new();
    private readonly TimeProvider _time;
    private OpcUaClient _client;
    // Lowered when the server answers BadTooManyPublishRequests: it holds fewer than we sent.
    private int _publishLimit = 10;
    // Completed when a deadline may have moved earlier (a subscription created or its silence shortened): the watchdog
    // then plans its sleep again. Replaced by the watchdog each time it does.
    private TaskCompletionSource _watchdogReplan = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SessionSubscriptions(OpcUaClient client, TimeProvider? time = null)
    {
        _client = client;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The session the subscriptions live on now (another one after a transfer).</summary>
    public OpcUaClient Client => _client;

    public IReadOnlyCollection<Subscription> All => [.. _subscriptions.Values.OrderBy(s => s.Id)];

    /// <summary>Raised when a gap could not be filled: the server no longer had this sequence number (it is lost).</summary>
    public event Action<Subscription, uint>? MessageLost;

    /// <summary>Publish requests sent so far (for diagnostics).</summary>
    public long PublishRequests => Interlocked.Read(ref _publishRequests);

    private long _publishRequests;

    /// <summary>CreateSubscription; its notifications go to <paramref name="handler"/>. Add items with <see cref="Subscription.AddItemsAsync"/>.</summary>
    public async Task<Subscription> CreateAsync(SubscriptionSettings settings, NotificationHandler handler, CancellationToken cancellationToken = default)
    {
        var subscription = new Subscription(this, settings, handler);
        await subscription.CreateOnServerAsync(cancellationToken);
        subscription.LastHeard = _time.GetTimestamp();
        _subscriptions[subscription.Id] = subscription;
        WakeWatchdog();
        return subscription;
    }

    /// <summary>A subscription's silence deadline may now be earlier than the one the watchdog sleeps until.</summary>
    internal void WakeWatchdog() => Volatile.Read(ref _watchdogReplan).TrySetResult();

    internal void Forget(Subscription subscription) => _subscriptions.TryRemove(subscription.Id, out _);

    /// <summary>
    /// Publishes until cancelled, or throws: <see cref="UaServiceException"/> when a subscription is found dead (silent
    /// past its keep-alive promise, expired, or dropped by the server) or a handler threw, the transport's exception when
    /// the connection is lost. Subscriptions created while it runs are served too.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        foreach (var subscription in _subscriptions.Values)
        {
            subscription.LastHeard = now;
        }

        var pending = new List<Task<PublishResponse>>();
        var (watchdog, replan) = PlanWatchdog(cancellationToken);
        var waitingFor = new List<Task>();
        while (!cancellationToken.IsCancellationRequested)
        {
            TopUp(pending, cancellationToken);
            waitingFor.Clear();
            waitingFor.AddRange(pending);
            waitingFor.Add(watchdog);
            waitingFor.Add(replan);
            var done = await Task.WhenAny(waitingFor);
            if (done == watchdog || done == replan)
            {
                if (done == watchdog)
                {
                    await watchdog;
                    CheckSilence();
                }

                (watchdog, replan) = PlanWatchdog(cancellationToken);
                continue;
            }

            // The oldest answered request, not whichever continuation ran first: the server answers its queued requests
            // in order, and taking them in that order spares a Republish for a message that is only overtaken.
            var answered = pending.First(t => t.IsCompleted);
            pending.Remove(answered);
            PublishResponse response;
            try
            {
                response = await answered;
            }
            catch (UaServiceException e) when (e.StatusCode == StatusCodes.BadTimeout)
            {
                // A request the server held past its promise: the silence check says whether that matters.
                CheckSilence();
                continue;
            }
            catch (UaServiceException e) when (e.StatusCode == StatusCodes.BadNoSubscription && _subscriptions.IsEmpty)
            {
                continue; // every subscription was deleted: nothing to publish until one is created
            }
            catch (UaServiceException e) when (e.StatusCode is StatusCodes.BadNoSubscription or StatusCodes.BadSubscriptionIdInvalid or StatusCodes.BadSessionIdInvalid or StatusCodes.BadSessionClosed)
            {
                throw new UaServiceException(e.StatusCode, $"{_client.EndpointUrl}: the server dropped the session's subscriptions ({e.StatusName})");
            }
            catch (UaServiceException e) when (e.StatusCode == StatusCodes.BadTooManyPublishRequests)
            {
                // Part 4, 5.13.5: the server holds fewer requests than we sent: keep one less outstanding (at least one).
                _publishLimit = Math.Max(1, pending.Count);
                continue;
            }

            // The next request goes out before the handler runs, so the server always has one to answer with.
            TopUp(pending, cancellationToken);
            if (_subscriptions.TryGetValue(response.SubscriptionId, out var subscription))
            {
                subscription.LastHeard = _time.GetTimestamp();
                await TakeAsync(subscription, response.NotificationMessage, cancellationToken);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Part 4, 5.13.1: enough requests queued on the server that notifications never wait for a round trip, nor for a
    /// moment when this process is not scheduled; none while there is no subscription.
    /// </summary>
    private void TopUp(List<Task<PublishResponse>> pending, CancellationToken cancellationToken)
    {
        if (_subscriptions.IsEmpty)
        {
            return;
        }

        var items = _subscriptions.Values.Sum(s => s.ItemCount);
        var wanted = Math.Min(_publishLimit, Math.Clamp(2 + _subscriptions.Count + (items / 5000), 3, 10));
        var timeout = _subscriptions.Values.Max(s => s.Silence) + _client.RequestTimeout;
        while (pending.Count < wanted)
        {
            pending.Add(PublishAsync(timeout, cancellationToken));
        }
    }

    private Task<PublishResponse> PublishAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var acknowledgements = new List<SubscriptionAcknowledgement>();
        while (_acknowledgements.TryDequeue(out var ack))
        {
            acknowledgements.Add(ack);
        }

        Interlocked.Increment(ref _publishRequests);
        return _client.SendAsync<PublishResponse>(new PublishRequest { SubscriptionAcknowledgements = acknowledgements }, cancellationToken, timeout);
    }

    /// <summary>
    /// The watchdog sleeps until the earliest silence deadline (a moment past it), at most
    /// <see cref="WatchdogLongestSleep"/>, instead of looking every second: a deadline only moves later while the
    /// subscriptions are heard from, and one that moves earlier completes the returned replan task.
    /// </summary>
    private (Task Watchdog, Task Replan) PlanWatchdog(CancellationToken cancellationToken)
    {
        // Replaced before the deadlines are read: a change after this point completes the new one.
        var replan = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _watchdogReplan, replan);
        var now = _time.GetTimestamp();
        var sleep = WatchdogLongestSleep;
        foreach (var subscription in _subscriptions.Values)
        {
            var left = subscription.Silence - _time.GetElapsedTime(subscription.LastHeard, now) + WatchdogPastDeadline;
            if (left < sleep)
            {
                sleep = left;
            }
        }

        sleep = sleep < WatchdogPastDeadline ? WatchdogPastDeadline : sleep;
        return (Task.Delay(sleep, _time, cancellationToken), replan.Task);
    }

    private void CheckSilence()
    {
        var now = _time.GetTimestamp();
        foreach (var subscription in _subscriptions.Values)
        {
            var silent = _time.GetElapsedTime(subscription.LastHeard, now);
            if (silent > subscription.Silence)
            {
                throw new UaServiceException(
                    StatusCodes.BadNoCommunication,
                    $"{_client.EndpointUrl}: {subscription.Name} sent nothing for {silent.TotalSeconds:0} s (no data, no keep-alive; at most {subscription.Silence.TotalSeconds:0} s expected)");
            }
        }
    }

    /// <summary>
    /// One notification message as the server sent it: a keep-alive uses no sequence number; a number already handled
    /// is acknowledged again; a jump is filled with Republish first (Part 4, 5.13.1.1). Answers to the outstanding
    /// Publish requests may be taken in another order than sent, so a jump also happens at the start.
    /// </summary>
    private async Task TakeAsync(Subscription subscription, NotificationMessage message, CancellationToken cancellationToken)
    {
        if (message.NotificationData is null or { Length: 0 })
        {
            return;
        }

        if (message.SequenceNumber <= subscription.LastSequence)
        {
            Acknowledge(subscription, message.SequenceNumber);
            return;
        }

        for (var missing = subscription.LastSequence + 1; missing < message.SequenceNumber; missing++)
        {
            await RepublishAsync(subscription, missing, cancellationToken);
        }

        await DeliverAsync(subscription, message, republished: false, cancellationToken);
    }

    /// <summary>Republish of one sequence number; one the server no longer has is counted as lost (and skipped).</summary>
    private async Task RepublishAsync(Subscription subscription, uint sequence, CancellationToken cancellationToken)
    {
        RepublishResponse again;
        try
        {
            again = await _client.SendAsync<RepublishResponse>(new RepublishRequest { SubscriptionId = subscription.Id, RetransmitSequenceNumber = sequence }, cancellationToken);
        }
        catch (UaServiceException e) when (e.StatusCode == StatusCodes.BadMessageNotAvailable)
        {
            subscription.MessagesLost++;
            subscription.LastSequence = Math.Max(subscription.LastSequence, sequence);
            MessageLost?.Invoke(subscription, sequence);
            return;
        }

        await DeliverAsync(subscription, again.NotificationMessage, republished: true, cancellationToken);
    }

    /// <summary>
    /// The one place a sequence number becomes acknowledgeable: the handler's task completed (the data is where the
    /// handler keeps it), then the number is queued for the next Publish request. A handler that throws leaves it
    /// unacknowledged; the server keeps it for Republish.
    /// </summary>
    private async Task DeliverAsync(Subscription subscription, NotificationMessage message, bool republished, CancellationToken cancellationToken)
    {
        IReadOnlyList<MonitoredItemNotification> changes = [];
        IReadOnlyList<EventFieldList> events = [];
        foreach (var data in message.NotificationData ?? [])
        {
            switch (data.Body)
            {
                case DataChangeNotification change when change.MonitoredItems is { Length: > 0 } items:
                    changes = changes.Count == 0 ? items : [.. changes, .. items];
                    break;
                case EventNotificationList list when list.Events is { Length: > 0 } fired:
                    events = events.Count == 0 ? fired : [.. events, .. fired];
                    break;
                case StatusChangeNotification status when status.Status.IsBad:
                    // Part 4, 7.25.4: e.g. BadTimeout when the subscription expired on the server.
                    throw new UaServiceException(status.Status.Code, $"{_client.EndpointUrl}: {subscription.Name} changed state: {status.Status}");
            }
        }

        if (changes.Count + events.Count > 0)
        {
            await subscription.Handler(new SubscriptionNotification(subscription, message, republished, changes, events), cancellationToken);
        }

        subscription.LastSequence = Math.Max(subscription.LastSequence, message.SequenceNumber);
        Acknowledge(subscription, message.SequenceNumber);
    }

    private void Acknowledge(Subscription subscription, uint sequence) =>
        _acknowledgements.Enqueue(new SubscriptionAcknowledgement { SubscriptionId = subscription.Id, SequenceNumber = sequence });

    /// <summary>
    /// Part 4, 5.13.7: moves every subscription to the session of <paramref name="client"/> (sendInitialValues), then
    /// delivers what the server still held and the old session had not handled, and acknowledges the rest. The ones the
    /// server refused (BadSubscriptionIdInvalid after a server restart, ...) leave this set and are returned.
    /// </summary>
    public async Task<IReadOnlyList<Subscription>> TransferToAsync(OpcUaClient client, CancellationToken cancellationToken = default)
    {
        var moving = _subscriptions.Values.OrderBy(s => s.Id).ToList();
        _client = client;
        if (moving.Count == 0)
        {
            return [];
        }

        TransferResult[] results;
        try
        {
            var response = await client.SendAsync<TransferSubscriptionsResponse>(
                new TransferSubscriptionsRequest { SubscriptionIds = moving.Select(s => s.Id).ToArray(), SendInitialValues = true },
                cancellationToken);
            results = response.Results ?? [];
        }
        catch (UaServiceException e) when (e.StatusCode is StatusCodes.BadServiceUnsupported or StatusCodes.BadNothingToDo or StatusCodes.BadSubscriptionIdInvalid or StatusCodes.BadUserAccessDenied)
        {
            results = [];
        }

        var refused = new List<Subscription>();
        var now = _time.GetTimestamp();
        for (var i = 0; i < moving.Count; i++)
        {
            var subscription = moving[i];
            if (i >= results.Length || results[i].StatusCode.IsBad)
            {
                Forget(subscription);
                refused.Add(subscription);
                continue;
            }

            subscription.LastHeard = now;
            var available = results[i].AvailableSequenceNumbers ?? [];
            Array.Sort(available);
            foreach (var sequence in available)
            {
                if (sequence <= subscription.LastSequence)
                {
                    Acknowledge(subscription, sequence);
                }
                else
                {
                    await RepublishAsync(subscription, sequence, cancellationToken);
                }
            }
        }

        return refused;
    }

    /// <summary>
    /// Brings the subscriptions back after the connection was lost (Part 4, 6.7, in its preferred order): ActivateSession
    /// of the same session over a new secure channel while the server still holds it; else a new session from
    /// <paramref name="connect"/> and TransferSubscriptions; else, for the ones the server no longer has, either
    /// CreateSubscription with the same settings and items (<paramref name="recreate"/>) or nothing, leaving the caller
    /// to create them (a caller whose NodeIds may have moved after a server restart). The previous client is disposed
    /// when a new one replaces it. Throws when the server cannot be reached (try again later).
    /// </summary>
    public async Task<SessionRecovery> RecoverAsync(Func<CancellationToken, Task<OpcUaClient>> connect, bool recreate, CancellationToken cancellationToken = default)
    {
        var previous = _client;
        try
        {
            await previous.ReactivateAsync(cancellationToken);
            var now = _time.GetTimestamp();
            foreach (var subscription in _subscriptions.Values)
            {
                subscription.LastHeard = now;
            }

            return new SessionRecovery(RecoveryPath.Reactivated, previous, [.. _subscriptions.Values], [], []);
        }
        catch (UaServiceException)
        {
            // The server no longer holds the session (BadSessionIdInvalid, BadSessionClosed, ...): a new one.
        }

        var client = await connect(cancellationToken);
        IReadOnlyList<Subscription> refused;
        try
        {
            refused = await TransferToAsync(client, cancellationToken);
        }
        catch
        {
            _client = previous;
            await client.DisposeAsync();
            throw;
        }

        await previous.DisposeAsync();
        var transferred = _subscriptions.Values.ToList();
        var recreated = new List<Subscription>();
        if (recreate)
        {
            foreach (var subscription in refused)
            {
                await subscription.RecreateAsync(cancellationToken);
                subscription.LastHeard = _time.GetTimestamp();
                _subscriptions[subscription.Id] = subscription;
                recreated.Add(subscription);
            }
        }

        var path = refused.Count == 0 || transferred.Count > 0 ? RecoveryPath.Transferred : RecoveryPath.Recreated;
        return new SessionRecovery(path, client, transferred, recreated, recreate ? [] : refused);
    }
}

/// <summary>Which of Part 4's recovery steps brought the session's subscriptions back.</summary>
public enum RecoveryPath
{
    /// <summary>The same session, moved to a new secure channel with ActivateSession: nothing was created.</summary>
    Reactivated,

    /// <summary>A new session; the subscriptions moved to it with TransferSubscriptions (queued notifications kept).</summary>
    Transferred,

    /// <summary>A new session; the server had lost the subscriptions, so they were created anew (or left to the caller).</summary>
    Recreated,
}

/// <summary>
/// The outcome of <see cref="SessionSubscriptions.RecoverAsync"/>: the client now used, the subscriptions kept
/// (reactivated or transferred), the ones created anew, and the ones lost and left to the caller.
/// </summary>
public sealed record SessionRecovery(RecoveryPath Path, OpcUaClient Client, IReadOnlyList<Subscription> Kept, IReadOnlyList<Subscription> Recreated, IReadOnlyList<Subscription> Lost);
