using Gateway.OpcUa.Services;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Client.DataTypes;

/// <summary>How a structure's fields follow each other on the wire (Part 3, 8.49 StructureType; Part 6, 5.2.7).</summary>
public enum StructureLayoutKind
{
    /// <summary>Every field, in order.</summary>
    Structure,

    /// <summary>A UInt32 encoding mask first, one bit per optional field (Part 6, 5.2.7.2).</summary>
    StructureWithOptionalFields,

    /// <summary>A UInt32 switch field first (0 = no field, n = the n-th field), then that one field (Part 6, 5.2.7.3).</summary>
    Union,
}

/// <summary>
/// A structured DataType as the run-time decoder needs it: built once per session from the server's
/// DataTypeDefinition (or its 1.03 dictionary), then used for every value of that type.
/// </summary>
public sealed class StructureLayout
{
    public StructureLayout(NodeId dataTypeId, string name, StructureLayoutKind kind)
    {
        DataTypeId = dataTypeId;
        Name = name;
        Kind = kind;
    }

    public NodeId DataTypeId { get; }

    public string Name { get; }

    public StructureLayoutKind Kind { get; }

    /// <summary>The "Default Binary" encoding id in this session's namespace indexes, when known.</summary>
    public NodeId? BinaryEncodingId { get; set; }

    /// <summary>Filled after the layout is registered, so a structure that contains itself (through an array) resolves.</summary>
    public IReadOnlyList<FieldLayout> Fields { get; set; } = [];

    /// <summary>Where the layout came from: "DataTypeDefinition" or "DataTypeDictionary".</summary>
    public string Origin { get; init; } = "DataTypeDefinition";

    /// <summary>The fewest bytes one value can take, so that an array length can be checked against the bytes left.</summary>
    public int MinimumSize()
    {
        if (Kind != StructureLayoutKind.Structure)
        {
            return 4;
        }

        var size = 0;
        foreach (var field in Fields)
        {
            size += field.MinimumSize();
        }

        return size;
    }

    /// <summary>The dot-separated paths of the leaf fields (`Life.Used`), nested structures expanded to a few levels.</summary>
    public IReadOnlyList<string> LeafPaths()
    {
        var paths = new List<string>();
        AddLeafPaths(paths, "", 0);
        return paths;
    }

    private void AddLeafPaths(List<string> paths, string prefix, int depth)
    {
        foreach (var field in Fields)
        {
            var path = prefix + field.Name;
            if (field.Structure is { } nested && depth < 4)
            {
                nested.AddLeafPaths(paths, path + ".", depth + 1);
            }
            else
            {
                paths.Add(path);
            }
        }
    }

    public override string ToString() => $"{Name} ({DataTypeId}, {Kind}, {Fields.Count} fields)";
}

/// <summary>An enumerated DataType (Part 3, 8.26 EnumDefinition): an Int32 on the wire, a name for people.</summary>
public sealed class EnumLayout(NodeId dataTypeId, string name, IReadOnlyDictionary<long, string> names)
{
    public NodeId DataTypeId { get; } = dataTypeId;

    public string Name { get; } = name;

    public IReadOnlyDictionary<long, string> Names { get; } = names;

    public string? NameOf(int value) => Names.TryGetValue(value, out var name) ? name : null;

    public static EnumLayout From(NodeId dataTypeId, string name, EnumDefinition definition) => new(
        dataTypeId,
        name,
        (definition.Fields ?? []).Where(f => f.Name is not null).GroupBy(f => f.Value).ToDictionary(g => g.Key, g => g.First().Name!));
}

/// <summary>
/// One field: its wire form is a built-in type (<see cref="WireType"/>), a structure encoded in line
/// (<see cref="Structure"/>) or an enumeration (<see cref="Enum"/>, an Int32).
/// </summary>
public sealed class FieldLayout
{
    public FieldLayout(string name, BuiltInType wireType, int valueRank = -1, bool isOptional = false)
    {
        Name = name;
        WireType = wireType;
        ValueRank = valueRank;
        IsOptional = isOptional;
    }

    public string Name { get; }

    public BuiltInType WireType { get; }

    public StructureLayout? Structure { get; init; }

    public EnumLayout? Enum { get; init; }

    /// <summary>-1 scalar, 1 one-dimensional array, n &gt; 1 an n-dimensional array (Part 6, 5.2.5: dimensions first).</summary>
    public int ValueRank { get; }

    public bool IsOptional { get; }

    public bool IsArray => ValueRank >= 1 || ValueRank == 0;

    public static FieldLayout OfStructure(string name, StructureLayout structure, int valueRank = -1, bool isOptional = false) =>
        new(name, BuiltInType.ExtensionObject, valueRank, isOptional) { Structure = structure };

    public static FieldLayout OfEnum(string name, EnumLayout layout, int valueRank = -1, bool isOptional = false) =>
        new(name, BuiltInType.Int32, valueRank, isOptional) { Enum = layout };

    internal int MinimumSize()
    {
        if (IsOptional)
        {
            return 0;
        }

        if (IsArray)
        {
            return 4;
        }

        if (Structure is not null)
        {
            // A structure that contains itself can only do so through an array or an optional field; count it as nothing.
            return 0;
        }

        return WireType switch
        {
            BuiltInType.Boolean or BuiltInType.SByte or BuiltInType.Byte => 1,
            BuiltInType.Int16 or BuiltInType.UInt16 => 2,
            BuiltInType.Int32 or BuiltInType.UInt32 or BuiltInType.Float or BuiltInType.StatusCode
                or BuiltInType.String or BuiltInType.ByteString or BuiltInType.XmlElement => 4,
            BuiltInType.Int64 or BuiltInType.UInt64 or BuiltInType.Double or BuiltInType.DateTime => 8,
            BuiltInType.Guid => 16,
            _ => 1,
        };
    }

    public override string ToString() => $"{Name}: {Structure?.Name ?? Enum?.Name ?? WireType.ToString()}{(IsArray ? "[]" : "")}{(IsOptional ? "?" : "")}";
}
