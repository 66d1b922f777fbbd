namespace Gateway.OpcUa.Server;

/// <summary>
/// What the server allows per call, session and subscription. The per-call limits are published under
/// Server/ServerCapabilities/OperationLimits (Part 5, 6.3.11) so a client can split its requests.
/// </summary>
public sealed record ServerLimits
{
    public uint MaxNodesPerRead { get; init; } = 200_000;

    public uint MaxNodesPerBrowse { get; init; } = 10_000;

    public uint MaxNodesPerTranslateBrowsePathsToNodeIds { get; init; } = 10_000;

    public uint MaxMonitoredItemsPerCall { get; init; } = 100_000;

    /// <summary>References returned per node by one Browse before a continuation point is handed out.</summary>
    public uint MaxReferencesPerNode { get; init; } = 1_000;

    public uint MaxBrowseContinuationPoints { get; init; } = 50;

    public int MaxSessions { get; init; } = 100;

    public int MaxSubscriptionsPerSession { get; init; } = 100;

    public int MaxMonitoredItemsPerSubscription { get; init; } = 250_000;

    /// <summary>Publish requests a session may park; a further one answers the oldest with BadTooManyPublishRequests.</summary>
    public int MaxPublishRequestsPerSession { get; init; } = 32;

    /// <summary>Sent notification messages kept per subscription for Republish until acknowledged (Part 4, 5.13.1.1).</summary>
    public int MaxRetransmissionQueue { get; init; } = 64;

    public double MinPublishingIntervalMs { get; init; } = 20;

    public double MinSamplingIntervalMs { get; init; } = 10;

    public uint MaxNotificationsPerPublish { get; init; } = 50_000;

    public double MinSessionTimeoutMs { get; init; } = 10_000;

    public double MaxSessionTimeoutMs { get; init; } = 3_600_000;

    public uint MaxMessageSize { get; init; } = 128 * 1024 * 1024;

    public uint MaxChunkCount { get; init; } = 8192;

    public uint MaxQueueSize { get; init; } = 1_000;
}
