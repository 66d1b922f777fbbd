using System.Buffers;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Tests.Encoding;

/// <summary>Byte-exact encodings from the examples of OPC 10000-6 (5.1.3, 5.2.2.4, 5.2.2.9).</summary>
public class GoldenVectorTests
{
    private static byte[] Encode(Action<UaBinaryWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(new UaBinaryWriter(buffer));
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    [Fact]
    public void String_example_water_boy() =>
        Assert.Equal(Hex("06 00 00 00 E6 B0 B4 42 6F 79"), Encode(w => w.WriteString("水Boy")));

    [Fact]
    public void Guid_example_uses_little_endian_data1_to_data3() =>
        Assert.Equal(Hex("8A 57 96 C4 FE 0D 8F 4B 87 0A 74 52 38 C6 AE AE"), Encode(w => w.WriteGuid(Guid.Parse("C496578A-0DFE-4B8F-870A-745238C6AEAE"))));

    [Theory]
    [InlineData("i=72", "00 48")]
    [InlineData("ns=5;i=1025", "01 05 01 04")]
    [InlineData("ns=1;s=Hot水", "03 01 00 06 00 00 00 48 6F 74 E6 B0 B4")]
    [InlineData("ns=4;g=09087e75-8e5e-499b-954f-f2a9603db28a", "04 04 00 75 7E 08 09 5E 8E 9B 49 95 4F F2 A9 60 3D B2 8A")]
    [InlineData("ns=300;i=70000", "02 2C 01 70 11 01 00")]
    public void NodeId_examples_use_the_smallest_encoding(string text, string hex)
    {
        var bytes = Encode(w => w.WriteNodeId(NodeId.Parse(text)));
        Assert.Equal(Hex(hex), bytes);
        var reader = new UaBinaryReader(bytes);
        Assert.Equal(NodeId.Parse(text), reader.ReadNodeId());
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void Variant_int32_array_with_dimensions_sets_both_mask_bits()
    {
        var matrix = Variant.FromArray(BuiltInType.Int32, new[] { 1, 2, 3, 4 }, [2, 2]);
        var bytes = Encode(w => w.WriteVariant(matrix));
        Assert.Equal(0xC6, bytes[0]);
        Assert.Equal(Hex("C6 04 00 00 00 01 00 00 00 02 00 00 00 03 00 00 00 04 00 00 00 02 00 00 00 02 00 00 00 02 00 00 00"), bytes);
    }

    [Fact]
    public void DateTime_is_100ns_ticks_since_1601()
    {
        var bytes = Encode(w => w.WriteDateTime(new DateTime(1601, 1, 1, 0, 0, 1, DateTimeKind.Utc)));
        Assert.Equal(BitConverter.GetBytes(10_000_000L), bytes);
    }
}
