using System.Buffers;
using System.Buffers.Binary;
using Gateway.OpcUa.Client.DataTypes;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Tests.Client;

/// <summary>
/// The run-time structure decoder (Part 6, 5.2.7) on bodies written field by field with the stack's writer: nested
/// structures, arrays, optional fields, unions, enumerations, and the bounds (depth, array lengths, leftover bytes).
/// </summary>
public class StructureDecoderTests
{
    // ToolData { Number: UInt32, Name: String, Life: ToolLife { Used, Limit: Double }, WearHistory: Double[],
    //            State: ToolState (enum), Comment?: String } with optional fields.
    internal static StructureLayout ToolData()
    {
        var life = new StructureLayout(new NodeId(2, 3002u), "ToolLife", StructureLayoutKind.Structure)
        {
            Fields = [new FieldLayout("Used", BuiltInType.Double), new FieldLayout("Limit", BuiltInType.Double)],
        };
        var state = new EnumLayout(new NodeId(2, 3003u), "ToolState", new Dictionary<long, string> { [0] = "Idle", [1] = "InUse", [2] = "Worn" });
        return new StructureLayout(new NodeId(2, 3001u), "ToolData", StructureLayoutKind.StructureWithOptionalFields)
        {
            BinaryEncodingId = new NodeId(2, 5001u),
            Fields =
            [
                new FieldLayout("Number", BuiltInType.UInt32),
                new FieldLayout("Name", BuiltInType.String),
                FieldLayout.OfStructure("Life", life),
                new FieldLayout("WearHistory", BuiltInType.Double, valueRank: 1),
                FieldLayout.OfEnum("State", state),
                new FieldLayout("Comment", BuiltInType.String, isOptional: true),
            ],
        };
    }

    internal static byte[] ToolDataBody(string? comment, double[]? wear = null, int state = 1)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new UaBinaryWriter(buffer);
        writer.WriteUInt32(comment is null ? 0u : 1u);
        writer.WriteUInt32(7);
        writer.WriteString("Drill 8 mm");
        writer.WriteDouble(12.5);
        writer.WriteDouble(90);
        writer.WriteArray(wear ?? [0.1, 0.25, 0.5], static (w, v) => w.WriteDouble(v));
        writer.WriteInt32(state);
        if (comment is not null)
        {
            writer.WriteString(comment);
        }

        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void A_structure_with_a_nested_structure_an_array_an_enumeration_and_an_optional_field_decodes_to_json()
    {
        var value = StructureDecoder.Decode(ToolDataBody("re-ground"), ToolData());

        Assert.Equal(
            """{"Number":7,"Name":"Drill 8 mm","Life":{"Used":12.5,"Limit":90},"WearHistory":[0.1,0.25,0.5],"State":"InUse","Comment":"re-ground"}""",
            value.ToJson());
    }

    [Fact]
    public void An_absent_optional_field_is_left_out_and_an_undefined_enumeration_value_stays_a_number()
    {
        var value = StructureDecoder.Decode(ToolDataBody(null, state: 9), ToolData());

        Assert.Equal("""{"Number":7,"Name":"Drill 8 mm","Life":{"Used":12.5,"Limit":90},"WearHistory":[0.1,0.25,0.5],"State":9}""", value.ToJson());
        Assert.Null(value["Comment"]);
    }

    [Fact]
    public void A_union_holds_the_one_field_its_switch_chose()
    {
        var union = new StructureLayout(new NodeId(2, 1u), "Setpoint", StructureLayoutKind.Union)
        {
            Fields = [new FieldLayout("Speed", BuiltInType.Double), new FieldLayout("Program", BuiltInType.String)],
        };
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new UaBinaryWriter(buffer);
        writer.WriteUInt32(2);
        writer.WriteString("O1234");

        Assert.Equal("""{"Program":"O1234"}""", StructureDecoder.Decode(buffer.WrittenSpan, union).ToJson());
        Assert.Equal("{}", StructureDecoder.Decode(new byte[4], union).ToJson());
        var beyond = new byte[4];
        beyond[0] = 3;
        Assert.Throws<UaDecodingException>(() => StructureDecoder.Decode(beyond, union));
    }

