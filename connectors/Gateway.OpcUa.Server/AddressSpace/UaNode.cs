using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.AddressSpace;

/// <summary>A reference from the node that holds it to <see cref="TargetId"/> (Part 3, 4.3).</summary>
public readonly record struct NodeReference(NodeId ReferenceTypeId, bool IsForward, NodeId TargetId);

/// <summary>A node of the address space (Part 3, 5.2): its common attributes and its references, both directions.</summary>
public abstract class UaNode
{
    private readonly List<NodeReference> _references = [];
    private NodeReference[]? _snapshot;

    protected UaNode(NodeId nodeId, QualifiedName browseName, LocalizedText displayName)
    {
        NodeId = nodeId;
        BrowseName = browseName;
        DisplayName = displayName;
    }

    public NodeId NodeId { get; }

    public abstract NodeClass NodeClass { get; }

    public QualifiedName BrowseName { get; }

    public LocalizedText DisplayName { get; }

    public LocalizedText Description { get; init; }

    /// <summary>The type definition (the target of the HasTypeDefinition reference), or null for type nodes.</summary>
    public NodeId? TypeDefinition { get; internal set; }

    /// <summary>
    /// The references, forward and inverse: an immutable snapshot, rebuilt on the first read after a change, so adding
    /// 10,000 children to a folder stays linear and Browse reads without holding a lock.
    /// </summary>
    public IReadOnlyList<NodeReference> References
    {
        get
        {
            var snapshot = Volatile.Read(ref _snapshot);
            if (snapshot is not null)
            {
                return snapshot;
            }

            lock (_references)
            {
                snapshot = [.. _references];
                Volatile.Write(ref _snapshot, snapshot);
                return snapshot;
            }
        }
    }

    internal void AddReference(NodeReference reference)
    {
        lock (_references)
        {
            _references.Add(reference);
            Volatile.Write(ref _snapshot, null);
        }
    }
}

public sealed class ObjectNode : UaNode
{
    public ObjectNode(NodeId nodeId, QualifiedName browseName, LocalizedText displayName)
        : base(nodeId, browseName, displayName)
    {
    }

    public override NodeClass NodeClass => NodeClass.Object;

    /// <summary>Part 3, 5.5.1: bit 0 = subscribe to events.</summary>
    public byte EventNotifier { get; set; }
}

/// <summary>An ObjectType, VariableType, DataType or ReferenceType node (Part 3, 5.5.2, 5.6.5, 5.8.3, 5.3).</summary>
public sealed class TypeNode : UaNode
{
    private readonly NodeClass _nodeClass;

    public TypeNode(NodeClass nodeClass, NodeId nodeId, QualifiedName browseName, LocalizedText displayName)
        : base(nodeId, browseName, displayName)
    {
        if (nodeClass is not (NodeClass.ObjectType or NodeClass.VariableType or NodeClass.DataType or NodeClass.ReferenceType))
        {
            throw new ArgumentException($"{nodeClass} is not a type node class", nameof(nodeClass));
        }

        _nodeClass = nodeClass;
    }

    public override NodeClass NodeClass => _nodeClass;

    public bool IsAbstract { get; init; }

    /// <summary>Reference types only.</summary>
    public bool Symmetric { get; init; }

    /// <summary>Reference types only.</summary>
    public LocalizedText InverseName { get; init; }

    /// <summary>DataTypes only: the DataTypeDefinition attribute (Part 3, 5.8.3), a StructureDefinition or EnumDefinition.</summary>
    public DataTypeDefinition? Definition { get; init; }
}
