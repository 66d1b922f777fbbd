using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Server.Channels;
using Gateway.OpcUa.Server.Services;
using Gateway.OpcUa.Server.Sessions;
using Gateway.OpcUa.Server.Subscriptions;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;
using Microsoft.Extensions.Logging;

namespace Gateway.OpcUa.Server;

public sealed partial class ServiceDispatcher
{
    private const uint MaxKeepAliveCount = 10_000;

    private (double Interval, uint Lifetime, uint KeepAlive) Revise(double interval, uint lifetime, uint keepAlive)
    {
        // Part 4, 5.13.2.2: the server revises what it cannot honour; the lifetime is at least three keep-alives.
        var revisedInterval = double.IsNaN(interval) || interval < Limits.MinPublishingIntervalMs ? Limits.MinPublishingIntervalMs : Math.Min(interval, 3_600_000);
        var revisedKeepAlive = Math.Clamp(keepAlive == 0 ? 10 : keepAlive, 1, MaxKeepAliveCount);
        var revisedLifetime = Math.Max(lifetime, revisedKeepAlive * 3);
        return (revisedInterval, revisedLifetime, revisedKeepAlive);
    }

    private CreateSubscriptionResponse CreateSubscription(CreateSubscriptionRequest request, ServerSession session)
    {
        if (session.SubscriptionCount >= Limits.MaxSubscriptionsPerSession)
        {
            throw new ServiceFaultException(StatusCodes.BadTooManySubscriptions, $"a session may have {Limits.MaxSubscriptionsPerSession} subscriptions");
        }

        var (interval, lifetime, keepAlive) = Revise(request.RequestedPublishingInterval, request.RequestedLifetimeCount, request.RequestedMaxKeepAliveCount);
        var subscription = new Subscription((uint)Interlocked.Increment(ref _nextSubscriptionId), session, Limits.MaxRetransmissionQueue)
        {
            PublishingInterval = interval,
            LifetimeCount = lifetime,
            MaxKeepAliveCount = keepAlive,
            MaxNotificationsPerPublish = request.MaxNotificationsPerPublish,
            PublishingEnabled = request.PublishingEnabled,
            Priority = request.Priority,
        };
        subscription.SetKeepAliveDue();
        _subscriptions[subscription.Id] = subscription;
        session.AddSubscription(subscription);
        ScheduleChanged?.Invoke(subscription.NextCycleTicks); // its first cycle is due now
        return new CreateSubscriptionResponse
        {
            SubscriptionId = subscription.Id,
            RevisedPublishingInterval = interval,
            RevisedLifetimeCount = lifetime,
            RevisedMaxKeepAliveCount = keepAlive,
        };
    }

    private Subscription RequireSubscription(ServerSession session, uint id) =>
        session.FindSubscription(id) ?? throw new ServiceFaultException(StatusCodes.BadSubscriptionIdInvalid, $"subscription {id} does not exist in this session");

    private ModifySubscriptionResponse ModifySubscription(ModifySubscriptionRequest request, ServerSession session)
    {
        var subscription = RequireSubscription(session, request.SubscriptionId);
        var (interval, lifetime, keepAlive) = Revise(request.RequestedPublishingInterval, request.RequestedLifetimeCount, request.RequestedMaxKeepAliveCount);
        lock (subscription.Gate)
        {
            subscription.PublishingInterval = interval;
            subscription.LifetimeCount = lifetime;
            subscription.MaxKeepAliveCount = keepAlive;
            subscription.MaxNotificationsPerPublish = request.MaxNotificationsPerPublish;
            subscription.Priority = request.Priority;
        }

        ScheduleChanged?.Invoke(subscription.NextCycleTicks);
        return new ModifySubscriptionResponse { RevisedPublishingInterval = interval, RevisedLifetimeCount = lifetime, RevisedMaxKeepAliveCount = keepAlive };
    }

    private SetPublishingModeResponse SetPublishingMode(SetPublishingModeRequest request, ServerSession session)
    {
        CheckCount(request.SubscriptionIds?.Length, 0);
        var results = request.SubscriptionIds!.Select(id =>
        {
            if (session.FindSubscription(id) is not { } subscription)
            {
                return new StatusCode(StatusCodes.BadSubscriptionIdInvalid);
            }

            lock (subscription.Gate)
            {
                subscription.PublishingEnabled = request.PublishingEnabled;
            }

            return StatusCode.Good;
        }).ToArray();
        return new SetPublishingModeResponse { Results = results, DiagnosticInfos = [] };
    }

