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
    public const uint EventNotifier = 12;
    public const uint Value = 13;
    public const uint DataType = 14;
    public const uint ValueRank = 15;
    public const uint ArrayDimensions = 16;
    public const uint AccessLevel = 17;
    public const uint UserAccessLevel = 18;
    public const uint MinimumSamplingInterval = 19;
}

/// <summary>Part 4, 7.29: what to read (fields and codec generated in Structures.Generated.cs).</summary>
public sealed partial class ReadValueId
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
}