    [Fact]
    public void A_two_dimensional_array_field_is_read_with_its_dimensions_first()
    {
        var matrix = new StructureLayout(new NodeId(2, 1u), "Grid", StructureLayoutKind.Structure)
        {
            Fields = [new FieldLayout("Cells", BuiltInType.Int16, valueRank: 2)],
        };
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new UaBinaryWriter(buffer);
        writer.WriteArray(new[] { 2, 3 }, static (w, v) => w.WriteInt32(v));
        for (short i = 1; i <= 6; i++)
        {
            writer.WriteInt16(i);
        }

        var value = StructureDecoder.Decode(buffer.WrittenSpan, matrix);
        Assert.Equal("""{"Cells":[1,2,3,4,5,6]}""", value.ToJson());
        Assert.Equal([2, 3], value.Fields[0].Dimensions!);
    }

    [Fact]
    public void Bytes_left_after_the_last_field_mean_the_definition_does_not_match()
    {
        var body = ToolDataBody(null).Concat(new byte[] { 1, 2, 3 }).ToArray();
        var error = Assert.Throws<UaDecodingException>(() => StructureDecoder.Decode(body, ToolData()));
        Assert.Contains("3 byte(s) left after decoding ToolData", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_array_length_beyond_the_bytes_left_is_refused_before_allocating()
    {
        var body = ToolDataBody(null);
        // WearHistory's length sits after the mask, Number, Name (4 + 10 bytes) and Life (16 bytes).
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(4 + 4 + 14 + 16), 200_000_000);
        var error = Assert.Throws<UaDecodingException>(() => StructureDecoder.Decode(body, ToolData()));
        Assert.Equal(StatusCodes.BadEncodingLimitsExceeded, error.StatusCode);

        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(4 + 4 + 14 + 16), 900_000);
        error = Assert.Throws<UaDecodingException>(() => StructureDecoder.Decode(body, ToolData()));
        Assert.Contains("cannot fit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Structures_nested_deeper_than_the_limit_are_refused()
    {
        // Node { Children: Node[] }: a type that contains itself, sent 100 levels deep.
        var node = new StructureLayout(new NodeId(2, 9u), "TreeNode", StructureLayoutKind.Structure);
        node.Fields = [new FieldLayout("Id", BuiltInType.Int32), FieldLayout.OfStructure("Children", node, valueRank: 1)];
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new UaBinaryWriter(buffer);
        for (var level = 0; level < 100; level++)
        {
            writer.WriteInt32(level);
            writer.WriteInt32(1);
        }

        writer.WriteInt32(100);
        writer.WriteInt32(0);

        var error = Assert.Throws<UaDecodingException>(() => StructureDecoder.Decode(buffer.WrittenSpan, node));
        Assert.Equal(StatusCodes.BadEncodingLimitsExceeded, error.StatusCode);
        Assert.Contains("nesting deeper than 32", error.Message, StringComparison.Ordinal);

        // Ten levels are fine.
        var shallow = new ArrayBufferWriter<byte>();
        var w2 = new UaBinaryWriter(shallow);
        for (var level = 0; level < 10; level++)
        {
            w2.WriteInt32(level);
            w2.WriteInt32(1);
        }

        w2.WriteInt32(10);
        w2.WriteInt32(0);
        Assert.StartsWith("""{"Id":0,"Children":[{"Id":1,""", StructureDecoder.Decode(shallow.WrittenSpan, node).ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_embedded_extension_object_of_a_known_encoding_is_decoded_and_an_unknown_one_kept_raw()
    {
        var catalogLayouts = new Layouts(ToolData());
        var holder = new StructureLayout(new NodeId(2, 10u), "Holder", StructureLayoutKind.Structure)
        {
            Fields = [new FieldLayout("Any", BuiltInType.ExtensionObject), new FieldLayout("Other", BuiltInType.ExtensionObject)],
        };
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new UaBinaryWriter(buffer);
        writer.WriteExtensionObject(new ExtensionObject(new NodeId(2, 5001u), ToolDataBody(null)));
        writer.WriteExtensionObject(new ExtensionObject(new NodeId(2, 7777u), [1, 2, 3]));

        var json = StructureDecoder.Decode(buffer.WrittenSpan, holder, catalogLayouts).ToJson();
        Assert.Equal(
            """{"Any":{"Number":7,"Name":"Drill 8 mm","Life":{"Used":12.5,"Limit":90},"WearHistory":[0.1,0.25,0.5],"State":"InUse"},"Other":{"typeId":"ns=2;i=7777","encoding":"binary","body":"AQID"}}""",
            json);
    }

    [Fact]
    public void Mutated_structure_bodies_only_ever_raise_the_typed_decoding_error()
    {
        // The stack's fuzz (HostileInputTests) applied to the run-time decoder: 100,000 mutations of valid bodies.
        var node = new StructureLayout(new NodeId(2, 9u), "TreeNode", StructureLayoutKind.Structure);
        node.Fields = [new FieldLayout("Id", BuiltInType.Int32), new FieldLayout("Tag", BuiltInType.Variant), FieldLayout.OfStructure("Children", node, valueRank: 1)];
        var tree = new ArrayBufferWriter<byte>();
        var treeWriter = new UaBinaryWriter(tree);
        for (var level = 0; level < 5; level++)
        {
            treeWriter.WriteInt32(level);
            treeWriter.WriteVariant(Variant.From("n" + level));
            treeWriter.WriteInt32(1);
        }

        treeWriter.WriteInt32(5);
        treeWriter.WriteVariant(Variant.FromArray(BuiltInType.Double, new[] { 1.0, 2.0 }));
        treeWriter.WriteInt32(0);

        var holder = new StructureLayout(new NodeId(2, 10u), "Holder", StructureLayoutKind.Structure)
        {
            Fields = [new FieldLayout("Any", BuiltInType.ExtensionObject), new FieldLayout("Grid", BuiltInType.Int32, valueRank: 2)],
        };
        var held = new ArrayBufferWriter<byte>();
        var heldWriter = new UaBinaryWriter(held);
        heldWriter.WriteExtensionObject(new ExtensionObject(new NodeId(2, 5001u), ToolDataBody("x")));
        heldWriter.WriteArray(new[] { 2, 2 }, static (w, v) => w.WriteInt32(v));
        for (var i = 0; i < 4; i++)
        {
            heldWriter.WriteInt32(i);
        }

        var samples = new List<(byte[] Body, StructureLayout Layout)>
        {
            (ToolDataBody("re-ground"), ToolData()),
            (ToolDataBody(null, [1, 2, 3, 4, 5, 6, 7, 8]), ToolData()),
            (tree.WrittenSpan.ToArray(), node),
            (held.WrittenSpan.ToArray(), holder),
        };
        var layouts = new Layouts(ToolData());
        var random = new Random(20261206);
        var limits = new DecodingLimits { MaxArrayLength = 10_000, MaxStringLength = 65536, MaxByteStringLength = 65536, MaxNestingDepth = 8 };
        var decoded = 0;
        var rejected = 0;
        for (var round = 0; round < 100_000; round++)
        {
            var (sample, layout) = samples[round % samples.Count];
            var bytes = (byte[])sample.Clone();
            var mutations = 1 + random.Next(4);
            for (var m = 0; m < mutations && bytes.Length > 0; m++)
            {
                switch (random.Next(4))
                {
                    case 0: bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8)); break;
                    case 1: bytes[random.Next(bytes.Length)] = (byte)random.Next(256); break;
                    case 2: bytes = bytes[..random.Next(bytes.Length)]; break;
                    default:
                        if (bytes.Length >= 4)
                        {
                            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(random.Next(bytes.Length - 3)), random.Next(2) == 0 ? -1 : random.Next());
                        }

                        break;
                }
            }

            try
            {
                StructureDecoder.Decode(bytes, layout, layouts, limits);
                decoded++;
            }
            catch (UaDecodingException)
            {
                rejected++;
            }
        }

        Assert.Equal(100_000, decoded + rejected);
        Assert.True(rejected > 10_000, $"only {rejected} of 100,000 mutations were rejected: the mutations are too weak to test anything");
        Assert.True(decoded > 1_000, $"only {decoded} of 100,000 mutations decoded: the samples are not valid to start with");
    }

    [Fact]
    public void A_1_03_dictionary_describes_the_same_layout_as_the_data_type_definition()
    {
        var dictionary = TypeDictionary.Parse(ToolDataDictionary);
        var layout = dictionary.Layout("ToolData", new NodeId(2, 3001u));

        Assert.Equal(StructureLayoutKind.StructureWithOptionalFields, layout.Kind);
        Assert.Equal(["Number", "Name", "Life", "WearHistory", "State", "Comment"], layout.Fields.Select(f => f.Name));
        Assert.Equal(
            StructureDecoder.Decode(ToolDataBody("re-ground"), ToolData()).ToJson(),
            StructureDecoder.Decode(ToolDataBody("re-ground"), layout).ToJson());
        Assert.Equal(
            StructureDecoder.Decode(ToolDataBody(null), ToolData()).ToJson(),
            StructureDecoder.Decode(ToolDataBody(null), layout).ToJson());
    }

    [Fact]
    public void A_dictionary_with_a_dtd_or_without_the_binary_schema_root_is_refused()
    {
        Assert.Throws<UaDecodingException>(() => TypeDictionary.Parse("""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>"""));
        Assert.Throws<UaDecodingException>(() => TypeDictionary.Parse("<TypeDictionary/>"));
    }

    internal const string ToolDataDictionary = """
        <opc:TypeDictionary xmlns:opc="http://opcfoundation.org/BinarySchema/" xmlns:ua="http://opcfoundation.org/UA/"
            xmlns:tns="urn:gateway:tools" TargetNamespace="urn:gateway:tools" DefaultByteOrder="LittleEndian">
          <opc:Import Namespace="http://opcfoundation.org/UA/"/>
          <opc:StructuredType Name="ToolLife" BaseType="ua:ExtensionObject">
            <opc:Field Name="Used" TypeName="opc:Double"/>
            <opc:Field Name="Limit" TypeName="opc:Double"/>
          </opc:StructuredType>
          <opc:EnumeratedType Name="ToolState" LengthInBits="32">
            <opc:EnumeratedValue Name="Idle" Value="0"/>
            <opc:EnumeratedValue Name="InUse" Value="1"/>
            <opc:EnumeratedValue Name="Worn" Value="2"/>
          </opc:EnumeratedType>
          <opc:StructuredType Name="ToolData" BaseType="ua:ExtensionObject">
            <opc:Field Name="CommentSpecified" TypeName="opc:Bit"/>
            <opc:Field Name="Reserved1" TypeName="opc:Bit" Length="31"/>
            <opc:Field Name="Number" TypeName="opc:UInt32"/>
            <opc:Field Name="Name" TypeName="opc:String"/>
            <opc:Field Name="Life" TypeName="tns:ToolLife"/>
            <opc:Field Name="NoOfWearHistory" TypeName="opc:Int32"/>
            <opc:Field Name="WearHistory" TypeName="opc:Double" LengthField="NoOfWearHistory"/>
            <opc:Field Name="State" TypeName="tns:ToolState"/>
            <opc:Field Name="Comment" TypeName="opc:String" SwitchField="CommentSpecified"/>
          </opc:StructuredType>
        </opc:TypeDictionary>
        """;

    private sealed class Layouts(params StructureLayout[] layouts) : IStructureLayouts
    {
        public StructureLayout? FindByEncodingId(NodeId encodingId) => layouts.FirstOrDefault(l => l.BinaryEncodingId == encodingId);
    }
}
