using System.Collections.Concurrent;
using Gateway.OpcUa.Server.Services;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.AddressSpace;

/// <summary>
/// The nodes a server exposes: the standard namespace 0 nodes a client expects (Root, Objects, Server with
/// NamespaceArray, ServerStatus, ServerCapabilities/OperationLimits, the reference, object, variable and data type
/// nodes they use) plus whatever the application adds with <see cref="AddFolder"/>, <see cref="AddObject"/> and
/// <see cref="AddVariable"/>. Safe to read from many threads; build it before the server starts.
/// </summary>
public sealed class UaAddressSpace
{
    public const string StandardNamespace = "http://opcfoundation.org/UA/";

    private readonly ConcurrentDictionary<NodeId, UaNode> _nodes = new();
    private readonly List<string> _namespaces;
    private readonly Dictionary<NodeId, NodeId> _superTypes = [];
    private volatile bool _shuttingDown;

    public UaAddressSpace(string applicationUri, ServerLimits? limits = null)
    {
        ApplicationUri = applicationUri;
        Limits = limits ?? new ServerLimits();
        _namespaces = [StandardNamespace, applicationUri];
        StartTime = System.DateTime.UtcNow;
        AddStandardNodes();
    }

    public string ApplicationUri { get; }

    public ServerLimits Limits { get; }

    public DateTime StartTime { get; }

    public string ProductName { get; init; } = "Changwon Edge Gateway OPC UA server";

    public string SoftwareVersion { get; init; } = typeof(UaAddressSpace).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    public IReadOnlyList<string> NamespaceUris
    {
        get
        {
            lock (_namespaces)
            {
                return [.. _namespaces];
            }
        }
    }

    public int Count => _nodes.Count;

    /// <summary>Adds a namespace URI (or finds it) and returns its index.</summary>
    public ushort RegisterNamespace(string uri)
    {
        lock (_namespaces)
        {
            var index = _namespaces.IndexOf(uri);
            if (index < 0)
            {
                _namespaces.Add(uri);
                index = _namespaces.Count - 1;
            }

            return (ushort)index;
        }
    }

    /// <summary>Events raised in this address space and its conditions.</summary>
    public Gateway.OpcUa.Server.Events.ServerEvents Events { get; } = new();

    public UaNode? Find(NodeId nodeId) => _nodes.GetValueOrDefault(nodeId);

    public IEnumerable<UaNode> Nodes => _nodes.Values;

    /// <summary>Adds a node; a duplicate NodeId is a programming error and throws.</summary>
    public T Add<T>(T node)
        where T : UaNode
    {
        if (!_nodes.TryAdd(node.NodeId, node))
        {
            throw new InvalidOperationException($"node {node.NodeId} already exists in the address space");
        }

        return node;
    }

    /// <summary>Adds a reference in both directions: forward on the source, inverse on the target.</summary>
    public void AddReference(NodeId source, NodeId referenceType, NodeId target)
    {
        var from = Find(source) ?? throw new InvalidOperationException($"reference source {source} is not in the address space");
        var to = Find(target) ?? throw new InvalidOperationException($"reference target {target} is not in the address space");
        from.AddReference(new NodeReference(referenceType, true, target));
        to.AddReference(new NodeReference(referenceType, false, source));
        if (referenceType == StandardIds.HasTypeDefinition)
        {
            from.TypeDefinition = target;
        }
        else if (referenceType == StandardIds.HasSubtype)
        {
            lock (_superTypes)
            {
                _superTypes[target] = source;
            }
        }
    }

    /// <summary>A folder (FolderType) organized by <paramref name="parent"/>.</summary>
    public ObjectNode AddFolder(NodeId parent, NodeId nodeId, QualifiedName browseName, string? displayName = null) =>
        AddObject(parent, nodeId, browseName, displayName, StandardIds.Organizes, StandardIds.FolderType);

    public ObjectNode AddObject(NodeId parent, NodeId nodeId, QualifiedName browseName, string? displayName = null, NodeId? referenceType = null, NodeId? typeDefinition = null)
    {
        var node = Add(new ObjectNode(nodeId, browseName, new LocalizedText(displayName ?? browseName.Name)));
        AddReference(parent, referenceType ?? StandardIds.HasComponent, nodeId);
        AddReference(nodeId, StandardIds.HasTypeDefinition, typeDefinition ?? StandardIds.BaseObjectType);
        return node;
    }

