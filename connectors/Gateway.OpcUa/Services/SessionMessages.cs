using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Services;

public enum ApplicationType
{
    Server = 0,
    Client = 1,
    ClientAndServer = 2,
    DiscoveryServer = 3,
}

public enum UserTokenType
{
    Anonymous = 0,
    UserName = 1,
    Certificate = 2,
    IssuedToken = 3,
}

/// <summary>Part 4, 7.2.</summary>
public sealed class ApplicationDescription : IEncodeable
{
    public string? ApplicationUri { get; set; }

    public string? ProductUri { get; set; }

    public LocalizedText ApplicationName { get; set; }

    public ApplicationType ApplicationType { get; set; }

    public string? GatewayServerUri { get; set; }

    public string? DiscoveryProfileUri { get; set; }

    public string?[]? DiscoveryUrls { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteString(ApplicationUri);
        writer.WriteString(ProductUri);
        writer.WriteLocalizedText(ApplicationName);
        writer.WriteInt32((int)ApplicationType);
        writer.WriteString(GatewayServerUri);
        writer.WriteString(DiscoveryProfileUri);
        writer.WriteStrings(DiscoveryUrls);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        ApplicationUri = reader.ReadString();
        ProductUri = reader.ReadString();
        ApplicationName = reader.ReadLocalizedText();
        ApplicationType = (ApplicationType)reader.ReadInt32();
        GatewayServerUri = reader.ReadString();
        DiscoveryProfileUri = reader.ReadString();
        DiscoveryUrls = reader.ReadStrings();
    }
}

/// <summary>Part 4, 7.41.</summary>
public sealed class UserTokenPolicy : IEncodeable
{
    public string? PolicyId { get; set; }

    public UserTokenType TokenType { get; set; }

    public string? IssuedTokenType { get; set; }

    public string? IssuerEndpointUrl { get; set; }

    public string? SecurityPolicyUri { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteString(PolicyId);
        writer.WriteInt32((int)TokenType);
        writer.WriteString(IssuedTokenType);
        writer.WriteString(IssuerEndpointUrl);
        writer.WriteString(SecurityPolicyUri);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        PolicyId = reader.ReadString();
        TokenType = (UserTokenType)reader.ReadInt32();
        IssuedTokenType = reader.ReadString();
        IssuerEndpointUrl = reader.ReadString();
        SecurityPolicyUri = reader.ReadString();
    }
}

/// <summary>Part 4, 7.14.</summary>
public sealed class EndpointDescription : IEncodeable
{
    public string? EndpointUrl { get; set; }

    public ApplicationDescription Server { get; set; } = new();

    public byte[]? ServerCertificate { get; set; }

    public MessageSecurityMode SecurityMode { get; set; }

    public string? SecurityPolicyUri { get; set; }

    public UserTokenPolicy[]? UserIdentityTokens { get; set; }

    public string? TransportProfileUri { get; set; }

    public byte SecurityLevel { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteString(EndpointUrl);
        Server.Encode(writer);
        writer.WriteByteString(ServerCertificate);
        writer.WriteInt32((int)SecurityMode);
        writer.WriteString(SecurityPolicyUri);
        writer.WriteEncodeableArray(UserIdentityTokens);
        writer.WriteString(TransportProfileUri);
        writer.WriteByte(SecurityLevel);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        EndpointUrl = reader.ReadString();
        Server = reader.ReadEncodeable<ApplicationDescription>();
        ServerCertificate = reader.ReadByteString();
        SecurityMode = (MessageSecurityMode)reader.ReadInt32();
        SecurityPolicyUri = reader.ReadString();
        UserIdentityTokens = reader.ReadEncodeableArray<UserTokenPolicy>();
        TransportProfileUri = reader.ReadString();
        SecurityLevel = reader.ReadByte();
    }
}

/// <summary>Part 4, 5.4.4.</summary>
public sealed class GetEndpointsRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 428;

    public string? EndpointUrl { get; set; }

    public string?[]? LocaleIds { get; set; }

    public string?[]? ProfileUris { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteString(EndpointUrl);
        writer.WriteStrings(LocaleIds);
        writer.WriteStrings(ProfileUris);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        EndpointUrl = reader.ReadString();
        LocaleIds = reader.ReadStrings();
        ProfileUris = reader.ReadStrings();
    }
}

public sealed class GetEndpointsResponse : ServiceResponse
{
    public override uint BinaryEncodingId => 431;

    public EndpointDescription[]? Endpoints { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer) => writer.WriteEncodeableArray(Endpoints);

    protected override void DecodeBody(ref UaBinaryReader reader) => Endpoints = reader.ReadEncodeableArray<EndpointDescription>();
}

/// <summary>Part 4, 7.37.</summary>
public sealed class SignatureData : IEncodeable
{
    public string? Algorithm { get; set; }

    public byte[]? Signature { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteString(Algorithm);
        writer.WriteByteString(Signature);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        Algorithm = reader.ReadString();
        Signature = reader.ReadByteString();
    }
}

/// <summary>Part 4, 5.6.2.</summary>
public sealed class CreateSessionRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 461;

    public ApplicationDescription ClientDescription { get; set; } = new();

    public string? ServerUri { get; set; }

    public string? EndpointUrl { get; set; }

    public string? SessionName { get; set; }

    public byte[]? ClientNonce { get; set; }

    public byte[]? ClientCertificate { get; set; }

    public double RequestedSessionTimeout { get; set; }

    public uint MaxResponseMessageSize { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        ClientDescription.Encode(writer);
        writer.WriteString(ServerUri);
        writer.WriteString(EndpointUrl);
        writer.WriteString(SessionName);
        writer.WriteByteString(ClientNonce);
        writer.WriteByteString(ClientCertificate);
        writer.WriteDouble(RequestedSessionTimeout);
        writer.WriteUInt32(MaxResponseMessageSize);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        ClientDescription = reader.ReadEncodeable<ApplicationDescription>();
        ServerUri = reader.ReadString();
        EndpointUrl = reader.ReadString();
        SessionName = reader.ReadString();
        ClientNonce = reader.ReadByteString();
        ClientCertificate = reader.ReadByteString();
        RequestedSessionTimeout = reader.ReadDouble();
        MaxResponseMessageSize = reader.ReadUInt32();
    }
}

