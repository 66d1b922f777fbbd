using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Server.Events;
using Gateway.OpcUa.Server.Sessions;
using Gateway.OpcUa.Server.Subscriptions;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server;

/// <summary>Events and conditions: event monitored items, delivery of raised events, and the Call service for conditions.</summary>
public sealed partial class ServiceDispatcher
{
    /// <summary>Part 4, 5.12.2: a monitored item on the EventNotifier attribute with an EventFilter.</summary>
    private MonitoredItemCreateResult CreateEventItem(Subscription subscription, MonitoredItemCreateRequest create)
    {
        if (AddressSpace.Find(create.ItemToMonitor.NodeId) is not ObjectNode notifier || (notifier.EventNotifier & 1) == 0)
        {
            // Part 4, 5.12.2.4: only objects that are event notifiers (SubscribeToEvents) can be monitored for events.
            return new MonitoredItemCreateResult { StatusCode = AddressSpace.Find(create.ItemToMonitor.NodeId) is null ? StatusCodes.BadNodeIdUnknown : StatusCodes.BadAttributeIdInvalid };
        }

        if (create.MonitoringMode is < MonitoringMode.Disabled or > MonitoringMode.Reporting)
        {
            return new MonitoredItemCreateResult { StatusCode = StatusCodes.BadMonitoringModeInvalid };
        }

        if (create.RequestedParameters.Filter.Body is not EventFilter filter)
        {
            return new MonitoredItemCreateResult { StatusCode = StatusCodes.BadMonitoredItemFilterInvalid };
        }

        if (filter.SelectClauses is not { Length: > 0 } selects)
        {
            return new MonitoredItemCreateResult { StatusCode = StatusCodes.BadEventFilterInvalid };
        }

        var where = EventFilterEvaluator.Check(filter.WhereClause, out var valid);
        var result = new EventFilterResult
        {
            // Unknown browse paths are allowed: they read as Null (Part 4, 7.22.3).
            SelectClauseResults = [.. selects.Select(_ => StatusCode.Good)],
            SelectClauseDiagnosticInfos = [],
            WhereClauseResult = where,
        };
        if (!valid)
        {
            return new MonitoredItemCreateResult { StatusCode = StatusCodes.BadMonitoredItemFilterInvalid, FilterResult = ExtensionObject.From(result) };
        }

        var item = subscription.CreateEventItem(notifier.NodeId, filter);
        lock (subscription.Gate)
        {
            item.ClientHandle = create.RequestedParameters.ClientHandle;
            item.Mode = create.MonitoringMode;
            // Events come in bursts (a refresh sends them all at once): the queue is never smaller than 1000.
            item.QueueSize = Math.Clamp(Math.Max(create.RequestedParameters.QueueSize, 1000u), 1, Math.Max(Limits.MaxQueueSize, 1000u));
        }

        return new MonitoredItemCreateResult
        {
            StatusCode = StatusCode.Good,
            MonitoredItemId = item.Id,
            RevisedSamplingInterval = 0,
            RevisedQueueSize = item.QueueSize,
            FilterResult = ExtensionObject.From(result),
        };
    }

    private void OnEvent(ServerEvent serverEvent)
    {
        foreach (var subscription in _subscriptions.Values)
        {
            subscription.OfferEvent(serverEvent, AddressSpace);
        }
    }

    /// <summary>Part 4, 5.11.2: the methods of conditions, ConditionRefresh (Part 9, 5.5.7) and Acknowledge (5.7.3).</summary>
    private CallResponse Call(CallRequest request, ServerSession session)
    {
        CheckCount(request.MethodsToCall?.Count, 0);
        var results = request.MethodsToCall!.Select(call => CallOne(call, session)).ToArray();
        return new CallResponse { Results = results, DiagnosticInfos = [] };
    }

    private CallMethodResult CallOne(CallMethodRequest call, ServerSession session)
    {
        var args = call.InputArguments ?? [];
        if (call.MethodId == EventTypes.ConditionRefresh)
        {
            if (args is not [{ Type: BuiltInType.UInt32 } id])
            {
                return Result(args.Length == 0 ? StatusCodes.BadArgumentsMissing : StatusCodes.BadInvalidArgument);
            }

            if (session.FindSubscription((uint)id.Value!) is not { } subscription)
            {
                return Result(StatusCodes.BadSubscriptionIdInvalid);
            }

            subscription.OfferRefresh(AddressSpace.Events.RetainedConditions(), AddressSpace);
            return Result(StatusCode.Good.Code);
        }

        if (call.MethodId == EventTypes.Acknowledge)
        {
            if (AddressSpace.Events.FindCondition(call.ObjectId) is not { } condition)
            {
                return Result(StatusCodes.BadNodeIdUnknown);
            }

            if (args is not [{ Type: BuiltInType.ByteString } eventId, { Type: BuiltInType.LocalizedText } comment])
            {
                return Result(args.Length < 2 ? StatusCodes.BadArgumentsMissing : StatusCodes.BadInvalidArgument);
            }

            return Result(condition.Acknowledge((byte[])eventId.Value!, (LocalizedText)comment.Value!));
        }

        return Result(StatusCodes.BadMethodInvalid);

        static CallMethodResult Result(uint status) => new() { StatusCode = new StatusCode(status), InputArgumentResults = [], InputArgumentDiagnosticInfos = [], OutputArguments = [] };
    }
}