    /// <summary>
    /// Adds a variable under <paramref name="parent"/> (HasComponent unless told otherwise). When the variable has a
    /// <see cref="VariableNode.Unit"/> or <see cref="VariableNode.EuRange"/>, the EngineeringUnits and EURange properties
    /// (Part 8, 5.3.2) are added beneath it with ids "&lt;id&gt;/EngineeringUnits" and "&lt;id&gt;/EURange".
    /// </summary>
    public VariableNode AddVariable(NodeId parent, VariableNode variable, NodeId? referenceType = null, NodeId? typeDefinition = null)
    {
        Add(variable);
        AddReference(parent, referenceType ?? StandardIds.HasComponent, variable.NodeId);
        AddReference(variable.NodeId, StandardIds.HasTypeDefinition, typeDefinition ?? StandardIds.BaseDataVariableType);
        if (variable.NodeId.IdType == IdType.String && variable.Unit is { } unit)
        {
            var eu = new EUInformation { DisplayName = new LocalizedText(unit), Description = new LocalizedText(unit) };
            AddProperty(variable.NodeId, new NodeId(variable.NodeId.NamespaceIndex, variable.NodeId.StringIdentifier + "/EngineeringUnits"), "EngineeringUnits",
                StandardIds.EUInformation, Variant.FromObject(BuiltInType.ExtensionObject, ExtensionObject.From(eu)));
        }

        if (variable.NodeId.IdType == IdType.String && variable.EuRange is { } range)
        {
            var value = new Gateway.OpcUa.Server.Services.Range { Low = range.Low, High = range.High };
            AddProperty(variable.NodeId, new NodeId(variable.NodeId.NamespaceIndex, variable.NodeId.StringIdentifier + "/EURange"), "EURange",
                StandardIds.Range, Variant.FromObject(BuiltInType.ExtensionObject, ExtensionObject.FromEncodeable(new NodeId(0, value.BinaryEncodingId), value)));
        }

        return variable;
    }

    /// <summary>A constant property (PropertyType, HasProperty) in namespace 0's naming.</summary>
    public VariableNode AddProperty(NodeId parent, NodeId nodeId, string browseName, NodeId dataType, Variant value, int valueRank = -1)
    {
        var node = new VariableNode(nodeId, new QualifiedName(0, browseName), new LocalizedText(browseName), dataType) { ValueRank = valueRank };
        node.SetValue(value, StartTime);
        return AddVariable(parent, node, StandardIds.HasProperty, StandardIds.PropertyType);
    }

    /// <summary>True when <paramref name="type"/> is <paramref name="baseType"/> or derives from it through HasSubtype.</summary>
    public bool IsSubtypeOf(NodeId type, NodeId baseType)
    {
        var current = type;
        for (var depth = 0; depth < 32; depth++)
        {
            if (current == baseType)
            {
                return true;
            }

            lock (_superTypes)
            {
                if (!_superTypes.TryGetValue(current, out var parent))
                {
                    return false;
                }

                current = parent;
            }
        }

        return false;
    }

    public bool IsReferenceType(NodeId nodeId) => Find(nodeId) is TypeNode { NodeClass: NodeClass.ReferenceType };

    /// <summary>Marks the server as shutting down (ServerStatus.State = Shutdown).</summary>
    public void SetShuttingDown() => _shuttingDown = true;

    private int ServerState => _shuttingDown ? 4 : 0;

