namespace Gateway.OpcUa.Client.Subscriptions;

/// <summary>
/// What CreateSubscription asks for (Part 4, 5.13.2). The server may revise every value; <see cref="Subscription"/>
/// carries what it granted.
/// </summary>
public sealed record SubscriptionSettings
{
    public TimeSpan PublishingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Publishing intervals without data after which the server sends a keep-alive.</summary>
    public uint MaxKeepAliveCount { get; init; } = 10;

    /// <summary>Publishing intervals without a Publish request after which the server deletes the subscription (at least 3 keep-alive counts).</summary>
    public uint LifetimeCount { get; init; } = 60;

    /// <summary>0 = no limit.</summary>
    public uint MaxNotificationsPerPublish { get; init; }

    public byte Priority { get; init; }

    public bool PublishingEnabled { get; init; } = true;

    /// <summary>What messages about this subscription call it (the caller's name for it); the id when empty.</summary>
    public string? DisplayName { get; init; }

    /// <summary>
    /// A lifetime count of three session timeouts: within the session timeout the session is reactivated; after it the
    /// server has closed the session but keeps its subscriptions (Part 4, 5.6.1) while the client reconnects with backoff,
    /// and they can still be transferred to a new one (Part 4, 5.13.2: at least three keep-alive counts).
    /// </summary>
    public static uint LifetimeFor(TimeSpan publishingInterval, uint maxKeepAliveCount, TimeSpan sessionTimeout) =>
        (uint)Math.Clamp(Math.Ceiling(3 * sessionTimeout.TotalMilliseconds / Math.Max(1, publishingInterval.TotalMilliseconds)), 3.0 * maxKeepAliveCount, 100_000);
}
