using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Services;

/// <summary>Part 4, 7.40 / Part 6 A.1: attribute ids.</summary>
public static class Attributes
{
    public const uint NodeId = 1;
    public const uint NodeClass = 2;
    public const uint BrowseName = 3;
    public const uint DisplayName = 4;
    public const uint Description = 5;
    public const uint Value = 13;
    public const uint DataType = 14;
    public const uint ValueRank = 15;
    public const uint ArrayDimensions = 16;
    public const uint AccessLevel = 17;
    public const uint UserAccessLevel = 18;
    public const uint MinimumSamplingInterval = 19;
}

public enum TimestampsToReturn
{
    Source = 0,
    Server = 1,
    Both = 2,
    Neither = 3,
}

/// <summary>Part 4, 7.29: what to read.</summary>
public sealed class ReadValueId : IEncodeable
{
    public ReadValueId()
    {
    }

    public ReadValueId(NodeId nodeId, uint attributeId = Attributes.Value, string? indexRange = null)
    {
        NodeId = nodeId;
        AttributeId = attributeId;
        IndexRange = indexRange;
    }

    public NodeId NodeId { get; set; } = NodeId.Null;

    public uint AttributeId { get; set; } = Attributes.Value;

    public string? IndexRange { get; set; }

    public QualifiedName DataEncoding { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteNodeId(NodeId);
        writer.WriteUInt32(AttributeId);
        writer.WriteString(IndexRange);
        writer.WriteQualifiedName(DataEncoding);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        NodeId = reader.ReadNodeId();
        AttributeId = reader.ReadUInt32();
        IndexRange = reader.ReadString();
        DataEncoding = reader.ReadQualifiedName();
    }
}

/// <summary>Part 4, 5.10.2.</summary>
public sealed class ReadRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 631;

    public double MaxAge { get; set; }

    public TimestampsToReturn TimestampsToReturn { get; set; } = TimestampsToReturn.Both;

    public IReadOnlyList<ReadValueId>? NodesToRead { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteDouble(MaxAge);
        writer.WriteInt32((int)TimestampsToReturn);
        writer.WriteEncodeableArray(NodesToRead);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        MaxAge = reader.ReadDouble();
        TimestampsToReturn = (TimestampsToReturn)reader.ReadInt32();
        NodesToRead = reader.ReadEncodeableArray<ReadValueId>();
    }
}

public sealed class ReadResponse : ServiceResponse
{
    public override uint BinaryEncodingId => 634;

    public DataValue[]? Results { get; set; }

    public DiagnosticInfo?[]? DiagnosticInfos { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteDataValues(Results);
        writer.WriteDiagnostics(DiagnosticInfos);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        Results = reader.ReadDataValues();
        DiagnosticInfos = reader.ReadDiagnostics();
    }
}