    private void AddStandardNodes()
    {
        AddReferenceTypes();
        AddTypeNodes();
        Gateway.OpcUa.Server.Events.ServerEvents.AddEventTypes(this);

        Add(new ObjectNode(StandardIds.RootFolder, new QualifiedName(0, "Root"), new LocalizedText("Root")));
        AddReference(StandardIds.RootFolder, StandardIds.HasTypeDefinition, StandardIds.FolderType);
        AddFolder(StandardIds.RootFolder, StandardIds.ObjectsFolder, new QualifiedName(0, "Objects"));
        AddFolder(StandardIds.RootFolder, StandardIds.TypesFolder, new QualifiedName(0, "Types"));
        AddFolder(StandardIds.RootFolder, StandardIds.ViewsFolder, new QualifiedName(0, "Views"));
        AddFolder(StandardIds.TypesFolder, StandardIds.ObjectTypesFolder, new QualifiedName(0, "ObjectTypes"));
        AddFolder(StandardIds.TypesFolder, StandardIds.VariableTypesFolder, new QualifiedName(0, "VariableTypes"));
        AddFolder(StandardIds.TypesFolder, StandardIds.DataTypesFolder, new QualifiedName(0, "DataTypes"));
        AddFolder(StandardIds.TypesFolder, StandardIds.ReferenceTypesFolder, new QualifiedName(0, "ReferenceTypes"));
        AddReference(StandardIds.ObjectTypesFolder, StandardIds.Organizes, StandardIds.BaseObjectType);
        AddReference(StandardIds.VariableTypesFolder, StandardIds.Organizes, StandardIds.BaseVariableType);
        AddReference(StandardIds.DataTypesFolder, StandardIds.Organizes, StandardIds.BaseDataType);
        AddReference(StandardIds.ReferenceTypesFolder, StandardIds.Organizes, StandardIds.References);

        var server = new ObjectNode(StandardIds.Server, new QualifiedName(0, "Server"), new LocalizedText("Server")) { EventNotifier = 1 };
        Add(server);
        AddReference(StandardIds.ObjectsFolder, StandardIds.Organizes, StandardIds.Server);
        AddReference(StandardIds.Server, StandardIds.HasTypeDefinition, StandardIds.ServerType);

        AddVariable(StandardIds.Server, new VariableNode(StandardIds.ServerArray, new QualifiedName(0, "ServerArray"), new LocalizedText("ServerArray"), StandardIds.String)
        {
            ValueRank = 1,
            ArrayDimensions = [0],
            ValueSource = () => Now(Variant.FromArray(BuiltInType.String, new[] { ApplicationUri })),
        }, StandardIds.HasProperty, StandardIds.PropertyType);
        AddVariable(StandardIds.Server, new VariableNode(StandardIds.NamespaceArray, new QualifiedName(0, "NamespaceArray"), new LocalizedText("NamespaceArray"), StandardIds.String)
        {
            ValueRank = 1,
            ArrayDimensions = [0],
            ValueSource = () => Now(Variant.FromArray(BuiltInType.String, NamespaceUris.ToArray())),
        }, StandardIds.HasProperty, StandardIds.PropertyType);
        AddVariable(StandardIds.Server, new VariableNode(StandardIds.ServiceLevel, new QualifiedName(0, "ServiceLevel"), new LocalizedText("ServiceLevel"), StandardIds.Byte)
        {
            ValueSource = () => Now(Variant.From((byte)255)),
        }, StandardIds.HasProperty, StandardIds.PropertyType);

        AddVariable(StandardIds.Server, new VariableNode(StandardIds.ServerStatus, new QualifiedName(0, "ServerStatus"), new LocalizedText("ServerStatus"), StandardIds.ServerStatusDataType)
        {
            MinimumSamplingInterval = 1000,
            ValueSource = () => Now(Variant.FromObject(BuiltInType.ExtensionObject, ExtensionObject.FromEncodeable(new NodeId(0, 864u), CurrentStatus()))),
        }, StandardIds.HasComponent, StandardIds.ServerStatusType);
        AddStatusChild(StandardIds.ServerStatusStartTime, "StartTime", StandardIds.UtcTime, () => Variant.From(StartTime));
        AddStatusChild(StandardIds.ServerStatusCurrentTime, "CurrentTime", StandardIds.UtcTime, () => Variant.From(System.DateTime.UtcNow));
        AddStatusChild(StandardIds.ServerStatusState, "State", StandardIds.ServerState, () => Variant.From(ServerState));
        AddStatusChild(StandardIds.SecondsTillShutdown, "SecondsTillShutdown", StandardIds.UInt32, () => Variant.From(0u));
        AddStatusChild(StandardIds.ShutdownReason, "ShutdownReason", StandardIds.LocalizedText, () => Variant.FromObject(BuiltInType.LocalizedText, new LocalizedText("")));
        AddVariable(StandardIds.ServerStatus, new VariableNode(StandardIds.ServerStatusBuildInfo, new QualifiedName(0, "BuildInfo"), new LocalizedText("BuildInfo"), StandardIds.BuildInfo)
        {
            ValueSource = () => Now(Variant.FromObject(BuiltInType.ExtensionObject, ExtensionObject.FromEncodeable(new NodeId(0, 340u), CurrentBuildInfo()))),
        }, StandardIds.HasComponent, StandardIds.BuildInfoType);
        AddBuildInfoChild(StandardIds.BuildInfoProductUri, "ProductUri", StandardIds.String, () => Variant.From(ApplicationUri));
        AddBuildInfoChild(StandardIds.BuildInfoManufacturerName, "ManufacturerName", StandardIds.String, () => Variant.From("Changwon DX Center"));
        AddBuildInfoChild(StandardIds.BuildInfoProductName, "ProductName", StandardIds.String, () => Variant.From(ProductName));
        AddBuildInfoChild(StandardIds.BuildInfoSoftwareVersion, "SoftwareVersion", StandardIds.String, () => Variant.From(SoftwareVersion));
        AddBuildInfoChild(StandardIds.BuildInfoBuildNumber, "BuildNumber", StandardIds.String, () => Variant.From(SoftwareVersion));
        AddBuildInfoChild(StandardIds.BuildInfoBuildDate, "BuildDate", StandardIds.UtcTime, () => Variant.From(StartTime));

        AddObject(StandardIds.Server, StandardIds.ServerCapabilities, new QualifiedName(0, "ServerCapabilities"), null, StandardIds.HasComponent, StandardIds.ServerCapabilitiesType);
        AddProperty(StandardIds.ServerCapabilities, StandardIds.ServerProfileArray, "ServerProfileArray", StandardIds.String,
            Variant.FromArray(BuiltInType.String, new[] { "http://opcfoundation.org/UA-Profile/Server/EmbeddedUA" }), 1);
        AddProperty(StandardIds.ServerCapabilities, StandardIds.MinSupportedSampleRate, "MinSupportedSampleRate", StandardIds.Duration, Variant.From(Limits.MinSamplingIntervalMs));
        AddProperty(StandardIds.ServerCapabilities, StandardIds.MaxBrowseContinuationPoints, "MaxBrowseContinuationPoints", StandardIds.UInt16, Variant.From((ushort)Limits.MaxBrowseContinuationPoints));
        AddProperty(StandardIds.ServerCapabilities, StandardIds.MaxArrayLength, "MaxArrayLength", StandardIds.UInt32, Variant.From(1_000_000u));
        AddProperty(StandardIds.ServerCapabilities, StandardIds.MaxStringLength, "MaxStringLength", StandardIds.UInt32, Variant.From(16u * 1024 * 1024));
        AddObject(StandardIds.ServerCapabilities, StandardIds.OperationLimits, new QualifiedName(0, "OperationLimits"), null, StandardIds.HasComponent, StandardIds.OperationLimitsType);
        AddProperty(StandardIds.OperationLimits, StandardIds.MaxNodesPerRead, "MaxNodesPerRead", StandardIds.UInt32, Variant.From(Limits.MaxNodesPerRead));
        AddProperty(StandardIds.OperationLimits, StandardIds.MaxNodesPerBrowse, "MaxNodesPerBrowse", StandardIds.UInt32, Variant.From(Limits.MaxNodesPerBrowse));
        AddProperty(StandardIds.OperationLimits, StandardIds.MaxNodesPerTranslateBrowsePathsToNodeIds, "MaxNodesPerTranslateBrowsePathsToNodeIds", StandardIds.UInt32, Variant.From(Limits.MaxNodesPerTranslateBrowsePathsToNodeIds));
        AddProperty(StandardIds.OperationLimits, StandardIds.MaxMonitoredItemsPerCall, "MaxMonitoredItemsPerCall", StandardIds.UInt32, Variant.From(Limits.MaxMonitoredItemsPerCall));
    }