    private DeleteSubscriptionsResponse DeleteSubscriptions(DeleteSubscriptionsRequest request, ServerSession session)
    {
        CheckCount(request.SubscriptionIds?.Count, 0);
        var results = request.SubscriptionIds!.Select(id =>
        {
            if (!session.RemoveSubscription(id) || !_subscriptions.TryRemove(id, out var subscription))
            {
                return new StatusCode(StatusCodes.BadSubscriptionIdInvalid);
            }

            subscription.Close();
            return StatusCode.Good;
        }).ToArray();
        if (session.SubscriptionCount == 0)
        {
            // Part 4, 5.13.5: with no subscription left, parked Publish requests are answered BadNoSubscription.
            foreach (var parked in session.TakeExpiredParked(DateTime.UtcNow.Ticks, all: true))
            {
                parked.Channel.Send(parked.RequestId, Fault(parked.RequestHandle, StatusCodes.BadNoSubscription));
            }
        }

        return new DeleteSubscriptionsResponse { Results = results, DiagnosticInfos = [] };
    }

    private TransferSubscriptionsResponse TransferSubscriptions(TransferSubscriptionsRequest request, ServerSession session, ServiceContext context)
    {
        CheckCount(request.SubscriptionIds?.Length, 0);
        var results = new List<TransferResult>();
        foreach (var id in request.SubscriptionIds!)
        {
            if (!_subscriptions.TryGetValue(id, out var subscription))
            {
                results.Add(new TransferResult { StatusCode = StatusCodes.BadSubscriptionIdInvalid });
                continue;
            }

            var previous = subscription.Session;
            if (!ReferenceEquals(previous, session))
            {
                // Part 4, 5.13.7: only the same user may take a subscription over.
                if (!string.Equals(previous.UserName, session.UserName, StringComparison.Ordinal))
                {
                    results.Add(new TransferResult { StatusCode = StatusCodes.BadUserAccessDenied });
                    continue;
                }

                previous.RemoveSubscription(id);
                subscription.Session = session;
                session.AddSubscription(subscription);
                TellTransferred(previous, id);
            }

            if (request.SendInitialValues)
            {
                subscription.RequeueAll();
            }

            results.Add(new TransferResult { StatusCode = StatusCode.Good, AvailableSequenceNumbers = subscription.AvailableSequenceNumbers() });
        }

        _ = context;
        return new TransferSubscriptionsResponse { Results = [.. results] };
    }

    /// <summary>Part 4, 5.13.7.1: the old session learns through a StatusChangeNotification that it lost the subscription.</summary>
    private static void TellTransferred(ServerSession previous, uint subscriptionId)
    {
        if (previous.TryTakeParked(out var parked))
        {
            parked.Channel.Send(parked.RequestId, new PublishResponse
            {
                ResponseHeader = new ResponseHeader { RequestHandle = parked.RequestHandle },
                SubscriptionId = subscriptionId,
                AvailableSequenceNumbers = [],
                NotificationMessage = new NotificationMessage
                {
                    SequenceNumber = 0,
                    PublishTime = DateTime.UtcNow,
                    NotificationData = [ExtensionObject.From(new StatusChangeNotification { Status = StatusCodes.GoodSubscriptionTransferred })],
                },
                Results = parked.AckResults,
                DiagnosticInfos = [],
            });
        }
    }

    private CreateMonitoredItemsResponse CreateMonitoredItems(CreateMonitoredItemsRequest request, ServerSession session)
    {
        var subscription = RequireSubscription(session, request.SubscriptionId);
        CheckCount(request.ItemsToCreate?.Count, Limits.MaxMonitoredItemsPerCall);
        CheckTimestamps(request.TimestampsToReturn);
        var results = new MonitoredItemCreateResult[request.ItemsToCreate!.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = CreateItem(subscription, request.ItemsToCreate[i], request.TimestampsToReturn);
        }

        return new CreateMonitoredItemsResponse { Results = results, DiagnosticInfos = [] };
    }

