using Gateway.Buffer.Storage;
using Gateway.Core;

namespace Gateway.Buffer.Tests;

public sealed class ReadingCodecTests
{
    private static Reading RoundTrip(Reading reading, long sequence, out int bytes)
    {
        var encoder = new ReadingEncoder();
        var output = new ByteBuffer();
        encoder.Encode(reading, sequence, output);
        var definitionBytes = output.Length;
        encoder.Encode(reading, sequence, output); // second time: the series is interned, only the reading is written
        bytes = output.Length - definitionBytes;

        var decoder = new ReadingDecoder();
        Reading? decoded = null;
        var data = output.Written;
        while (!data.IsEmpty)
        {
            Assert.Equal(FrameCheck.Valid, RecordFrame.Check(data, out var length));
            decoded = decoder.Apply(data.Slice(RecordFrame.HeaderSize, length)) ?? decoded;
            data = data[(RecordFrame.HeaderSize + length)..];
        }

        return decoded!;
    }

    private static List<Reading> EncodeAndDecode(IEnumerable<Reading> readings)
    {
        var encoder = new ReadingEncoder();
        var output = new ByteBuffer();
        var sequence = 1;
        foreach (var reading in readings)
        {
            encoder.Encode(reading, sequence++, output);
        }

        var decoder = new ReadingDecoder();
        var decoded = new List<Reading>();
        var data = output.Written;
        while (!data.IsEmpty)
        {
            Assert.Equal(FrameCheck.Valid, RecordFrame.Check(data, out var length));
            if (decoder.Apply(data.Slice(RecordFrame.HeaderSize, length)) is { } reading)
            {
                decoded.Add(reading);
            }

            data = data[(RecordFrame.HeaderSize + length)..];
        }

        return decoded;
    }

    [Fact]
    public void Series_of_one_machine_decode_sharing_its_strings_and_label_set_and_other_labels_stay_apart()
    {
        var otherLabels = LabelSet.From([new("site", "busan"), new("line", "L2")]);
        var written = new[]
        {
            TestReadings.Make(1, "a"),
            TestReadings.Make(2, "b"),
            TestReadings.Make(3, "c", machine: "cnc-02"),
            TestReadings.Make(4, "d", machine: "cnc-02") with { Labels = otherLabels },
            TestReadings.Make(5, "e", machine: "cnc-02") with { Labels = LabelSet.Empty, Measurement = null },
        };

        var decoded = EncodeAndDecode(written);

        Assert.Equal(written.Select((r, i) => r with { Sequence = i + 1 }), decoded);
        Assert.Same(decoded[0].Labels, decoded[1].Labels);
        Assert.Same(decoded[0].Machine, decoded[1].Machine);
        Assert.Same(decoded[0].Source, decoded[2].Source);
        Assert.Same(decoded[1].Labels, decoded[2].Labels);
        Assert.Equal("busan", decoded[3].Labels["site"]);
        Assert.Equal("changwon", decoded[2].Labels["site"]);
        Assert.Equal(0, decoded[4].Labels.Count);
        Assert.Null(decoded[4].Measurement);
    }

    [Fact]
    public void EveryFieldSurvivesTheRoundTrip()
    {
        var reading = TestReadings.Make(42) with
        {
            Value = ReadingValue.FromDouble(1234.5678),
            StatusCode = 0x40920000,
            Quality = Quality.Uncertain,
            DataGap = true,
            ServerTimestamp = default,
            GatewayTimestamp = new DateTime(2025, 3, 1, 17, 0, 0, DateTimeKind.Local),
            Measurement = null,
        };

        var decoded = RoundTrip(reading, 987_654_321, out _);

        Assert.Equal(reading with { Sequence = 987_654_321 }, decoded);
        Assert.Equal(DateTimeKind.Local, decoded.GatewayTimestamp.Kind);
        Assert.Equal("L2", decoded.Labels["line"]);
    }

    [Fact]
    public void The_backfilled_flag_survives_the_round_trip_beside_the_data_gap_and_quality_bits()
    {
        foreach (var (gap, backfilled, quality) in new[] { (false, true, Quality.Good), (true, true, Quality.Bad), (true, false, Quality.Uncertain), (false, false, Quality.Good) })
        {
            var reading = TestReadings.Make(3) with { DataGap = gap, Backfilled = backfilled, Quality = quality };
            var decoded = RoundTrip(reading, 5, out _);
            Assert.Equal((gap, backfilled, quality), (decoded.DataGap, decoded.Backfilled, decoded.Quality));
        }
    }

    public static TheoryData<string, ReadingValue> Values => new()
    {
        { "null", ReadingValue.Null },
        { "negative integer", ReadingValue.FromInt64(long.MinValue) },
        { "boolean", ReadingValue.FromBoolean(true) },
        { "string", ReadingValue.FromString("RUNNING – 가공 중") },
        { "NaN", ReadingValue.FromDouble(double.NaN) },
        { "double array", ReadingValue.FromArray([1.5, -2.25, double.PositiveInfinity]) },
        { "integer array", ReadingValue.FromArray([1L, -300L, long.MaxValue]) },
        { "boolean array", ReadingValue.FromArray([true, false, true]) },
        { "string array", ReadingValue.FromArray(["a", "", "한국"]) },
        { "json object", ReadingValue.FromJson("""{"tool":{"no":7,"name":"드릴"},"wear":[0.5,1]}""") },
        { "json array", ReadingValue.FromJson("[{\"a\":1},{\"a\":2}]") },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void EveryValueKindSurvivesTheRoundTrip(string what, ReadingValue value)
    {
        var reading = TestReadings.Make(7) with { Value = value };

        var decoded = RoundTrip(reading, 1, out _);

        Assert.True(value.Equals(decoded.Value) || (value.Kind == ValueKind.Double && double.IsNaN(decoded.Value.AsDouble())), what);
        Assert.Equal(value.Kind, decoded.Value.Kind);
    }

    [Fact]
    public void ATypicalReadingTakesFarLessThanOneHundredBytes()
    {
        RoundTrip(TestReadings.Make(5) with { Value = ReadingValue.FromDouble(17.25) }, 123_456_789, out var bytes);

        Assert.InRange(bytes, 30, 64);
    }

    [Fact]
    public void ARecordWithOneFlippedBitFailsItsChecksum()
    {
        var output = new ByteBuffer();
        new ReadingEncoder().Encode(TestReadings.Make(1), 1, output);
        var bytes = output.Written.ToArray();
        bytes[20] ^= 0x10; // inside the first record (the series definition)

        Assert.Equal(FrameCheck.Damaged, RecordFrame.Check(bytes, out _));
    }
}