    private void AddStatusChild(NodeId id, string name, NodeId dataType, Func<Variant> value) =>
        AddVariable(StandardIds.ServerStatus, new VariableNode(id, new QualifiedName(0, name), new LocalizedText(name), dataType)
        {
            ValueSource = () => Now(value()),
        });

    private void AddBuildInfoChild(NodeId id, string name, NodeId dataType, Func<Variant> value) =>
        AddVariable(StandardIds.ServerStatusBuildInfo, new VariableNode(id, new QualifiedName(0, name), new LocalizedText(name), dataType)
        {
            ValueSource = () => Now(value()),
        });

    private static DataValue Now(Variant value)
    {
        var now = System.DateTime.UtcNow;
        return new DataValue(value, default, now, now);
    }

    private ServerStatusDataType CurrentStatus() => new()
    {
        StartTime = StartTime,
        CurrentTime = System.DateTime.UtcNow,
        State = ServerState,
        BuildInfo = CurrentBuildInfo(),
        ShutdownReason = new LocalizedText(""),
    };

    private BuildInfo CurrentBuildInfo() => new()
    {
        ProductUri = ApplicationUri,
        ManufacturerName = "Changwon DX Center",
        ProductName = ProductName,
        SoftwareVersion = SoftwareVersion,
        BuildNumber = SoftwareVersion,
        BuildDate = StartTime,
    };

