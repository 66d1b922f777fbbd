using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Services;

public enum BrowseDirection
{
    Forward = 0,
    Inverse = 1,
    Both = 2,
}

[Flags]
public enum NodeClass
{
    Unspecified = 0,
    Object = 1,
    Variable = 2,
    Method = 4,
    ObjectType = 8,
    VariableType = 16,
    ReferenceType = 32,
    DataType = 64,
    View = 128,
}

/// <summary>Well-known node ids of namespace 0 (Part 6, A.3 / NodeIds.csv).</summary>
public static class WellKnownNodes
{
    public static readonly NodeId ObjectsFolder = new(0, 85u);
    public static readonly NodeId RootFolder = new(0, 84u);
    public static readonly NodeId HierarchicalReferences = new(0, 33u);
    public static readonly NodeId HasTypeDefinition = new(0, 40u);
    public static readonly NodeId HasProperty = new(0, 46u);
    public static readonly NodeId Server = new(0, 2253u);
    public static readonly NodeId ServerNamespaceArray = new(0, 2255u);
    public static readonly NodeId ServerStatus = new(0, 2256u);
    public static readonly NodeId ServerStatusCurrentTime = new(0, 2258u);
    public static readonly NodeId ServerStatusState = new(0, 2259u);
    public static readonly NodeId OperationLimits = new(0, 11704u);
    public static readonly NodeId MaxNodesPerRead = new(0, 11705u);
    public static readonly NodeId MaxNodesPerBrowse = new(0, 11710u);
    public static readonly NodeId MaxNodesPerTranslateBrowsePathsToNodeIds = new(0, 11712u);
    public static readonly NodeId MaxMonitoredItemsPerCall = new(0, 11714u);
}

/// <summary>Part 4, 5.8.2: what to browse from one node.</summary>
public sealed class BrowseDescription : IEncodeable
{
    public NodeId NodeId { get; set; } = NodeId.Null;

    public BrowseDirection BrowseDirection { get; set; }

    public NodeId ReferenceTypeId { get; set; } = WellKnownNodes.HierarchicalReferences;

    public bool IncludeSubtypes { get; set; } = true;

    public uint NodeClassMask { get; set; }

    /// <summary>Part 4, 5.8.2.2: 0x3F asks for every field of the reference description.</summary>
    public uint ResultMask { get; set; } = 0x3F;

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteNodeId(NodeId);
        writer.WriteInt32((int)BrowseDirection);
        writer.WriteNodeId(ReferenceTypeId);
        writer.WriteBoolean(IncludeSubtypes);
        writer.WriteUInt32(NodeClassMask);
        writer.WriteUInt32(ResultMask);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        NodeId = reader.ReadNodeId();
        BrowseDirection = (BrowseDirection)reader.ReadInt32();
        ReferenceTypeId = reader.ReadNodeId();
        IncludeSubtypes = reader.ReadBoolean();
        NodeClassMask = reader.ReadUInt32();
        ResultMask = reader.ReadUInt32();
    }
}

/// <summary>Part 4, 7.30.</summary>
public sealed class ReferenceDescription : IEncodeable
{
    public NodeId ReferenceTypeId { get; set; } = Gateway.OpcUa.Types.NodeId.Null;

    public bool IsForward { get; set; } = true;

    public ExpandedNodeId NodeId { get; set; } = new(Gateway.OpcUa.Types.NodeId.Null);

    public QualifiedName BrowseName { get; set; }

    public LocalizedText DisplayName { get; set; }

    public NodeClass NodeClass { get; set; }

    public ExpandedNodeId TypeDefinition { get; set; } = new(Gateway.OpcUa.Types.NodeId.Null);

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteNodeId(ReferenceTypeId);
        writer.WriteBoolean(IsForward);
        writer.WriteExpandedNodeId(NodeId);
        writer.WriteQualifiedName(BrowseName);
        writer.WriteLocalizedText(DisplayName);
        writer.WriteInt32((int)NodeClass);
        writer.WriteExpandedNodeId(TypeDefinition);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        ReferenceTypeId = reader.ReadNodeId();
        IsForward = reader.ReadBoolean();
        NodeId = reader.ReadExpandedNodeId();
        BrowseName = reader.ReadQualifiedName();
        DisplayName = reader.ReadLocalizedText();
        NodeClass = (NodeClass)reader.ReadInt32();
        TypeDefinition = reader.ReadExpandedNodeId();
    }
}

/// <summary>Part 4, 7.6.</summary>
public sealed class BrowseResult : IEncodeable
{
    public StatusCode StatusCode { get; set; }

    public byte[]? ContinuationPoint { get; set; }

    public ReferenceDescription[]? References { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteUInt32(StatusCode.Code);
        writer.WriteByteString(ContinuationPoint);
        writer.WriteEncodeableArray(References);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        StatusCode = reader.ReadStatusCode();
        ContinuationPoint = reader.ReadByteString();
        References = reader.ReadEncodeableArray<ReferenceDescription>();
    }
}

