using Gateway.OpcUa.SecureChannel;

namespace Gateway.OpcUa.Client;

/// <summary>How a client connects: channel limits, session timeout, identity of this application.</summary>
public sealed record OpcUaClientOptions
{
    public ChannelOptions Channel { get; init; } = new();

    public string ApplicationName { get; init; } = "Changwon Edge Gateway";

    public string ApplicationUri { get; init; } = "urn:changwon-gateway:client";

    public string ProductUri { get; init; } = "urn:changwon-gateway";

    public string SessionName { get; init; } = "gateway";

    /// <summary>Requested session timeout; the server revises it and the keep-alive follows the revised value.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often to read ServerStatus/State to keep the session alive and notice a dead server; zero turns it off.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest number of nodes in one Read when the server advertises no MaxNodesPerRead.</summary>
    public int DefaultMaxNodesPerRead { get; init; } = 5000;
}
