using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.AddressSpace;

/// <summary>Namespace 0 node ids the server's own nodes use (OPC 10000-6, Annex A / NodeIds.csv).</summary>
public static class StandardIds
{
    // Reference types (Part 3, 7 and 11).
    public static readonly NodeId References = new(0, 31u);
    public static readonly NodeId NonHierarchicalReferences = new(0, 32u);
    public static readonly NodeId HierarchicalReferences = new(0, 33u);
    public static readonly NodeId HasChild = new(0, 34u);
    public static readonly NodeId Organizes = new(0, 35u);
    public static readonly NodeId HasEventSource = new(0, 36u);
    public static readonly NodeId HasModellingRule = new(0, 37u);
    public static readonly NodeId HasEncoding = new(0, 38u);
    public static readonly NodeId HasDescription = new(0, 39u);
    public static readonly NodeId HasTypeDefinition = new(0, 40u);
    public static readonly NodeId GeneratesEvent = new(0, 41u);
    public static readonly NodeId Aggregates = new(0, 44u);
    public static readonly NodeId HasSubtype = new(0, 45u);
    public static readonly NodeId HasProperty = new(0, 46u);
    public static readonly NodeId HasComponent = new(0, 47u);
    public static readonly NodeId HasNotifier = new(0, 48u);
    public static readonly NodeId HasOrderedComponent = new(0, 49u);

    // Object and variable types.
    public static readonly NodeId BaseObjectType = new(0, 58u);
    public static readonly NodeId FolderType = new(0, 61u);
    public static readonly NodeId BaseVariableType = new(0, 62u);
    public static readonly NodeId BaseDataVariableType = new(0, 63u);
    public static readonly NodeId PropertyType = new(0, 68u);
    public static readonly NodeId ServerType = new(0, 2004u);
    public static readonly NodeId ServerCapabilitiesType = new(0, 2013u);
    public static readonly NodeId ServerStatusType = new(0, 2138u);
    public static readonly NodeId BuildInfoType = new(0, 3051u);
    public static readonly NodeId OperationLimitsType = new(0, 11564u);

    // Data types.
    public static readonly NodeId Boolean = new(0, 1u);
    public static readonly NodeId SByte = new(0, 2u);
    public static readonly NodeId Byte = new(0, 3u);
    public static readonly NodeId Int16 = new(0, 4u);
    public static readonly NodeId UInt16 = new(0, 5u);
    public static readonly NodeId Int32 = new(0, 6u);
    public static readonly NodeId UInt32 = new(0, 7u);
    public static readonly NodeId Int64 = new(0, 8u);
    public static readonly NodeId UInt64 = new(0, 9u);
    public static readonly NodeId Float = new(0, 10u);
    public static readonly NodeId Double = new(0, 11u);
    public static readonly NodeId String = new(0, 12u);
    public static readonly NodeId DateTime = new(0, 13u);
    public static readonly NodeId Guid = new(0, 14u);
    public static readonly NodeId ByteString = new(0, 15u);
    public static readonly NodeId NodeIdType = new(0, 17u);
    public static readonly NodeId StatusCode = new(0, 19u);
    public static readonly NodeId QualifiedName = new(0, 20u);
    public static readonly NodeId LocalizedText = new(0, 21u);
    public static readonly NodeId Structure = new(0, 22u);
    public static readonly NodeId BaseDataType = new(0, 24u);
    public static readonly NodeId Number = new(0, 26u);
    public static readonly NodeId Integer = new(0, 27u);
    public static readonly NodeId UInteger = new(0, 28u);
    public static readonly NodeId Enumeration = new(0, 29u);
    public static readonly NodeId Duration = new(0, 290u);
    public static readonly NodeId UtcTime = new(0, 294u);
    public static readonly NodeId BuildInfo = new(0, 338u);
    public static readonly NodeId ServerState = new(0, 852u);
    public static readonly NodeId ServerStatusDataType = new(0, 862u);
    public static readonly NodeId Range = new(0, 884u);
    public static readonly NodeId EUInformation = new(0, 887u);

    // Folders and the Server object.
    public static readonly NodeId RootFolder = new(0, 84u);
    public static readonly NodeId ObjectsFolder = new(0, 85u);
    public static readonly NodeId TypesFolder = new(0, 86u);
    public static readonly NodeId ViewsFolder = new(0, 87u);
    public static readonly NodeId ObjectTypesFolder = new(0, 88u);
    public static readonly NodeId VariableTypesFolder = new(0, 89u);
    public static readonly NodeId DataTypesFolder = new(0, 90u);
    public static readonly NodeId ReferenceTypesFolder = new(0, 91u);
    public static readonly NodeId Server = new(0, 2253u);
    public static readonly NodeId ServerArray = new(0, 2254u);
    public static readonly NodeId NamespaceArray = new(0, 2255u);
    public static readonly NodeId ServerStatus = new(0, 2256u);
    public static readonly NodeId ServerStatusStartTime = new(0, 2257u);
    public static readonly NodeId ServerStatusCurrentTime = new(0, 2258u);
    public static readonly NodeId ServerStatusState = new(0, 2259u);
    public static readonly NodeId ServerStatusBuildInfo = new(0, 2260u);
    public static readonly NodeId BuildInfoProductName = new(0, 2261u);
    public static readonly NodeId BuildInfoProductUri = new(0, 2262u);
    public static readonly NodeId BuildInfoManufacturerName = new(0, 2263u);
    public static readonly NodeId BuildInfoSoftwareVersion = new(0, 2264u);
    public static readonly NodeId BuildInfoBuildNumber = new(0, 2265u);
    public static readonly NodeId BuildInfoBuildDate = new(0, 2266u);
    public static readonly NodeId ServiceLevel = new(0, 2267u);
    public static readonly NodeId ServerCapabilities = new(0, 2268u);
    public static readonly NodeId ServerProfileArray = new(0, 2269u);
    public static readonly NodeId MinSupportedSampleRate = new(0, 2272u);
    public static readonly NodeId MaxBrowseContinuationPoints = new(0, 2735u);
    public static readonly NodeId SecondsTillShutdown = new(0, 2992u);
    public static readonly NodeId ShutdownReason = new(0, 2993u);
    public static readonly NodeId MaxArrayLength = new(0, 11702u);
    public static readonly NodeId MaxStringLength = new(0, 11703u);
    public static readonly NodeId OperationLimits = new(0, 11704u);
    public static readonly NodeId MaxNodesPerRead = new(0, 11705u);
    public static readonly NodeId MaxNodesPerBrowse = new(0, 11710u);
    public static readonly NodeId MaxNodesPerTranslateBrowsePathsToNodeIds = new(0, 11712u);
    public static readonly NodeId MaxMonitoredItemsPerCall = new(0, 11714u);

    /// <summary>The data type node of a built-in type.</summary>
    public static NodeId DataTypeOf(BuiltInType type) => new(0, (uint)type);
}
