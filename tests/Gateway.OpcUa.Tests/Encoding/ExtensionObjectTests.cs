using System.Buffers;
using System.Numerics;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Tests.Encoding;

/// <summary>
/// Structures inside a Variant: the Decimal (OPC 10000-6, 5.1.10) decoded to its exact value, and structures the stack
/// has no description of kept as data (type id, encoding, raw body). The bytes are written out by hand from the spec's
/// layout, not produced by our encoder.
/// </summary>
public class ExtensionObjectTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    private static Variant DecodeVariant(string hex)
    {
        var bytes = Hex(hex);
        var reader = new UaBinaryReader(bytes);
        var value = reader.ReadVariant();
        Assert.Equal(0, reader.Remaining);
        return value;
    }

    // Variant mask 0x16 (ExtensionObject), TypeId i=50 as a two-byte NodeId (00 32), encoding 01, then the body length
    // (Int32) and the body: Scale (Int16) and the value's bytes, least significant first, with no length of their own.
    [Theory]
    [InlineData("16 00 32 01 06 00 00 00 03 00 4E 61 BC 00", "12345.678")] // 12345678 = 0x00BC614E, scale 3
    [InlineData("16 00 32 01 03 00 00 00 01 00 F1", "-1.5")]               // -15 in one byte, scale 1
    [InlineData("16 00 32 01 03 00 00 00 FE FF 07", "700")]                // 7, scale -2
    [InlineData("16 00 32 01 03 00 00 00 04 00 05", "0.0005")]             // 5, scale 4
    [InlineData("16 00 32 01 04 00 00 00 00 00 00 80", "-32768")]          // 0x8000 two's complement
    public void Decimal_decodes_scale_and_two_s_complement_value_exactly(string hex, string expected)
    {
        var value = DecodeVariant(hex);
        Assert.Equal(BuiltInType.ExtensionObject, value.Type);
        var structure = Assert.IsType<ExtensionObject>(value.Value);
        var number = Assert.IsType<DecimalValue>(structure.Body);
        Assert.Equal(expected, number.ToString());
        Assert.True(number.TryGetDecimal(out var exact));
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), exact);
    }

    [Fact]
    public void Decimal_beyond_system_decimal_keeps_its_exact_digits()
    {
        // 2^100 + 1 (13 bytes, top byte 0x10 so no sign byte needed), scale 5.
        var unscaled = BigInteger.Pow(2, 100) + 1;
        var body = new byte[] { 0x05, 0x00 }.Concat(unscaled.ToByteArray()).ToArray();
        Assert.Equal(2 + 13, body.Length);
        var value = DecodeVariant("16 00 32 01 " + Convert.ToHexString(BitConverter.GetBytes(body.Length)) + Convert.ToHexString(body));
        var number = Assert.IsType<DecimalValue>(Assert.IsType<ExtensionObject>(value.Value).Body);
        Assert.False(number.TryGetDecimal(out _));
        Assert.Equal("12676506002282294014967032.05377", number.ToString());
    }

    [Fact]
    public void Decimal_with_no_value_bytes_is_invalid_and_stays_an_opaque_structure()
    {
        // Part 6, 5.1.10: a length of 2 or less is an invalid Decimal; it must still reach the caller as data.
        var structure = Assert.IsType<ExtensionObject>(DecodeVariant("16 00 32 01 02 00 00 00 03 00").Value);
        Assert.Null(structure.Body);
        Assert.Equal(Hex("03 00"), structure.RawBody);
        Assert.Equal("i=50", structure.TypeId.ToString());
    }

    [Fact]
    public void Decimal_encodes_as_the_spec_lays_it_out_and_decodes_back()
    {
        var structure = new ExtensionObject(new NodeId(0, DecimalValue.DataTypeId), null, new DecimalValue(3, -12345678));
        var buffer = new ArrayBufferWriter<byte>();
        new UaBinaryWriter(buffer).WriteVariant(Variant.FromObject(BuiltInType.ExtensionObject, structure));
        Assert.Equal(Hex("16 00 32 01 06 00 00 00 03 00 B2 9E 43 FF"), buffer.WrittenSpan.ToArray());
        var reader = new UaBinaryReader(buffer.WrittenSpan);
        var number = Assert.IsType<DecimalValue>(Assert.IsType<ExtensionObject>(reader.ReadVariant().Value).Body);
        Assert.Equal("-12345.678", number.ToString());
    }

    [Fact]
    public void Unknown_structure_with_a_numeric_type_id_keeps_type_encoding_and_raw_body()
    {
        // TypeId ns=2;i=5001 (four-byte NodeId 01 02 89 13), binary body of 4 bytes.
        var structure = Assert.IsType<ExtensionObject>(DecodeVariant("16 01 02 89 13 01 04 00 00 00 01 02 03 FF").Value);
        Assert.Equal("ns=2;i=5001", structure.TypeId.ToString());
        Assert.Null(structure.Body);
        Assert.Equal("binary", structure.EncodingName);
        Assert.Equal(Hex("01 02 03 FF"), structure.BodyBytes());
    }

    [Fact]
    public void Xml_and_empty_bodies_say_so()
    {
        var xml = Assert.IsType<ExtensionObject>(DecodeVariant("16 01 02 89 13 02 03 00 00 00 3C 61 3E").Value);
        Assert.Equal("xml", xml.EncodingName);
        Assert.Equal("<a>"u8.ToArray(), xml.BodyBytes());
        var none = Assert.IsType<ExtensionObject>(DecodeVariant("16 01 02 89 13 00").Value);
        Assert.Equal("none", none.EncodingName);
        Assert.Null(none.BodyBytes());
    }
}
