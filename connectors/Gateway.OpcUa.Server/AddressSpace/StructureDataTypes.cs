using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.AddressSpace;

/// <summary>
/// Structured and enumerated DataTypes of an application (Part 3, 5.8.3; Part 5, 5.8): the DataType node with its
/// DataTypeDefinition attribute, its place under Structure or Enumeration (HasSubtype), and for a structure its
/// "Default Binary" encoding object (HasEncoding, DataTypeEncodingType) whose id the values' ExtensionObjects carry.
/// </summary>
public static class StructureDataTypes
{
    public static readonly NodeId DataTypeEncodingType = new(0, 76u);

    /// <summary>Adds a structure DataType; <paramref name="definition"/> gets its DefaultEncodingId and BaseDataType filled in.</summary>
    public static TypeNode AddStructureDataType(this UaAddressSpace space, NodeId dataTypeId, QualifiedName browseName, NodeId binaryEncodingId, StructureDefinition definition, NodeId? supertype = null)
    {
        EnsureEncodingType(space);
        definition.DefaultEncodingId = binaryEncodingId;
        definition.BaseDataType = supertype ?? StandardIds.Structure;
        var node = space.Add(new TypeNode(NodeClass.DataType, dataTypeId, browseName, new LocalizedText(browseName.Name)) { Definition = definition });
        space.AddReference(definition.BaseDataType, StandardIds.HasSubtype, dataTypeId);
        space.Add(new ObjectNode(binaryEncodingId, new QualifiedName(0, "Default Binary"), new LocalizedText("Default Binary")));
        space.AddReference(dataTypeId, StandardIds.HasEncoding, binaryEncodingId);
        space.AddReference(binaryEncodingId, StandardIds.HasTypeDefinition, DataTypeEncodingType);
        return node;
    }

    /// <summary>Adds an enumeration DataType (an Int32 on the wire) with its EnumDefinition.</summary>
    public static TypeNode AddEnumDataType(this UaAddressSpace space, NodeId dataTypeId, QualifiedName browseName, EnumDefinition definition)
    {
        var node = space.Add(new TypeNode(NodeClass.DataType, dataTypeId, browseName, new LocalizedText(browseName.Name)) { Definition = definition });
        space.AddReference(StandardIds.Enumeration, StandardIds.HasSubtype, dataTypeId);
        return node;
    }

    private static void EnsureEncodingType(UaAddressSpace space)
    {
        lock (space)
        {
            if (space.Find(DataTypeEncodingType) is null)
            {
                space.Add(new TypeNode(NodeClass.ObjectType, DataTypeEncodingType, new QualifiedName(0, "DataTypeEncodingType"), new LocalizedText("DataTypeEncodingType")));
                space.AddReference(StandardIds.BaseObjectType, StandardIds.HasSubtype, DataTypeEncodingType);
            }
        }
    }
}