    private static void CheckTimestamps(TimestampsToReturn timestamps)
    {
        if (timestamps is < TimestampsToReturn.Source or > TimestampsToReturn.Neither)
        {
            throw new ServiceFaultException(StatusCodes.BadTimestampsToReturnInvalid, $"TimestampsToReturn {(int)timestamps} is not defined");
        }
    }

    private MonitoredItemCreateResult CreateItem(Subscription subscription, MonitoredItemCreateRequest create, TimestampsToReturn timestamps)
    {
        var node = AddressSpace.Find(create.ItemToMonitor.NodeId);
        if (node is null)
        {
            return new MonitoredItemCreateResult { StatusCode = StatusCodes.BadNodeIdUnknown };
        }

        if (create.ItemToMonitor.AttributeId == Attributes.EventNotifier)
        {
            return CreateEventItem(subscription, create);
        }

        if (create.ItemToMonitor.AttributeId != Attributes.Value || node is not VariableNode variable)
        {
            // Only value changes are monitored; other attributes of this address space never change.
            return new MonitoredItemCreateResult { StatusCode = StatusCodes.BadAttributeIdInvalid };
        }

        if (!string.IsNullOrEmpty(create.ItemToMonitor.IndexRange))
        {
            return new MonitoredItemCreateResult { StatusCode = StatusCodes.BadIndexRangeInvalid };
        }

        if (create.MonitoringMode is < MonitoringMode.Disabled or > MonitoringMode.Reporting)
        {
            return new MonitoredItemCreateResult { StatusCode = StatusCodes.BadMonitoringModeInvalid };
        }

        if (subscription.ItemCount >= Limits.MaxMonitoredItemsPerSubscription)
        {
            return new MonitoredItemCreateResult { StatusCode = StatusCodes.BadTooManyMonitoredItems };
        }

        var filterStatus = ParseFilter(create.RequestedParameters.Filter, variable, out var trigger, out var deadband);
        if (filterStatus != StatusCodes.Good)
        {
            return new MonitoredItemCreateResult { StatusCode = filterStatus };
        }

        var item = subscription.CreateItem(variable, Attributes.Value, timestamps);
        lock (subscription.Gate)
        {
            Apply(item, subscription, create.RequestedParameters, trigger, deadband);
            item.Mode = create.MonitoringMode;
        }

        if (!item.IsPolled)
        {
            variable.AddObserver(item);
        }

        // Part 4, 5.12.1.2: the first sample is always reported.
        subscription.Offer(item, variable.Value);
        return new MonitoredItemCreateResult
        {
            StatusCode = StatusCode.Good,
            MonitoredItemId = item.Id,
            RevisedSamplingInterval = item.SamplingInterval,
            RevisedQueueSize = item.QueueSize,
        };
    }

    private void Apply(MonitoredItem item, Subscription subscription, MonitoringParameters parameters, DataChangeTrigger trigger, double deadband)
    {
        // Part 4, 5.12.1.2: -1 means the publishing interval; faster than the node changes is pointless.
        var sampling = parameters.SamplingInterval < 0 ? subscription.PublishingInterval : parameters.SamplingInterval;
        sampling = Math.Max(sampling, Math.Max(item.Node.MinimumSamplingInterval, Limits.MinSamplingIntervalMs));
        item.SamplingInterval = sampling;
        item.ClientHandle = parameters.ClientHandle;
        item.DiscardOldest = parameters.DiscardOldest;
        item.Resize(Math.Clamp(parameters.QueueSize, 1, Limits.MaxQueueSize));
        item.Trigger = trigger;
        item.AbsoluteDeadband = deadband;
    }

