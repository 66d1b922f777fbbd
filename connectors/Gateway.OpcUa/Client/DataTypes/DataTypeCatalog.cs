using System.Collections.Concurrent;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Client.DataTypes;

/// <summary>What a DataType is on the wire: a built-in type, a structure with its layout, or an enumeration.</summary>
/// <param name="Problem">For a structure the catalog could not describe: why (the value then stays raw).</param>
public sealed record DataTypeInfo(NodeId DataTypeId, string Name, BuiltInType WireType, StructureLayout? Structure = null, EnumLayout? Enum = null, bool IsAbstract = false, string? Problem = null)
{
    public bool IsStructure => WireType == BuiltInType.ExtensionObject;
}

/// <summary>
/// The structured and enumerated DataTypes of one session, read from the server when a tag needs them: the
/// DataTypeDefinition attribute (Part 3, 5.8.3; 1.04 and later) of the type, of its fields' types and of their
/// supertypes, else the 1.03 DataTypeDictionary its "Default Binary" encoding describes (Part 5 1.03, D.5). Encoding
/// ids are those of this session (the server's namespace indexes), so a catalog belongs to one session and one
/// NamespaceArray: make a new one after a reconnect or when <see cref="IsCurrentFor"/> says the namespaces moved.
/// </summary>
public sealed class DataTypeCatalog : IStructureLayouts
{
    public const uint DataTypeDefinitionAttribute = 23;
    private const uint IsAbstractAttribute = 8;
    private static readonly NodeId HasEncoding = new(0, 38u);
    private static readonly NodeId HasDescription = new(0, 39u);
    private static readonly NodeId HasSubtype = new(0, 45u);
    private static readonly NodeId HasComponent = new(0, 47u);
    private const int MaxSupertypeDepth = 32;

    private readonly OpcUaClient _client;
    private readonly ConcurrentDictionary<NodeId, DataTypeInfo> _byDataType = new();
    private readonly ConcurrentDictionary<NodeId, StructureLayout> _byEncoding = new();
    private readonly Dictionary<NodeId, TypeDictionary> _dictionaries = [];

    public DataTypeCatalog(OpcUaClient client, DecodingLimits? limits = null)
    {
        _client = client;
        NamespaceArray = [.. client.NamespaceArray];
        Limits = limits ?? DecodingLimits.Default;
    }

    /// <summary>The namespace table the encoding ids were resolved with.</summary>
    public IReadOnlyList<string> NamespaceArray { get; }

    public DecodingLimits Limits { get; }

    /// <summary>Every structure layout resolved so far.</summary>
    public IEnumerable<StructureLayout> Structures => _byEncoding.Values.Distinct();

    /// <summary>True while this catalog was made on <paramref name="client"/> and its namespaces have not moved.</summary>
    public bool IsCurrentFor(OpcUaClient client) => ReferenceEquals(client, _client) && NamespaceArray.SequenceEqual(client.NamespaceArray, StringComparer.Ordinal);

    public StructureLayout? FindByEncodingId(NodeId encodingId) => _byEncoding.GetValueOrDefault(encodingId);

    /// <summary>The structure decoded, or null when its encoding id is not one this catalog resolved.</summary>
    public StructureValue? TryDecode(ExtensionObject value) => StructureDecoder.TryDecode(value, this, Limits);

    /// <summary>Adds a layout known in advance (tests, benchmarks) under its encoding id.</summary>
    public void Register(StructureLayout layout)
    {
        if (layout.BinaryEncodingId is { } encoding)
        {
            _byEncoding[encoding] = layout;
        }

        _byDataType[layout.DataTypeId] = new DataTypeInfo(layout.DataTypeId, layout.Name, BuiltInType.ExtensionObject, layout);
    }

    /// <summary>Resolves a DataType (a variable's DataType attribute) and every type it uses.</summary>
    public Task<DataTypeInfo> ResolveAsync(NodeId dataTypeId, CancellationToken cancellationToken = default) =>
        ResolveAsync(dataTypeId, 0, cancellationToken);

