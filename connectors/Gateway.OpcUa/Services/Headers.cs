using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Services;

/// <summary>Part 4, 7.32: the header of every request.</summary>
public sealed class RequestHeader : IEncodeable
{
    public NodeId AuthenticationToken { get; set; } = NodeId.Null;

    public DateTime Timestamp { get; set; } = DateTime.UtcNow;

    public uint RequestHandle { get; set; }

    public uint ReturnDiagnostics { get; set; }

    public string? AuditEntryId { get; set; }

    public uint TimeoutHint { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteNodeId(AuthenticationToken);
        writer.WriteDateTime(Timestamp);
        writer.WriteUInt32(RequestHandle);
        writer.WriteUInt32(ReturnDiagnostics);
        writer.WriteString(AuditEntryId);
        writer.WriteUInt32(TimeoutHint);
        new ExtensionObject(NodeId.Null, null).Encode(writer);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        AuthenticationToken = reader.ReadNodeId();
        Timestamp = reader.ReadDateTime();
        RequestHandle = reader.ReadUInt32();
        ReturnDiagnostics = reader.ReadUInt32();
        AuditEntryId = reader.ReadString();
        TimeoutHint = reader.ReadUInt32();
        reader.ReadExtensionObject();
    }
}

/// <summary>Part 4, 7.33: the header of every response.</summary>
public sealed class ResponseHeader : IEncodeable
{
    public DateTime Timestamp { get; set; } = DateTime.UtcNow;

    public uint RequestHandle { get; set; }

    public StatusCode ServiceResult { get; set; }

    public DiagnosticInfo? ServiceDiagnostics { get; set; }

    public string?[]? StringTable { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteDateTime(Timestamp);
        writer.WriteUInt32(RequestHandle);
        writer.WriteUInt32(ServiceResult.Code);
        DiagnosticInfo.Encode(writer, ServiceDiagnostics);
        writer.WriteArray(StringTable, static (w, s) => w.WriteString(s));
        new ExtensionObject(NodeId.Null, null).Encode(writer);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        Timestamp = reader.ReadDateTime();
        RequestHandle = reader.ReadUInt32();
        ServiceResult = reader.ReadStatusCode();
        ServiceDiagnostics = reader.ReadDiagnosticInfo();
        StringTable = reader.ReadArray(static (ref UaBinaryReader r) => r.ReadString(), 4);
        reader.ReadExtensionObject();
    }
}

/// <summary>A request: its header plus its body.</summary>
public abstract class ServiceRequest : IServiceMessage
{
    public RequestHeader RequestHeader { get; set; } = new();

    public abstract uint BinaryEncodingId { get; }

    public void Encode(UaBinaryWriter writer)
    {
        RequestHeader.Encode(writer);
        EncodeBody(writer);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        RequestHeader.Decode(ref reader);
        DecodeBody(ref reader);
    }

    protected abstract void EncodeBody(UaBinaryWriter writer);

    protected abstract void DecodeBody(ref UaBinaryReader reader);
}

/// <summary>A response: its header plus its body.</summary>
public abstract class ServiceResponse : IServiceMessage
{
    public ResponseHeader ResponseHeader { get; set; } = new();

    public abstract uint BinaryEncodingId { get; }

    public void Encode(UaBinaryWriter writer)
    {
        ResponseHeader.Encode(writer);
        EncodeBody(writer);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        ResponseHeader.Decode(ref reader);
        DecodeBody(ref reader);
    }

    protected virtual void EncodeBody(UaBinaryWriter writer)
    {
    }

    protected virtual void DecodeBody(ref UaBinaryReader reader)
    {
    }
}
