using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Client.DataTypes;

/// <summary>
/// A 1.03 DataTypeDictionary: the OPC Binary schema (Part 3 1.03 Annex C / Part 5 1.03 Annex D, the "BSD") a server
/// offers under the OPC Binary type system for servers without the DataTypeDefinition attribute (S7-1500 before
/// firmware 2.9, older Kepware). Only what describes a binary encoding is used: StructuredType fields (with
/// LengthField arrays, Bit/SwitchField optional fields and SwitchValue unions) and EnumeratedType values.
/// </summary>
public sealed class TypeDictionary
{
    public const string BinarySchemaNamespace = "http://opcfoundation.org/BinarySchema/";
    private const string UaNamespace = "http://opcfoundation.org/UA/";

    private readonly Dictionary<string, XElement> _structured;
    private readonly Dictionary<string, XElement> _enumerated;
    private readonly Dictionary<string, StructureLayout> _built = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EnumLayout> _enums = new(StringComparer.Ordinal);

    private TypeDictionary(string targetNamespace, Dictionary<string, XElement> structured, Dictionary<string, XElement> enumerated)
    {
        TargetNamespace = targetNamespace;
        _structured = structured;
        _enumerated = enumerated;
    }

    public string TargetNamespace { get; }

    public IEnumerable<string> StructureNames => _structured.Keys;