    private async Task<DataTypeInfo> ResolveAsync(NodeId dataTypeId, int depth, CancellationToken cancellationToken)
    {
        if (_byDataType.TryGetValue(dataTypeId, out var known))
        {
            return known;
        }

        if (BuiltInFor(dataTypeId) is { } builtIn)
        {
            return _byDataType[dataTypeId] = new DataTypeInfo(dataTypeId, builtIn.ToString(), builtIn, IsAbstract: builtIn is BuiltInType.ExtensionObject or BuiltInType.Variant);
        }

        if (depth > MaxSupertypeDepth)
        {
            throw new UaServiceException(StatusCodes.BadDataTypeIdUnknown, $"DataType {dataTypeId}: more than {MaxSupertypeDepth} levels of fields and supertypes");
        }

        var read = await _client.ReadAsync(
            [new ReadValueId(dataTypeId, DataTypeDefinitionAttribute), new ReadValueId(dataTypeId, Attributes.BrowseName), new ReadValueId(dataTypeId, IsAbstractAttribute)],
            TimestampsToReturn.Neither,
            cancellationToken);
        var name = read.Length > 1 && read[1].Value.Value is QualifiedName browseName ? browseName.Name ?? dataTypeId.ToString() : dataTypeId.ToString();
        var isAbstract = read.Length > 2 && read[2].Value.Value is true;
        var definition = read.Length > 0 && read[0].Status.IsGood ? (read[0].Value.Value as ExtensionObject)?.Body : null;
        switch (definition)
        {
            case StructureDefinition structure:
                return await FromStructureDefinitionAsync(dataTypeId, name, isAbstract, structure, depth, cancellationToken);
            case EnumDefinition enumeration:
                return _byDataType[dataTypeId] = new DataTypeInfo(dataTypeId, name, BuiltInType.Int32, Enum: EnumLayout.From(dataTypeId, name, enumeration));
        }

        // No definition: a simple type (Duration, a vendor's subtype of UInt16...), an enumeration or structure of an
        // older server. The supertype says which.
        var supertype = await SupertypeAsync(dataTypeId, cancellationToken);
        if (supertype is null)
        {
            return _byDataType[dataTypeId] = new DataTypeInfo(dataTypeId, name, BuiltInType.Variant, IsAbstract: isAbstract);
        }

        var parent = await ResolveAsync(supertype, depth + 1, cancellationToken);
        if (parent.IsStructure)
        {
            return _byDataType[dataTypeId] = await FromDictionaryAsync(dataTypeId, name, isAbstract, cancellationToken);
        }

        return _byDataType[dataTypeId] = parent with { DataTypeId = dataTypeId, Name = name, IsAbstract = isAbstract, Enum = parent.Enum };
    }

    private async Task<DataTypeInfo> FromStructureDefinitionAsync(NodeId dataTypeId, string name, bool isAbstract, StructureDefinition definition, int depth, CancellationToken cancellationToken)
    {
        var kind = definition.StructureType switch
        {
            StructureType.StructureWithOptionalFields => StructureLayoutKind.StructureWithOptionalFields,
            StructureType.Union or StructureType.UnionWithSubtypedValues => StructureLayoutKind.Union,
            _ => StructureLayoutKind.Structure,
        };
        // Part 6, 5.2.7: with subtyped values, a field of a structured type is an ExtensionObject (it may hold a subtype).
        var subtyped = definition.StructureType is StructureType.StructureWithSubtypedValues or StructureType.UnionWithSubtypedValues;
        var layout = new StructureLayout(dataTypeId, name, kind);
        var info = new DataTypeInfo(dataTypeId, name, BuiltInType.ExtensionObject, layout, IsAbstract: isAbstract);
        _byDataType[dataTypeId] = info; // registered first: a field may refer back to this type
        var fields = new List<FieldLayout>();
        foreach (var field in definition.Fields ?? [])
        {
            var fieldName = field.Name ?? $"Field{fields.Count}";
            var type = await ResolveAsync(field.DataType, depth + 1, cancellationToken);
            var optional = kind == StructureLayoutKind.StructureWithOptionalFields && field.IsOptional;
            var valueRank = field.ValueRank;
            if (type.Structure is { } nested && !type.IsAbstract && !(subtyped && field.IsOptional))
            {
                fields.Add(FieldLayout.OfStructure(fieldName, nested, valueRank, optional));
            }
            else if (type.Enum is { } enumeration)
            {
                fields.Add(FieldLayout.OfEnum(fieldName, enumeration, valueRank, optional));
            }
            else
            {
                fields.Add(new FieldLayout(fieldName, type.WireType, valueRank, optional));
            }
        }

        layout.Fields = fields;
        layout.BinaryEncodingId = !definition.DefaultEncodingId.IsNull ? definition.DefaultEncodingId : (await DefaultBinaryAsync(dataTypeId, cancellationToken))?.NodeId;
        if (layout.BinaryEncodingId is { } encodingId)
        {
            _byEncoding[encodingId] = layout;
        }

        return info;
    }

