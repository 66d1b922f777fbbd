using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Services;

public enum SecurityTokenRequestType
{
    Issue = 0,
    Renew = 1,
}

public enum MessageSecurityMode
{
    Invalid = 0,
    None = 1,
    Sign = 2,
    SignAndEncrypt = 3,
}

/// <summary>Part 4, 5.5.2.</summary>
public sealed class OpenSecureChannelRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 446;

    public uint ClientProtocolVersion { get; set; }

    public SecurityTokenRequestType RequestType { get; set; }

    public MessageSecurityMode SecurityMode { get; set; } = MessageSecurityMode.None;

    public byte[]? ClientNonce { get; set; }

    public uint RequestedLifetime { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteUInt32(ClientProtocolVersion);
        writer.WriteInt32((int)RequestType);
        writer.WriteInt32((int)SecurityMode);
        writer.WriteByteString(ClientNonce ?? []);
        writer.WriteUInt32(RequestedLifetime);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        ClientProtocolVersion = reader.ReadUInt32();
        RequestType = (SecurityTokenRequestType)reader.ReadInt32();
        SecurityMode = (MessageSecurityMode)reader.ReadInt32();
        ClientNonce = reader.ReadByteString();
        RequestedLifetime = reader.ReadUInt32();
    }
}

/// <summary>Part 4, 5.5.2.</summary>
public sealed class OpenSecureChannelResponse : ServiceResponse
{
    public override uint BinaryEncodingId => 449;

    public uint ServerProtocolVersion { get; set; }

    public uint ChannelId { get; set; }

    public uint TokenId { get; set; }

    public DateTime CreatedAt { get; set; }

    public uint RevisedLifetime { get; set; }

    public byte[]? ServerNonce { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteUInt32(ServerProtocolVersion);
        writer.WriteUInt32(ChannelId);
        writer.WriteUInt32(TokenId);
        writer.WriteDateTime(CreatedAt);
        writer.WriteUInt32(RevisedLifetime);
        writer.WriteByteString(ServerNonce ?? []);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        ServerProtocolVersion = reader.ReadUInt32();
        ChannelId = reader.ReadUInt32();
        TokenId = reader.ReadUInt32();
        CreatedAt = reader.ReadDateTime();
        RevisedLifetime = reader.ReadUInt32();
        ServerNonce = reader.ReadByteString();
    }
}

/// <summary>Part 4, 5.5.3.</summary>
public sealed class CloseSecureChannelRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 452;

    protected override void EncodeBody(UaBinaryWriter writer)
    {
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
    }
}
