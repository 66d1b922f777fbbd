namespace Gateway.OpcUa.Server;

/// <summary>How a <see cref="UaServer"/> listens and whom it lets in.</summary>
public sealed record UaServerOptions
{
    /// <summary>The address to listen on; 127.0.0.1 unless told otherwise.</summary>
    public string BindAddress { get; init; } = "127.0.0.1";

    /// <summary>The TCP port; 0 picks a free one (see <see cref="UaServer.Port"/>).</summary>
    public int Port { get; init; }

    /// <summary>The host name put in the endpoint URL; the bind address when null.</summary>
    public string? HostName { get; init; }

    public string ApplicationUri { get; init; } = "urn:changwon-gateway:opcua-server";

    public string ApplicationName { get; init; } = "Changwon Edge Gateway OPC UA server";

    public string ProductUri { get; init; } = "urn:changwon-gateway";

    public bool AllowAnonymous { get; init; } = true;

    /// <summary>User name / password pairs accepted by ActivateSession (UserNameIdentityToken, plain text on policy None).</summary>
    public IReadOnlyDictionary<string, string> Users { get; init; } = new Dictionary<string, string>();

    public ServerLimits Limits { get; init; } = new();
}
