using System.Collections.Concurrent;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Server;
using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Server.Channels;
using Gateway.OpcUa.Server.Sessions;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.OpcUa.Server.Tests;

/// <summary>A channel that keeps what the server sends, for calling the dispatcher without a socket.</summary>
internal sealed class RecordingChannel(uint id) : IResponseChannel
{
    public ConcurrentQueue<(uint RequestId, IServiceMessage Response)> Sent { get; } = new();

    public uint ChannelId => id;

    public bool IsOpen { get; set; } = true;

    public void Send(uint requestId, IServiceMessage response) => Sent.Enqueue((requestId, response));
}

/// <summary>A dispatcher over a small address space, with an activated session, driven by hand (the publish engine too).</summary>
internal sealed class ServiceHarness
{
    private uint _requestId;

    public ServiceHarness(UaServerOptions? options = null, Action<UaAddressSpace>? build = null)
    {
        var serverOptions = options ?? new UaServerOptions();
        Space = new UaAddressSpace(serverOptions.ApplicationUri, serverOptions.Limits);
        build?.Invoke(Space);
        Dispatcher = new ServiceDispatcher(Space, serverOptions, NullLogger.Instance);
        Engine = new PublishEngineDriver(Dispatcher);
    }

    public UaAddressSpace Space { get; }

    public ServiceDispatcher Dispatcher { get; }

    public PublishEngineDriver Engine { get; }

    public RecordingChannel Channel { get; } = new(1);

    public NodeId Token { get; set; } = NodeId.Null;

    public ServiceHarness WithSession(RecordingChannel? channel = null)
    {
        var created = Call<CreateSessionResponse>(new CreateSessionRequest { SessionName = "test", RequestedSessionTimeout = 60_000 }, channel);
        Token = created.AuthenticationToken;
        Call<ActivateSessionResponse>(new ActivateSessionRequest { UserIdentityToken = ExtensionObject.From(new AnonymousIdentityToken { PolicyId = "anonymous" }) }, channel);
        return this;
    }

    public IServiceMessage? Send(ServiceRequest request, RecordingChannel? channel = null)
    {
        request.RequestHeader.AuthenticationToken = Token;
        request.RequestHeader.RequestHandle = ++_requestId;
        // Round-trip through the binary encoding, as on the wire.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        MessageTypes.Encode(new UaBinaryWriter(buffer), request);
        var decoded = (ServiceRequest)Gateway.OpcUa.Server.Services.ServerMessageTypes.Decode(buffer.WrittenSpan, DecodingLimits.Default);
        return Dispatcher.Dispatch(decoded, new ServiceContext(channel ?? Channel, _requestId));
    }

    public T Call<T>(ServiceRequest request, RecordingChannel? channel = null)
        where T : class, IServiceMessage
    {
        var response = Send(request, channel);
        if (response is ServiceFault fault)
        {
            throw new InvalidOperationException($"{request.GetType().Name} failed: {fault.ResponseHeader.ServiceResult}");
        }

        return Assert.IsType<T>(response);
    }

    public StatusCode Fault(ServiceRequest request, RecordingChannel? channel = null) =>
        Assert.IsType<ServiceFault>(Send(request, channel)).ResponseHeader.ServiceResult;
}

/// <summary>Runs the publish engine's cycle at chosen instants instead of on its timer.</summary>
internal sealed class PublishEngineDriver(ServiceDispatcher dispatcher)
{
    private readonly PublishEngine _engine = new(dispatcher, NullLogger.Instance, TimeSpan.FromHours(1));

    public void RunAt(DateTime time) => _engine.RunOnce(time.Ticks);
}