    private async Task<DataTypeInfo> FromDictionaryAsync(NodeId dataTypeId, string name, bool isAbstract, CancellationToken cancellationToken)
    {
        if (isAbstract)
        {
            return new DataTypeInfo(dataTypeId, name, BuiltInType.ExtensionObject, IsAbstract: true);
        }

        var encoding = await DefaultBinaryAsync(dataTypeId, cancellationToken);
        if (encoding is null)
        {
            return new DataTypeInfo(dataTypeId, name, BuiltInType.ExtensionObject, Problem: "it has no DataTypeDefinition and no Default Binary encoding");
        }

        try
        {
            var description = (await BrowseAsync(encoding.NodeId, HasDescription, BrowseDirection.Forward, cancellationToken)).FirstOrDefault();
            if (description is null)
            {
                return new DataTypeInfo(dataTypeId, name, BuiltInType.ExtensionObject, Problem: "it has no DataTypeDefinition, and its encoding has no DataTypeDescription (no 1.03 dictionary)");
            }

            var dictionaryNode = (await BrowseAsync(description.NodeId, HasComponent, BrowseDirection.Inverse, cancellationToken)).FirstOrDefault()
                ?? throw new NotSupportedException("its DataTypeDescription belongs to no dictionary");
            var values = await _client.ReadValuesAsync([description.NodeId, dictionaryNode.NodeId], cancellationToken);
            var typeName = values[0].Value.Value as string ?? throw new NotSupportedException("its DataTypeDescription has no type name");
            if (!_dictionaries.TryGetValue(dictionaryNode.NodeId, out var dictionary))
            {
                var xml = values[1].Value.Value is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : throw new NotSupportedException($"its dictionary {dictionaryNode.NodeId} holds no ByteString");
                _dictionaries[dictionaryNode.NodeId] = dictionary = TypeDictionary.Parse(xml);
            }

            var layout = dictionary.Layout(typeName, dataTypeId);
            layout.BinaryEncodingId = encoding.NodeId;
            _byEncoding[encoding.NodeId] = layout;
            return new DataTypeInfo(dataTypeId, name, BuiltInType.ExtensionObject, layout);
        }
        catch (Exception e) when (e is NotSupportedException or UaDecodingException or UaServiceException)
        {
            return new DataTypeInfo(dataTypeId, name, BuiltInType.ExtensionObject, Problem: $"it has no DataTypeDefinition and its 1.03 dictionary could not be used: {e.Message}");
        }
    }

    private async Task<NodeId?> SupertypeAsync(NodeId dataTypeId, CancellationToken cancellationToken) =>
        (await BrowseAsync(dataTypeId, HasSubtype, BrowseDirection.Inverse, cancellationToken)).FirstOrDefault()?.NodeId;

    private async Task<EncodingNode?> DefaultBinaryAsync(NodeId dataTypeId, CancellationToken cancellationToken) =>
        (await BrowseAsync(dataTypeId, HasEncoding, BrowseDirection.Forward, cancellationToken)).FirstOrDefault(e => e.Name == "Default Binary");

    private sealed record EncodingNode(NodeId NodeId, string Name);

    private async Task<List<EncodingNode>> BrowseAsync(NodeId node, NodeId referenceType, BrowseDirection direction, CancellationToken cancellationToken)
    {
        var results = await _client.BrowseAsync(
            [new BrowseDescription { NodeId = node, BrowseDirection = direction, ReferenceTypeId = referenceType, IncludeSubtypes = false }],
            0,
            cancellationToken);
        return results.Length == 0 || results[0].StatusCode.IsBad
            ? []
            : (results[0].References ?? []).Where(r => r.NodeId.ServerIndex == 0 && r.NodeId.NamespaceUri is null)
                .Select(r => new EncodingNode(r.NodeId.NodeId, r.BrowseName.Name ?? "")).ToList();
    }

    /// <summary>Namespace-0 DataTypes that are built-in types or travel as one (Part 6, 5.1.2 and 5.2.7).</summary>
    private static BuiltInType? BuiltInFor(NodeId dataTypeId)
    {
        if (dataTypeId.NamespaceIndex != 0 || dataTypeId.IdType != IdType.Numeric)
        {
            return null;
        }

        return dataTypeId.NumericIdentifier switch
        {
            >= 1 and <= 21 or 23 or 25 => (BuiltInType)dataTypeId.NumericIdentifier,
            22 => BuiltInType.ExtensionObject, // Structure: an abstract field holds any subtype
            24 or 26 or 27 or 28 => BuiltInType.Variant, // BaseDataType, Number, Integer, UInteger: abstract, sent as a Variant
            29 => BuiltInType.Int32, // Enumeration
            _ => null,
        };
    }
}