    private void AddReferenceTypes()
    {
        // Part 3, 11: the reference type hierarchy that Browse's IncludeSubtypes walks.
        (NodeId Id, string Name, string Inverse, bool Abstract, bool Symmetric, NodeId? Parent)[] types =
        [
            (StandardIds.References, "References", "", true, true, null),
            (StandardIds.NonHierarchicalReferences, "NonHierarchicalReferences", "", true, true, StandardIds.References),
            (StandardIds.HierarchicalReferences, "HierarchicalReferences", "InverseHierarchicalReferences", true, false, StandardIds.References),
            (StandardIds.HasChild, "HasChild", "ChildOf", true, false, StandardIds.HierarchicalReferences),
            (StandardIds.Organizes, "Organizes", "OrganizedBy", false, false, StandardIds.HierarchicalReferences),
            (StandardIds.HasEventSource, "HasEventSource", "EventSourceOf", false, false, StandardIds.HierarchicalReferences),
            (StandardIds.HasModellingRule, "HasModellingRule", "ModellingRuleOf", false, false, StandardIds.NonHierarchicalReferences),
            (StandardIds.HasEncoding, "HasEncoding", "EncodingOf", false, false, StandardIds.NonHierarchicalReferences),
            (StandardIds.HasDescription, "HasDescription", "DescriptionOf", false, false, StandardIds.NonHierarchicalReferences),
            (StandardIds.HasTypeDefinition, "HasTypeDefinition", "TypeDefinitionOf", false, false, StandardIds.NonHierarchicalReferences),
            (StandardIds.GeneratesEvent, "GeneratesEvent", "GeneratedBy", false, false, StandardIds.NonHierarchicalReferences),
            (StandardIds.Aggregates, "Aggregates", "AggregatedBy", true, false, StandardIds.HasChild),
            (StandardIds.HasSubtype, "HasSubtype", "SubtypeOf", false, false, StandardIds.HasChild),
            (StandardIds.HasProperty, "HasProperty", "PropertyOf", false, false, StandardIds.Aggregates),
            (StandardIds.HasComponent, "HasComponent", "ComponentOf", false, false, StandardIds.Aggregates),
            (StandardIds.HasNotifier, "HasNotifier", "NotifierOf", false, false, StandardIds.HasEventSource),
            (StandardIds.HasOrderedComponent, "HasOrderedComponent", "OrderedComponentOf", false, false, StandardIds.HasComponent),
        ];
        foreach (var t in types)
        {
            Add(new TypeNode(NodeClass.ReferenceType, t.Id, new QualifiedName(0, t.Name), new LocalizedText(t.Name))
            {
                IsAbstract = t.Abstract,
                Symmetric = t.Symmetric,
                InverseName = t.Inverse.Length == 0 ? default : new LocalizedText(t.Inverse),
            });
        }

        foreach (var t in types)
        {
            if (t.Parent is { } parent)
            {
                AddReference(parent, StandardIds.HasSubtype, t.Id);
            }
        }
    }

