using Gateway.OpcUa.Server.Sessions;

namespace Gateway.OpcUa.Server.Channels;

/// <summary>Where a request came from: its channel and the request id its response must carry.</summary>
public readonly record struct ServiceContext(IResponseChannel Channel, uint RequestId);