    /// <summary>Parses a dictionary (a DTD is refused, and so is a document above 16 MiB).</summary>
    public static TypeDictionary Parse(string xml)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 16 * 1024 * 1024 };
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            document = XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new UaDecodingException($"the DataTypeDictionary is not valid XML: {e.Message}");
        }

        var root = document.Root;
        if (root is null || root.Name != XName.Get("TypeDictionary", BinarySchemaNamespace))
        {
            throw new UaDecodingException("the DataTypeDictionary is not an OPC Binary schema (no opc:TypeDictionary root)");
        }

        XName Of(string name) => XName.Get(name, BinarySchemaNamespace);
        return new TypeDictionary(
            (string?)root.Attribute("TargetNamespace") ?? "",
            root.Elements(Of("StructuredType")).Where(e => e.Attribute("Name") is not null).GroupBy(e => (string)e.Attribute("Name")!).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal),
            root.Elements(Of("EnumeratedType")).Where(e => e.Attribute("Name") is not null).GroupBy(e => (string)e.Attribute("Name")!).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal));
    }

    /// <summary>The layout of a structured type of this dictionary (and of the types its fields use).</summary>
    public StructureLayout Layout(string name, NodeId dataTypeId)
    {
        if (_built.TryGetValue(name, out var known))
        {
            return known;
        }

        if (!_structured.TryGetValue(name, out var element))
        {
            throw new NotSupportedException($"the dictionary {TargetNamespace} has no StructuredType '{name}'");
        }

        var fields = element.Elements(XName.Get("Field", BinarySchemaNamespace)).ToList();
        var bits = fields.Where(f => IsBit(f)).ToList();
        var lengthFields = fields.Select(f => (string?)f.Attribute("LengthField")).Where(n => n is not null).ToHashSet(StringComparer.Ordinal);
        var switchFields = fields.Select(f => (string?)f.Attribute("SwitchField")).Where(n => n is not null).ToHashSet(StringComparer.Ordinal);
        var isUnion = fields.Any(f => f.Attribute("SwitchValue") is not null);
        if (bits.Count > 0 && bits.Sum(b => int.Parse((string?)b.Attribute("Length") ?? "1", CultureInfo.InvariantCulture)) != 32)
        {
            throw new NotSupportedException($"'{name}' has an encoding mask of other than 32 bits");
        }

        var kind = isUnion ? StructureLayoutKind.Union : bits.Count > 0 ? StructureLayoutKind.StructureWithOptionalFields : StructureLayoutKind.Structure;
        var layout = new StructureLayout(dataTypeId, name, kind) { Origin = "DataTypeDictionary" };
        _built[name] = layout;
        var result = new List<FieldLayout>();
        foreach (var field in fields)
        {
            var fieldName = (string?)field.Attribute("Name") ?? "";
            if (IsBit(field) || lengthFields.Contains(fieldName) || (isUnion && switchFields.Contains(fieldName)))
            {
                continue; // the mask, the array lengths and the union's switch are read by the decoder itself
            }

            var isArray = field.Attribute("LengthField") is not null;
            var isOptional = !isUnion && field.Attribute("SwitchField") is not null;
            result.Add(FieldOf(field, fieldName, isArray ? 1 : -1, isOptional));
        }

        if (isUnion)
        {
            // The switch value numbers the fields from 1, whatever order they were written in.
            var order = fields.Where(f => f.Attribute("SwitchValue") is not null)
                .ToDictionary(f => (string?)f.Attribute("Name") ?? "", f => int.Parse((string)f.Attribute("SwitchValue")!, CultureInfo.InvariantCulture));
            result = [.. result.OrderBy(f => order.GetValueOrDefault(f.Name, int.MaxValue))];
        }

        layout.Fields = result;
        return layout;
    }

    private FieldLayout FieldOf(XElement field, string name, int valueRank, bool isOptional)
    {
        var typeName = (string?)field.Attribute("TypeName") ?? throw new NotSupportedException($"field '{name}' has no TypeName");
        var colon = typeName.IndexOf(':', StringComparison.Ordinal);
        var prefix = colon < 0 ? "" : typeName[..colon];
        var local = colon < 0 ? typeName : typeName[(colon + 1)..];
        var uri = field.GetNamespaceOfPrefix(prefix)?.NamespaceName ?? "";
        if (uri == BinarySchemaNamespace || uri == UaNamespace)
        {
            if (BuiltInOf(local) is { } builtIn)
            {
                return new FieldLayout(name, builtIn, valueRank, isOptional);
            }

            throw new NotSupportedException($"field '{name}' is of type {typeName}, which the dictionary fallback does not decode");
        }

        if (uri != TargetNamespace)
        {
            throw new NotSupportedException($"field '{name}' is of type {typeName} from another dictionary ({uri})");
        }

        if (_enumerated.ContainsKey(local))
        {
            return FieldLayout.OfEnum(name, EnumOf(local), valueRank, isOptional);
        }

        return FieldLayout.OfStructure(name, Layout(local, NodeId.Null), valueRank, isOptional);
    }

    private EnumLayout EnumOf(string name)
    {
        if (!_enums.TryGetValue(name, out var layout))
        {
            var names = _enumerated[name].Elements(XName.Get("EnumeratedValue", BinarySchemaNamespace))
                .Where(v => v.Attribute("Name") is not null && long.TryParse((string?)v.Attribute("Value"), NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
                .GroupBy(v => long.Parse((string)v.Attribute("Value")!, CultureInfo.InvariantCulture))
                .ToDictionary(g => g.Key, g => (string)g.First().Attribute("Name")!);
            _enums[name] = layout = new EnumLayout(NodeId.Null, name, names);
        }

        return layout;
    }

    private static bool IsBit(XElement field) => (string?)field.Attribute("TypeName") is { } type && type.EndsWith(":Bit", StringComparison.Ordinal);

    private static BuiltInType? BuiltInOf(string name) => name switch
    {
        "Boolean" => BuiltInType.Boolean,
        "SByte" => BuiltInType.SByte,
        "Byte" => BuiltInType.Byte,
        "Int16" => BuiltInType.Int16,
        "UInt16" => BuiltInType.UInt16,
        "Int32" => BuiltInType.Int32,
        "UInt32" => BuiltInType.UInt32,
        "Int64" => BuiltInType.Int64,
        "UInt64" => BuiltInType.UInt64,
        "Float" => BuiltInType.Float,
        "Double" => BuiltInType.Double,
        "String" or "CharArray" => BuiltInType.String,
        "DateTime" => BuiltInType.DateTime,
        "Guid" => BuiltInType.Guid,
        "ByteString" => BuiltInType.ByteString,
        "XmlElement" => BuiltInType.XmlElement,
        "NodeId" => BuiltInType.NodeId,
        "ExpandedNodeId" => BuiltInType.ExpandedNodeId,
        "StatusCode" => BuiltInType.StatusCode,
        "QualifiedName" => BuiltInType.QualifiedName,
        "LocalizedText" => BuiltInType.LocalizedText,
        "ExtensionObject" => BuiltInType.ExtensionObject,
        "DataValue" => BuiltInType.DataValue,
        "Variant" => BuiltInType.Variant,
        "DiagnosticInfo" => BuiltInType.DiagnosticInfo,
        _ => null,
    };
}