    private void AddTypeNodes()
    {
        (NodeClass Class, NodeId Id, string Name, bool Abstract, NodeId? Parent)[] types =
        [
            (NodeClass.ObjectType, StandardIds.BaseObjectType, "BaseObjectType", false, null),
            (NodeClass.ObjectType, StandardIds.FolderType, "FolderType", false, StandardIds.BaseObjectType),
            (NodeClass.ObjectType, StandardIds.ServerType, "ServerType", false, StandardIds.BaseObjectType),
            (NodeClass.ObjectType, StandardIds.ServerCapabilitiesType, "ServerCapabilitiesType", false, StandardIds.BaseObjectType),
            (NodeClass.ObjectType, StandardIds.OperationLimitsType, "OperationLimitsType", false, StandardIds.FolderType),
            (NodeClass.VariableType, StandardIds.BaseVariableType, "BaseVariableType", true, null),
            (NodeClass.VariableType, StandardIds.BaseDataVariableType, "BaseDataVariableType", false, StandardIds.BaseVariableType),
            (NodeClass.VariableType, StandardIds.PropertyType, "PropertyType", false, StandardIds.BaseVariableType),
            (NodeClass.VariableType, StandardIds.ServerStatusType, "ServerStatusType", false, StandardIds.BaseDataVariableType),
            (NodeClass.VariableType, StandardIds.BuildInfoType, "BuildInfoType", false, StandardIds.BaseDataVariableType),
            (NodeClass.DataType, StandardIds.BaseDataType, "BaseDataType", true, null),
            (NodeClass.DataType, StandardIds.Boolean, "Boolean", false, StandardIds.BaseDataType),
            (NodeClass.DataType, StandardIds.Number, "Number", true, StandardIds.BaseDataType),
            (NodeClass.DataType, StandardIds.Integer, "Integer", true, StandardIds.Number),
            (NodeClass.DataType, StandardIds.UInteger, "UInteger", true, StandardIds.Number),
            (NodeClass.DataType, StandardIds.SByte, "SByte", false, StandardIds.Integer),
            (NodeClass.DataType, StandardIds.Int16, "Int16", false, StandardIds.Integer),
            (NodeClass.DataType, StandardIds.Int32, "Int32", false, StandardIds.Integer),
            (NodeClass.DataType, StandardIds.Int64, "Int64", false, StandardIds.Integer),
            (NodeClass.DataType, StandardIds.Byte, "Byte", false, StandardIds.UInteger),
            (NodeClass.DataType, StandardIds.UInt16, "UInt16", false, StandardIds.UInteger),
            (NodeClass.DataType, StandardIds.UInt32, "UInt32", false, StandardIds.UInteger),
            (NodeClass.DataType, StandardIds.UInt64, "UInt64", false, StandardIds.UInteger),
            (NodeClass.DataType, StandardIds.Float, "Float", false, StandardIds.Number),
            (NodeClass.DataType, StandardIds.Double, "Double", false, StandardIds.Number),
            (NodeClass.DataType, StandardIds.Duration, "Duration", false, StandardIds.Double),
            (NodeClass.DataType, StandardIds.String, "String", false, StandardIds.BaseDataType),
            (NodeClass.DataType, StandardIds.DateTime, "DateTime", false, StandardIds.BaseDataType),
            (NodeClass.DataType, StandardIds.UtcTime, "UtcTime", false, StandardIds.DateTime),
            (NodeClass.DataType, StandardIds.Guid, "Guid", false, StandardIds.BaseDataType),
            (NodeClass.DataType, StandardIds.ByteString, "ByteString", false, StandardIds.BaseDataType),
            (NodeClass.DataType, StandardIds.NodeIdType, "NodeId", false, StandardIds.BaseDataType),
            (NodeClass.DataType, StandardIds.StatusCode, "StatusCode", false, StandardIds.BaseDataType),
            (NodeClass.DataType, StandardIds.QualifiedName, "QualifiedName", false, StandardIds.BaseDataType),
            (NodeClass.DataType, StandardIds.LocalizedText, "LocalizedText", false, StandardIds.BaseDataType),
            (NodeClass.DataType, StandardIds.Structure, "Structure", true, StandardIds.BaseDataType),
            (NodeClass.DataType, StandardIds.Enumeration, "Enumeration", true, StandardIds.BaseDataType),
            (NodeClass.DataType, StandardIds.ServerState, "ServerState", false, StandardIds.Enumeration),
            (NodeClass.DataType, StandardIds.BuildInfo, "BuildInfo", false, StandardIds.Structure),
            (NodeClass.DataType, StandardIds.ServerStatusDataType, "ServerStatusDataType", false, StandardIds.Structure),
            (NodeClass.DataType, StandardIds.Range, "Range", false, StandardIds.Structure),
            (NodeClass.DataType, StandardIds.EUInformation, "EUInformation", false, StandardIds.Structure),
        ];
        foreach (var t in types)
        {
            Add(new TypeNode(t.Class, t.Id, new QualifiedName(0, t.Name), new LocalizedText(t.Name)) { IsAbstract = t.Abstract });
        }

        foreach (var t in types)
        {
            if (t.Parent is { } parent)
            {
                AddReference(parent, StandardIds.HasSubtype, t.Id);
            }
        }
    }
}
