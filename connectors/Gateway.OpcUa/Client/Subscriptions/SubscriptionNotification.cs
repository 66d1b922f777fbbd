using Gateway.OpcUa.Services;

namespace Gateway.OpcUa.Client.Subscriptions;

/// <summary>
/// One notification message of one subscription (Part 4, 7.25), in sequence-number order: its data changes and its
/// events. The message is acknowledged to the server only after the handler's task has completed.
/// </summary>
public sealed class SubscriptionNotification
{
    internal SubscriptionNotification(Subscription subscription, NotificationMessage message, bool republished, IReadOnlyList<MonitoredItemNotification> dataChanges, IReadOnlyList<EventFieldList> events)
    {
        Subscription = subscription;
        SequenceNumber = message.SequenceNumber;
        PublishTime = message.PublishTime;
        Republished = republished;
        DataChanges = dataChanges;
        Events = events;
    }

    public Subscription Subscription { get; }

    public uint SequenceNumber { get; }

    public DateTime PublishTime { get; }

    /// <summary>True when the message came through Republish (a gap, or a catch-up after a transfer).</summary>
    public bool Republished { get; }

    /// <summary>The data changes, by the client handle each monitored item was created with.</summary>
    public IReadOnlyList<MonitoredItemNotification> DataChanges { get; }

    /// <summary>The events, by client handle, their fields in the order of the item's EventFilter select clauses.</summary>
    public IReadOnlyList<EventFieldList> Events { get; }
}

/// <summary>
/// Receives a subscription's notifications, one at a time and in order. The sequence number is acknowledged once the
/// returned task has completed: complete it only when the data is where it must survive (a buffer on disk), and throw
/// to leave it unacknowledged (the server then keeps it for Republish).
/// </summary>
public delegate ValueTask NotificationHandler(SubscriptionNotification notification, CancellationToken cancellationToken);