/// <summary>Part 4, 5.8.2.</summary>
public sealed class BrowseRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 527;

    public uint RequestedMaxReferencesPerNode { get; set; }

    public IReadOnlyList<BrowseDescription>? NodesToBrowse { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        // ViewDescription: the whole address space (null view id, no timestamp, version 0).
        writer.WriteNodeId(NodeId.Null);
        writer.WriteDateTime(default);
        writer.WriteUInt32(0);
        writer.WriteUInt32(RequestedMaxReferencesPerNode);
        writer.WriteEncodeableArray(NodesToBrowse);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        reader.ReadNodeId();
        reader.ReadDateTime();
        reader.ReadUInt32();
        RequestedMaxReferencesPerNode = reader.ReadUInt32();
        NodesToBrowse = reader.ReadEncodeableArray<BrowseDescription>();
    }
}

public sealed class BrowseResponse : ServiceResponse
{
    public override uint BinaryEncodingId => 530;

    public BrowseResult[]? Results { get; set; }

    public DiagnosticInfo?[]? DiagnosticInfos { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteEncodeableArray(Results);
        writer.WriteDiagnostics(DiagnosticInfos);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        Results = reader.ReadEncodeableArray<BrowseResult>();
        DiagnosticInfos = reader.ReadDiagnostics();
    }
}

/// <summary>Part 4, 5.8.3.</summary>
public sealed class BrowseNextRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 533;

    public bool ReleaseContinuationPoints { get; set; }

    public IReadOnlyList<byte[]?>? ContinuationPoints { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteBoolean(ReleaseContinuationPoints);
        writer.WriteByteStrings(ContinuationPoints);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        ReleaseContinuationPoints = reader.ReadBoolean();
        ContinuationPoints = reader.ReadByteStrings();
    }
}

public sealed class BrowseNextResponse : ServiceResponse
{
    public override uint BinaryEncodingId => 536;

    public BrowseResult[]? Results { get; set; }

    public DiagnosticInfo?[]? DiagnosticInfos { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteEncodeableArray(Results);
        writer.WriteDiagnostics(DiagnosticInfos);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        Results = reader.ReadEncodeableArray<BrowseResult>();
        DiagnosticInfos = reader.ReadDiagnostics();
    }
}

/// <summary>Part 4, 7.31: one step of a relative path.</summary>
public sealed class RelativePathElement : IEncodeable
{
    public NodeId ReferenceTypeId { get; set; } = WellKnownNodes.HierarchicalReferences;

    public bool IsInverse { get; set; }

    public bool IncludeSubtypes { get; set; } = true;

    public QualifiedName TargetName { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteNodeId(ReferenceTypeId);
        writer.WriteBoolean(IsInverse);
        writer.WriteBoolean(IncludeSubtypes);
        writer.WriteQualifiedName(TargetName);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        ReferenceTypeId = reader.ReadNodeId();
        IsInverse = reader.ReadBoolean();
        IncludeSubtypes = reader.ReadBoolean();
        TargetName = reader.ReadQualifiedName();
    }
}

/// <summary>Part 4, 7.7: a starting node and a relative path.</summary>
public sealed class BrowsePath : IEncodeable
{
    public NodeId StartingNode { get; set; } = WellKnownNodes.ObjectsFolder;

    public RelativePathElement[]? Elements { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteNodeId(StartingNode);
        writer.WriteEncodeableArray(Elements);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        StartingNode = reader.ReadNodeId();
        Elements = reader.ReadEncodeableArray<RelativePathElement>();
    }
}

public sealed class BrowsePathTarget : IEncodeable
{
    public ExpandedNodeId TargetId { get; set; } = new(NodeId.Null);

    public uint RemainingPathIndex { get; set; } = uint.MaxValue;

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteExpandedNodeId(TargetId);
        writer.WriteUInt32(RemainingPathIndex);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        TargetId = reader.ReadExpandedNodeId();
        RemainingPathIndex = reader.ReadUInt32();
    }
}

public sealed class BrowsePathResult : IEncodeable
{
    public StatusCode StatusCode { get; set; }

    public BrowsePathTarget[]? Targets { get; set; }

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteUInt32(StatusCode.Code);
        writer.WriteEncodeableArray(Targets);
    }

    public void Decode(ref UaBinaryReader reader)
    {
        StatusCode = reader.ReadStatusCode();
        Targets = reader.ReadEncodeableArray<BrowsePathTarget>();
    }
}

/// <summary>Part 4, 5.8.4.</summary>
public sealed class TranslateBrowsePathsToNodeIdsRequest : ServiceRequest
{
    public override uint BinaryEncodingId => 554;

    public IReadOnlyList<BrowsePath>? BrowsePaths { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer) => writer.WriteEncodeableArray(BrowsePaths);

    protected override void DecodeBody(ref UaBinaryReader reader) => BrowsePaths = reader.ReadEncodeableArray<BrowsePath>();
}

public sealed class TranslateBrowsePathsToNodeIdsResponse : ServiceResponse
{
    public override uint BinaryEncodingId => 557;

    public BrowsePathResult[]? Results { get; set; }

    public DiagnosticInfo?[]? DiagnosticInfos { get; set; }

    protected override void EncodeBody(UaBinaryWriter writer)
    {
        writer.WriteEncodeableArray(Results);
        writer.WriteDiagnostics(DiagnosticInfos);
    }

    protected override void DecodeBody(ref UaBinaryReader reader)
    {
        Results = reader.ReadEncodeableArray<BrowsePathResult>();
        DiagnosticInfos = reader.ReadDiagnostics();
    }
}