public sealed class CreateSessionResponse : ServiceResponse
{
    public override uint BinaryEncodingId => 464;

    public NodeId SessionId { get; set; } = NodeId.Null;

    public NodeId AuthenticationToken { get; set; } = NodeId.Null;

    public double RevisedSessionTimeout { get; set; }

    public byte[]? ServerNonce { get; set; }

    public byte[]? ServerCertificate { get; set; }

    public EndpointDescription[]? ServerEndpoints { get; set; }

    public SignatureData ServerSignature { get; set; } = new();

    public uint MaxRequestMessageSize { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteNodeId(SessionId);
        writer.WriteNodeId(AuthenticationToken);
        writer.WriteDouble(RevisedSessionTimeout);
        writer.WriteByteString(ServerNonce);
        writer.WriteByteString(ServerCertificate);
        writer.WriteEncodeableArray(ServerEndpoints);
        writer.WriteInt32(0); // ServerSoftwareCertificates: none
        ServerSignature.Encode(writer);
        writer.WriteUInt32(MaxRequestMessageSize);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        SessionId = reader.ReadNodeId();
        AuthenticationToken = reader.ReadNodeId();
        RevisedSessionTimeout = reader.ReadDouble();
        ServerNonce = reader.ReadByteString();
        ServerCertificate = reader.ReadByteString();
        ServerEndpoints = reader.ReadEncodeableArray<EndpointDescription>();
        // ServerSoftwareCertificates (SignedSoftwareCertificate: two ByteStrings each), deprecated and ignored.
        reader.ReadArray(static (ref UaBinaryReader r) => { r.ReadByteString(); r.ReadByteString(); return 0; }, 8);
        ServerSignature = reader.ReadEncodeable<SignatureData>();
        MaxRequestMessageSize = reader.ReadUInt32();
    }
}

/// <summary>Part 4, 7.40.3: the identity token of an anonymous user.</summary>
public sealed class AnonymousIdentityToken : IServiceMessage
{
    public uint BinaryEncodingId => 321;

    public string? PolicyId { get; set; }

    public void Encode(UaBinaryWriter writer) => writer.WriteString(PolicyId);

    public void Decode(ref UaBinaryReader reader) => PolicyId = reader.ReadString();
}

/// <summary>Part 4, 7.40.4: a user name and a password (encrypted unless the policy is None and plain text is allowed).</summary>
public sealed class UserNameIdentityToken : IServiceMessage
{
    public uint BinaryEncodingId => 324;

    public string? PolicyId { get; set; }

    public string? UserName { get; set; }

    public byte[]? Password { get; set; }

    public string? EncryptionAlgorithm { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteString(PolicyId);
        writer.WriteString(UserName);
        writer.WriteByteString(Password);
        writer.WriteString(EncryptionAlgorithm);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        PolicyId = reader.ReadString();
        UserName = reader.ReadString();
        Password = reader.ReadByteString();
        EncryptionAlgorithm = reader.ReadString();
    }
}

/// <summary>Part 4, 5.6.3.</summary>
public sealed class ActivateSessionRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 467;

    public SignatureData ClientSignature { get; set; } = new();

    public string?[]? LocaleIds { get; set; }

    public ExtensionObject UserIdentityToken { get; set; } = new(NodeId.Null, null);

    public SignatureData UserTokenSignature { get; set; } = new();

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        ClientSignature.Encode(writer);
        writer.WriteInt32(0); // ClientSoftwareCertificates: none
        writer.WriteStrings(LocaleIds);
        UserIdentityToken.Encode(writer);
        UserTokenSignature.Encode(writer);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        ClientSignature = reader.ReadEncodeable<SignatureData>();
        reader.ReadArray(static (ref UaBinaryReader r) => { r.ReadByteString(); r.ReadByteString(); return 0; }, 8);
        LocaleIds = reader.ReadStrings();
        UserIdentityToken = reader.ReadExtensionObject();
        UserTokenSignature = reader.ReadEncodeable<SignatureData>();
    }
}

public sealed class ActivateSessionResponse : ServiceResponse
{
    public override uint BinaryEncodingId => 470;

    public byte[]? ServerNonce { get; set; }

    public StatusCode[]? Results { get; set; }

    public DiagnosticInfo?[]? DiagnosticInfos { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteByteString(ServerNonce);
        writer.WriteStatusCodes(Results);
        writer.WriteDiagnostics(DiagnosticInfos);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        ServerNonce = reader.ReadByteString();
        Results = reader.ReadStatusCodes();
        DiagnosticInfos = reader.ReadDiagnostics();
    }
}

/// <summary>Part 4, 5.6.4.</summary>
public sealed class CloseSessionRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 473;

    public bool DeleteSubscriptions { get; set; } = true;

    protected override void EncodeBody(UaBinaryWriter writer) => writer.WriteBoolean(DeleteSubscriptions);

    protected override void DecodeBody(ref UaBinaryReader reader) => DeleteSubscriptions = reader.ReadBoolean();
}

public sealed class CloseSessionResponse : ServiceResponse
{
    public override uint BinaryEncodingId => 476;
}
