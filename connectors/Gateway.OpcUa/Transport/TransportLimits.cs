namespace Gateway.OpcUa.Transport;

/// <summary>What one side of a UA-TCP connection offers in Hello / Acknowledge (Part 6, 7.1.2.3).</summary>
public sealed record TransportLimits
{
    /// <summary>Largest chunk this side can receive.</summary>
    public uint ReceiveBufferSize { get; init; } = 65535;

    /// <summary>Largest chunk this side will send.</summary>
    public uint SendBufferSize { get; init; } = 65535;

    /// <summary>Largest message this side accepts (0 = no limit). Checked while chunks arrive, before they are kept.</summary>
    public uint MaxMessageSize { get; init; } = 64 * 1024 * 1024;

    /// <summary>Most chunks of one message this side accepts (0 = no limit).</summary>
    public uint MaxChunkCount { get; init; } = 4096;
}