    /// <summary>Part 4, 7.22.2: checks a DataChangeFilter and turns a percent deadband into an absolute one.</summary>
    private static uint ParseFilter(ExtensionObject filter, VariableNode node, out DataChangeTrigger trigger, out double deadband)
    {
        trigger = DataChangeTrigger.StatusValue;
        deadband = 0;
        if (filter.TypeId.IsNull && filter.Body is null)
        {
            return StatusCodes.Good;
        }

        if (filter.Body is not DataChangeFilter change)
        {
            return StatusCodes.BadMonitoredItemFilterUnsupported;
        }

        if (change.Trigger is < DataChangeTrigger.Status or > DataChangeTrigger.StatusValueTimestamp)
        {
            return StatusCodes.BadMonitoredItemFilterInvalid;
        }

        trigger = change.Trigger;
        var numeric = node.DataType.NamespaceIndex == 0 && node.DataType.IdType == IdType.Numeric && node.DataType.NumericIdentifier is >= 2 and <= 11 or 26 or 27 or 28 or 290;
        switch (change.DeadbandType)
        {
            case DeadbandType.None:
                return StatusCodes.Good;
            case DeadbandType.Absolute when change.DeadbandValue < 0:
                return StatusCodes.BadDeadbandFilterInvalid;
            case DeadbandType.Absolute when !numeric:
                return StatusCodes.BadFilterNotAllowed;
            case DeadbandType.Absolute:
                deadband = change.DeadbandValue;
                return StatusCodes.Good;
            case DeadbandType.Percent when change.DeadbandValue is < 0 or > 100:
                return StatusCodes.BadDeadbandFilterInvalid;
            case DeadbandType.Percent when !numeric || node.EuRange is null:
                // Part 4, 7.22.2: a percent deadband needs the EURange property.
                return StatusCodes.BadFilterNotAllowed;
            case DeadbandType.Percent:
                var (low, high) = node.EuRange!.Value;
                deadband = change.DeadbandValue / 100.0 * Math.Abs(high - low);
                return StatusCodes.Good;
            default:
                return StatusCodes.BadDeadbandFilterInvalid;
        }
    }

    private ModifyMonitoredItemsResponse ModifyMonitoredItems(ModifyMonitoredItemsRequest request, ServerSession session)
    {
        var subscription = RequireSubscription(session, request.SubscriptionId);
        CheckCount(request.ItemsToModify?.Length, Limits.MaxMonitoredItemsPerCall);
        CheckTimestamps(request.TimestampsToReturn);
        var results = request.ItemsToModify!.Select(modify =>
        {
            if (subscription.FindItem(modify.MonitoredItemId) is not { } item)
            {
                return new MonitoredItemModifyResult { StatusCode = StatusCodes.BadMonitoredItemIdInvalid };
            }

            var status = ParseFilter(modify.RequestedParameters.Filter, item.Node, out var trigger, out var deadband);
            if (status != StatusCodes.Good)
            {
                return new MonitoredItemModifyResult { StatusCode = status };
            }

            lock (subscription.Gate)
            {
                Apply(item, subscription, modify.RequestedParameters, trigger, deadband);
                item.Timestamps = request.TimestampsToReturn;
            }

            return new MonitoredItemModifyResult { StatusCode = StatusCode.Good, RevisedSamplingInterval = item.SamplingInterval, RevisedQueueSize = item.QueueSize };
        }).ToArray();
        return new ModifyMonitoredItemsResponse { Results = results };
    }

    private SetMonitoringModeResponse SetMonitoringMode(SetMonitoringModeRequest request, ServerSession session)
    {
        var subscription = RequireSubscription(session, request.SubscriptionId);
        CheckCount(request.MonitoredItemIds?.Length, Limits.MaxMonitoredItemsPerCall);
        if (request.MonitoringMode is < MonitoringMode.Disabled or > MonitoringMode.Reporting)
        {
            throw new ServiceFaultException(StatusCodes.BadMonitoringModeInvalid, $"monitoring mode {(int)request.MonitoringMode} is not defined");
        }

        var results = request.MonitoredItemIds!.Select(id =>
        {
            if (subscription.FindItem(id) is not { } item)
            {
                return new StatusCode(StatusCodes.BadMonitoredItemIdInvalid);
            }

            lock (subscription.Gate)
            {
                item.Mode = request.MonitoringMode;
                if (request.MonitoringMode == MonitoringMode.Disabled)
                {
                    item.ClearQueue();
                }
            }

            if (request.MonitoringMode == MonitoringMode.Reporting)
            {
                subscription.Offer(item, item.Node.Value, force: true);
            }

            return StatusCode.Good;
        }).ToArray();
        return new SetMonitoringModeResponse { Results = results, DiagnosticInfos = [] };
    }

    private DeleteMonitoredItemsResponse DeleteMonitoredItems(DeleteMonitoredItemsRequest request, ServerSession session)
    {
        var subscription = RequireSubscription(session, request.SubscriptionId);
        CheckCount(request.MonitoredItemIds?.Count, Limits.MaxMonitoredItemsPerCall);
        var results = request.MonitoredItemIds!
            .Select(id => subscription.RemoveItem(id) ? StatusCode.Good : new StatusCode(StatusCodes.BadMonitoredItemIdInvalid))
            .ToArray();
        return new DeleteMonitoredItemsResponse { Results = results, DiagnosticInfos = [] };
    }

