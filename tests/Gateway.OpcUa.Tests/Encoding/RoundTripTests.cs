using System.Buffers;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Tests.Encoding;

public class RoundTripTests
{
    private static Variant RoundTrip(Variant value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        value.Encode(new UaBinaryWriter(buffer));
        var reader = new UaBinaryReader(buffer.WrittenSpan);
        var decoded = reader.ReadVariant();
        Assert.Equal(0, reader.Remaining);
        return decoded;
    }

    public static TheoryData<Variant> Scalars() => new()
    {
        Variant.From(true),
        Variant.From(sbyte.MinValue),
        Variant.From(byte.MaxValue),
        Variant.From(short.MinValue),
        Variant.From(ushort.MaxValue),
        Variant.From(int.MinValue),
        Variant.From(uint.MaxValue),
        Variant.From(long.MinValue),
        Variant.From(ulong.MaxValue),
        Variant.From(float.Epsilon),
        Variant.From(double.MaxValue),
        Variant.From("한글 ✓"),
        Variant.From(new DateTime(2026, 11, 25, 3, 0, 0, 123, DateTimeKind.Utc)),
        Variant.From(new StatusCode(StatusCodes.BadNodeIdUnknown)),
        Variant.FromObject(BuiltInType.Guid, Guid.NewGuid()),
        Variant.FromObject(BuiltInType.NodeId, new NodeId(7, "x")),
        Variant.FromObject(BuiltInType.LocalizedText, new LocalizedText("t", "ko")),
        Variant.FromObject(BuiltInType.QualifiedName, new QualifiedName(3, "q")),
    };

    [Theory]
    [MemberData(nameof(Scalars))]
    public void Scalars_round_trip(Variant value)
    {
        var decoded = RoundTrip(value);
        Assert.Equal(value.Type, decoded.Type);
        Assert.Equal(value.Value, decoded.Value);
    }

    [Fact]
    public void Arrays_nested_variants_and_data_values_round_trip()
    {
        var nested = Variant.FromArray(BuiltInType.Variant, new[] { Variant.From(1.5), Variant.From("a"), Variant.FromArray(BuiltInType.Boolean, new[] { true, false }) });
        var decoded = RoundTrip(nested);
        var items = (Variant[])decoded.Value!;
        Assert.Equal(1.5, items[0].Value);
        Assert.Equal("a", items[1].Value);
        Assert.Equal(new[] { true, false }, (bool[])items[2].Value!);

        var value = new DataValue(Variant.From(2.5), new StatusCode(0x40000000), new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 1, 1, 0, 0, 1, DateTimeKind.Utc), 5, 7);
        var buffer = new ArrayBufferWriter<byte>();
        value.Encode(new UaBinaryWriter(buffer));
        var reader = new UaBinaryReader(buffer.WrittenSpan);
        Assert.Equal(value, reader.ReadDataValue());
    }

    [Fact]
    public void Decoding_a_double_data_value_allocates_nothing()
    {
        var buffer = new ArrayBufferWriter<byte>();
        new DataValue(Variant.From(1.25), default, DateTime.UtcNow, DateTime.UtcNow).Encode(new UaBinaryWriter(buffer));
        var bytes = buffer.WrittenSpan.ToArray();
        static double Decode(byte[] data)
        {
            var reader = new UaBinaryReader(data);
            var value = reader.ReadDataValue();
            value.Value.TryGetDouble(out var d);
            return d;
        }

        Decode(bytes); // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        var sum = 0.0;
        for (var i = 0; i < 1000; i++)
        {
            sum += Decode(bytes);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1250.0, sum);
        Assert.Equal(0, allocated);
    }
}
