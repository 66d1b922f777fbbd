using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.Services;

public static class ServerMessageTypes
{
    /// <summary>
    /// Decodes one service message. A well-formed request of a service this server does not implement comes back as
    /// <see cref="UnsupportedRequest"/> with its header, so the caller can answer BadServiceUnsupported (Part 4, 7.34)
    /// instead of dropping the channel.
    /// </summary>
    public static IServiceMessage Decode(ReadOnlySpan<byte> body, DecodingLimits limits)
    {
        MessageTypes.EnsureRegistered();
        var peek = new UaBinaryReader(body, limits);
        var typeId = peek.ReadNodeId();
        var reader = new UaBinaryReader(body, limits);
        try
        {
            return MessageTypes.Decode(ref reader);
        }
        catch (UaDecodingException e) when (e.StatusCode == StatusCodes.BadServiceUnsupported)
        {
            var header = new RequestHeader();
            header.Decode(ref peek);
            return new UnsupportedRequest(typeId, header);
        }
    }

    public static void Encode(UaBinaryWriter writer, IServiceMessage message) => MessageTypes.Encode(writer, message);
}

/// <summary>A request of a service the server does not implement: only its type and header were decoded.</summary>
public sealed class UnsupportedRequest : ServiceRequest
{
    public UnsupportedRequest(NodeId typeId, RequestHeader header)
    {
        TypeId = typeId;
        RequestHeader = header;
    }

    public NodeId TypeId { get; }

    public override uint BinaryEncodingId => TypeId.IdType == IdType.Numeric ? TypeId.NumericIdentifier : 0;

    protected override void EncodeBody(UaBinaryWriter writer) => throw new NotSupportedException();

    protected override void DecodeBody(ref UaBinaryReader reader) => throw new NotSupportedException();
}
