using System.Collections.Concurrent;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Transport;
using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa;

/// <summary>
/// The Publish side of one session (Part 4, 5.13.5): Publish requests belong to the session, not to a subscription, so
/// one loop keeps a pool of them outstanding, hands each answer to the subscription it names, and sends the
/// acknowledgements with the next request. It is also the watchdog: a subscription that sends nothing (no data, no
/// keep-alive) for longer than it promised, or that the server dropped, ends the session with an exception so the
/// connector's single reconnect loop recovers it.
/// </summary>
public sealed class SessionPublisher : INotificationTarget
{
    private static readonly TimeSpan WatchdogTick = TimeSpan.FromSeconds(1);
    private readonly OpcUaClient _client;
    private readonly Dictionary<uint, OpcUaSubscription> _subscriptions;
    private readonly Func<OpcUaSubscription, IReadOnlyList<MonitoredItemNotification>, CancellationToken, ValueTask> _deliver;
    private readonly TimeProvider _time;
    private readonly ConcurrentQueue<SubscriptionAcknowledgement> _acknowledgements = new();
    private readonly Dictionary<uint, long> _lastHeard = [];

    public SessionPublisher(
        OpcUaClient client,
        IReadOnlyList<OpcUaSubscription> subscriptions,
        Func<OpcUaSubscription, IReadOnlyList<MonitoredItemNotification>, CancellationToken, ValueTask> deliver,
        TimeProvider time)
    {
        _client = client;
        _subscriptions = subscriptions.ToDictionary(s => s.Id);
        _deliver = deliver;
        _time = time;
    }

    public ValueTask DeliverAsync(OpcUaSubscription subscription, IReadOnlyList<MonitoredItemNotification> items, CancellationToken cancellationToken) =>
        _deliver(subscription, items, cancellationToken);

    /// <summary>Queues an acknowledgement for the next Publish request.</summary>
    public void Acknowledge(uint subscriptionId, uint sequenceNumber) =>
        _acknowledgements.Enqueue(new SubscriptionAcknowledgement { SubscriptionId = subscriptionId, SequenceNumber = sequenceNumber });

    /// <summary>Publishes until cancelled, or throws when a subscription is found dead.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (_subscriptions.Count == 0)
        {
            return;
        }

        var items = _subscriptions.Values.Sum(s => s.TagsByHandle.Length);
        // Part 4, 5.13.1: enough requests queued on the server that notifications never wait for a round trip, nor for
        // a moment when this process is not scheduled; a server that holds fewer says BadTooManyPublishRequests.
        var outstanding = Math.Clamp(2 + _subscriptions.Count + (items / 5000), 3, 10);
        var longestSilence = _subscriptions.Values.Max(s => s.Silence);
        var publishTimeout = longestSilence + _client.RequestTimeout;
        var now = _time.GetTimestamp();
        foreach (var id in _subscriptions.Keys)
        {
            _lastHeard[id] = now;
        }

        var pending = new List<Task<PublishResponse>>();
        for (var i = 0; i < outstanding; i++)
        {
            pending.Add(PublishAsync(publishTimeout, cancellationToken));
        }

        var tick = Task.Delay(WatchdogTick, _time, cancellationToken);
        var waitingFor = new List<Task>(outstanding + 1);
        while (!cancellationToken.IsCancellationRequested)
        {
            waitingFor.Clear();
            waitingFor.AddRange(pending);
            waitingFor.Add(tick);
            var done = await Task.WhenAny(waitingFor);
            if (done == tick)
            {
                await tick;
                CheckSilence();
                tick = Task.Delay(WatchdogTick, _time, cancellationToken);
                continue;
            }

            var answered = (Task<PublishResponse>)done;
            pending.Remove(answered);
            PublishResponse response;
            try
            {
                response = await answered;
            }
            catch (UaServiceException e) when (e.StatusCode == StatusCodes.BadTimeout)
            {
                // A request the server held past its promise: the silence check says whether that matters.
                pending.Add(PublishAsync(publishTimeout, cancellationToken));
                CheckSilence();
                continue;
            }
            catch (UaServiceException e) when (e.StatusCode is StatusCodes.BadNoSubscription or StatusCodes.BadSubscriptionIdInvalid or StatusCodes.BadSessionIdInvalid or StatusCodes.BadSessionClosed)
            {
                throw new UaServiceException(e.StatusCode, $"{_client.EndpointUrl}: the server dropped the session's subscriptions ({e.StatusName}): recovering");
            }
            catch (UaServiceException e) when (e.StatusCode == StatusCodes.BadTooManyPublishRequests)
            {
                // The server holds fewer requests than we sent: keep one less outstanding (but at least one).
                if (pending.Count == 0)
                {
                    pending.Add(PublishAsync(publishTimeout, cancellationToken));
                }

                continue;
            }

            pending.Add(PublishAsync(publishTimeout, cancellationToken));
            if (!_subscriptions.TryGetValue(response.SubscriptionId, out var subscription))
            {
                continue;
            }

            _lastHeard[subscription.Id] = _time.GetTimestamp();
            await subscription.HandleAsync(_client, response.NotificationMessage, this, cancellationToken);
        }
    }

    private void CheckSilence()
    {
        var now = _time.GetTimestamp();
        foreach (var subscription in _subscriptions.Values)
        {
            var silent = _time.GetElapsedTime(_lastHeard[subscription.Id], now);
            if (silent > subscription.Silence)
            {
                throw new UaServiceException(
                    StatusCodes.BadNoCommunication,
                    $"{_client.EndpointUrl}: subscription {subscription.Id} of group {subscription.Group.Machine}/{subscription.Group.Name} sent nothing for {silent.TotalSeconds:0} s (no data, no keep-alive; at most {subscription.Silence.TotalSeconds:0} s expected): recovering");
            }
        }
    }

    private Task<PublishResponse> PublishAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var acknowledgements = new List<SubscriptionAcknowledgement>();
        while (_acknowledgements.TryDequeue(out var ack))
        {
            acknowledgements.Add(ack);
        }

        return _client.SendAsync<PublishResponse>(new PublishRequest { SubscriptionAcknowledgements = acknowledgements }, cancellationToken, timeout);
    }
}