    private IServiceMessage? Publish(PublishRequest request, ServerSession session, ServiceContext context)
    {
        var acks = request.SubscriptionAcknowledgements ?? [];
        var ackResults = acks.Select(ack => session.FindSubscription(ack.SubscriptionId) is { } s
            ? s.Acknowledge(ack.SequenceNumber)
            : new StatusCode(StatusCodes.BadSubscriptionIdInvalid)).ToArray();
        if (session.SubscriptionCount == 0)
        {
            throw new ServiceFaultException(StatusCodes.BadNoSubscription, "the session has no subscription");
        }

        var timeout = request.RequestHeader.TimeoutHint;
        var deadline = timeout == 0 ? 0 : DateTime.UtcNow.Ticks + (timeout * TimeSpan.TicksPerMillisecond);
        var pushedOut = session.Park(new ParkedPublish(context.Channel, context.RequestId, request.RequestHeader.RequestHandle, deadline, ackResults), Limits.MaxPublishRequestsPerSession);
        if (deadline > 0)
        {
            ScheduleChanged?.Invoke(deadline + 1);
        }

        if (pushedOut is { } old)
        {
            old.Channel.Send(old.RequestId, Fault(old.RequestHandle, StatusCodes.BadTooManyPublishRequests));
        }

        foreach (var subscription in session.Subscriptions)
        {
            subscription.ResetLifetime();
        }

        ServeLate(session);
        return null;
    }

    /// <summary>Answers parked Publish requests for subscriptions that had something to send and no request (Part 4, 5.13.1.2).</summary>
    internal void ServeLate(ServerSession session)
    {
        foreach (var subscription in InTurn(session.Subscriptions))
        {
            if (subscription.IsLate || subscription.HasMore)
            {
                Serve(session, subscription);
            }
        }
    }

    /// <summary>
    /// The order in which subscriptions with something to send take the session's Publish requests (Part 4, 5.14.2.2,
    /// CreateSubscription's priority): the highest priority first, and among equal priorities in turn, the one served
    /// longest ago first (round robin). In a fixed order instead (creation), a client short of Publish requests (slow or
    /// starved of CPU) had them all taken by its first subscriptions while the last ones' item queues overflowed.
    /// </summary>
    internal static IEnumerable<Subscription> InTurn(IEnumerable<Subscription> subscriptions) =>
        subscriptions.OrderByDescending(s => s.Priority).ThenBy(s => s.LastServedTurn);

    /// <summary>Sends the subscription's next message(s) on parked Publish requests, while there are requests and messages.</summary>
    internal void Serve(ServerSession session, Subscription subscription)
    {
        while (session.TryTakeParked(out var parked))
        {
            var response = subscription.TakeMessage(Limits.MaxNotificationsPerPublish);
            response.ResponseHeader = new ResponseHeader { RequestHandle = parked.RequestHandle, Timestamp = DateTime.UtcNow };
            response.Results = parked.AckResults;
            response.DiagnosticInfos = [];
            parked.Channel.Send(parked.RequestId, response);
            if (!response.MoreNotifications)
            {
                return;
            }
        }
    }

    private RepublishResponse Republish(RepublishRequest request, ServerSession session)
    {
        var subscription = RequireSubscription(session, request.SubscriptionId);
        var message = subscription.Republish(request.RetransmitSequenceNumber)
            ?? throw new ServiceFaultException(StatusCodes.BadMessageNotAvailable, $"message {request.RetransmitSequenceNumber} is no longer in the retransmission queue");
        return new RepublishResponse { NotificationMessage = message };
    }

    /// <summary>Deletes an expired subscription (Part 4, 5.13.1.1: its lifetime counter ran out).</summary>
    internal void Expire(Subscription subscription)
    {
        _logger.LogInformation("subscription {Id} of session {Session} expired: no Publish request for {Count} publishing intervals", subscription.Id, subscription.Session.Name, subscription.LifetimeCount);
        subscription.Session.RemoveSubscription(subscription.Id);
        _subscriptions.TryRemove(subscription.Id, out _);
        subscription.Close();
    }
}
