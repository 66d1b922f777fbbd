using System.Globalization;
using System.Text;
using System.Text.Json;

using Gateway.Core;

using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Writes;

namespace Gateway.Sinks.InfluxDb.Tests;

/// <summary>
/// Our line-protocol writer against InfluxDB.Client's PointData, which made the lines before it (no server): for
/// thousands of random readings with odd names and values, under random options, both give the same line (or both no
/// line, or both refuse), so series and fields written before and after the change are the same.
/// </summary>
public sealed class LineProtocolWriterTests
{
    // Characters the line protocol escapes or that a careless writer mangles, and some that need no escape.
    private const string OddCharacters = " ,=\"\\\n\r\t_-.#:/'aZ09éü한글\u00a0";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Lines_are_the_same_as_PointData_made_for_random_readings_and_options(int seed)
    {
        var random = new Random(seed);
        var compared = 0;
        var skipped = 0;
        for (var round = 0; round < 40; round++)
        {
            var options = RandomOptions(random);
            var gatewayName = RandomName(random, allowEmpty: false);
            var ours = new PointMapping(options, gatewayName);
            var theirs = new PointDataMapping(options, ours, gatewayName);
            for (var i = 0; i < 100; i++)
            {
                var reading = RandomReading(random);
                var expected = Outcome(() => theirs.Map(reading));
                var actual = Outcome(() => ours.Map(reading, out _)?.Text ?? "");
                Assert.True(expected == actual, $"seed {seed}, round {round}, reading {i}:\n PointData: {Show(expected)}\n ours:      {Show(actual)}");
                compared++;
                skipped += expected.Length == 0 ? 1 : 0;
            }
        }

        // The comparison covered lines, not just readings that produce none.
        Assert.True(compared - skipped > compared / 2, $"{skipped} of {compared} readings gave no line");
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void Health_lines_are_the_same_as_PointData_made(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 500; i++)
        {
            var options = RandomOptions(random);
            options.HealthMeasurement = RandomName(random, allowEmpty: false);
            var gatewayName = RandomName(random, allowEmpty: true);
            var ours = new PointMapping(options, gatewayName);
            var theirs = new PointDataMapping(options, ours, gatewayName);
            var tags = Enumerable.Range(0, random.Next(4)).Select(_ => new KeyValuePair<string, string>(RandomName(random, allowEmpty: true), RandomName(random, allowEmpty: true))).ToList();
            var fields = Enumerable.Range(0, random.Next(1, 6)).Select(_ => new KeyValuePair<string, ReadingValue>(
                RandomName(random, allowEmpty: false, pool: ["written", "dropped", "age_s", "queue", "x"]),
                random.Next(3) switch { 0 => ReadingValue.FromInt64(random.NextInt64()), 1 => ReadingValue.FromDouble(RandomDouble(random)), _ => ReadingValue.FromBoolean(random.Next(2) == 0) })).ToList();
            var point = new HealthPoint(RandomTime(random), tags, fields);

            var expected = Outcome(() => theirs.MapHealth(point));
            var actual = Outcome(() => ours.MapHealth(point).Text);
            Assert.True(expected == actual, $"seed {seed}, point {i}:\n PointData: {Show(expected)}\n ours:      {Show(actual)}");
        }
    }

    [Fact]
    public void Escaping_follows_the_line_protocol_for_each_part()
    {
        var writer = new LineProtocolWriter();
        writer.Start("a b,c=d");
        writer.Tag("k =,", "v =,");
        writer.Field("f =,", "s \"q\" \\ ,=");
        Assert.True(writer.End(5));

        // Measurement: comma and space; tag keys, tag values, field keys: comma, equals, space; string values: quote, backslash.
        Assert.Equal("a\\ b\\,c=d,k\\ \\=\\,=v\\ \\=\\, f\\ \\=\\,=\"s \\\"q\\\" \\\\ ,=\" 5", writer.ToString());
    }

    [Fact]
    public void Tags_are_sorted_by_key_a_later_value_replaces_an_earlier_and_an_empty_value_removes_the_key()
    {
        var writer = new LineProtocolWriter();
        writer.Start("m");
        writer.Tag("z", "1");
        writer.Tag("b", "2");
        writer.Tag("a", "3");
        writer.Tag("b", "4");
        writer.Tag("z", "");
        writer.Field("f", 1L);
        Assert.True(writer.End(7));

        Assert.Equal("m,a=3,b=4 f=1i 7", writer.ToString());
    }

    [Fact]
    public void A_line_whose_only_floats_are_not_finite_has_no_fields_and_so_no_line()
    {
        var writer = new LineProtocolWriter();
        writer.Start("m");
        writer.Field("nan", double.NaN);
        writer.IndexedField("inf", 0, double.PositiveInfinity);

        Assert.False(writer.End(1));
    }

    [Theory]
    [InlineData(0, "")]
    [InlineData(1, "0")]
    [InlineData(3, "0 1 2")]
    [InlineData(12, "0 1 10 11 2 3 4 5 6 7 8 9")]
    [InlineData(21, "0 1 10 11 12 13 14 15 16 17 18 19 2 20 3 4 5 6 7 8 9")]
    public void Array_indexes_come_in_the_order_of_their_field_names(int count, string expected)
    {
        var order = new List<int>();
        for (var i = count > 0 ? 0 : -1; i >= 0; i = LineProtocolWriter.NextIndexInNameOrder(i, count))
        {
            order.Add(i);
        }

        Assert.Equal(expected, string.Join(' ', order));
    }

    [Fact]
    public void Array_index_order_is_the_ordinal_order_of_the_names_for_every_length_up_to_1200()
    {
        for (var count = 1; count <= 1200; count++)
        {
            var order = new List<int>();
            for (var i = 0; i >= 0; i = LineProtocolWriter.NextIndexInNameOrder(i, count))
            {
                order.Add(i);
            }

            var names = Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal).Select(int.Parse);
            Assert.Equal(names, order);
        }
    }

    private static string Outcome(Func<string> map)
    {
        try
        {
            return map();
        }
        catch (ArgumentException)
        {
            // Both refuse an empty measurement or field name.
            return "<refused>";
        }
    }

    private static string Show(string line) => line.Replace("\n", "⏎", StringComparison.Ordinal).Replace("\r", "␍", StringComparison.Ordinal).Replace("\t", "⇥", StringComparison.Ordinal);

    private static InfluxDbSinkOptions RandomOptions(Random random)
    {
        var tagKeys = new[] { "machine", "source", "gateway", "quality", "site", "line", "", "a b", "x=y", "z,1" };
        return new InfluxDbSinkOptions
        {
            Url = "http://127.0.0.1:1",
            Bucket = "b",
            Measurement = random.Next(4) == 0 ? RandomName(random, allowEmpty: true) : null,
            LabelsAsTags = random.Next(4) != 0,
            IntegersAsFloat = random.Next(4) == 0,
            Precision = (InfluxPrecision)random.Next(4),
            MachineTag = tagKeys[random.Next(tagKeys.Length)],
            SourceTag = random.Next(2) == 0 ? "" : tagKeys[random.Next(tagKeys.Length)],
            GatewayTag = tagKeys[random.Next(tagKeys.Length)],
            QualityTag = tagKeys[random.Next(tagKeys.Length)],
        };
    }

    private static Reading RandomReading(Random random)
    {
        var labelCount = random.Next(5);
        var labels = LabelSet.From(Enumerable.Range(0, labelCount).Select(_ => new KeyValuePair<string, string>(
            RandomName(random, allowEmpty: true, pool: ["machine", "site", "line", "source", "a"]),
            RandomName(random, allowEmpty: true))));
        var quality = (Quality)random.Next(3);
        return new Reading
        {
            Source = RandomName(random, allowEmpty: random.Next(20) == 0),
            Machine = RandomName(random, allowEmpty: true),
            Tag = RandomName(random, allowEmpty: random.Next(50) == 0),
            Measurement = random.Next(3) == 0 ? null : RandomName(random, allowEmpty: random.Next(20) == 0),
            Value = RandomValue(random),
            Quality = quality,
            Timestamp = random.Next(10) == 0 ? default : RandomTime(random),
            GatewayTimestamp = RandomTime(random),
            Labels = labels,
        };
    }

    private static ReadingValue RandomValue(Random random) => random.Next(11) switch
    {
        0 => ReadingValue.FromDouble(RandomDouble(random)),
        1 => ReadingValue.FromInt64(RandomInteger(random)),
        2 => ReadingValue.FromBoolean(random.Next(2) == 0),
        3 => ReadingValue.FromString(RandomText(random, random.Next(12))),
        4 => ReadingValue.FromJson(JsonSerializer.Serialize(new { name = RandomText(random, 6), no = random.Next(), list = new[] { random.NextDouble() * 1e6 } })),
        5 => ReadingValue.FromArray(Enumerable.Range(0, random.Next(25)).Select(_ => RandomDouble(random)).ToArray()),
        6 => ReadingValue.FromArray(Enumerable.Range(0, random.Next(25)).Select(_ => RandomInteger(random)).ToArray()),
        7 => ReadingValue.FromArray(Enumerable.Range(0, random.Next(15)).Select(_ => random.Next(2) == 0).ToArray()),
        8 => ReadingValue.FromArray(Enumerable.Range(0, random.Next(15)).Select(_ => RandomText(random, random.Next(6))).ToArray()),
        9 => ReadingValue.Null,
        _ => ReadingValue.FromDouble(random.NextDouble() * 1000),
    };

    private static double RandomDouble(Random random) => random.Next(16) switch
    {
        0 => double.NaN,
        1 => double.PositiveInfinity,
        2 => double.NegativeInfinity,
        3 => -0.0,
        4 => double.Epsilon,
        5 => double.MaxValue,
        6 => double.MinValue,
        7 => 0.1,
        8 => 1e21,
        9 => 1e-7,
        10 => random.Next(-1000, 1000),
        11 => BitConverter.Int64BitsToDouble(random.NextInt64()),
        12 => (float)random.NextDouble(),
        _ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-20, 20)),
    };

    private static long RandomInteger(Random random) => random.Next(5) switch
    {
        0 => long.MinValue,
        1 => long.MaxValue,
        2 => 0,
        3 => random.Next(-100, 100),
        _ => random.NextInt64(long.MinValue, long.MaxValue),
    };

    private static DateTime RandomTime(Random random) =>
        new(random.NextInt64(DateTime.UnixEpoch.Ticks, new DateTime(2200, 1, 1).Ticks), random.Next(2) == 0 ? DateTimeKind.Utc : DateTimeKind.Unspecified);

    private static string RandomName(Random random, bool allowEmpty, string[]? pool = null)
    {
        if (allowEmpty && random.Next(8) == 0)
        {
            return "";
        }

        if (pool is not null && random.Next(2) == 0)
        {
            return pool[random.Next(pool.Length)];
        }

        return RandomText(random, random.Next(1, 10));
    }

    private static string RandomText(Random random, int length)
    {
        var text = new StringBuilder(length + 2);
        for (var i = 0; i < length; i++)
        {
            if (random.Next(12) == 0)
            {
                text.Append("\U0001F527"); // a surrogate pair
                continue;
            }

            text.Append(OddCharacters[random.Next(OddCharacters.Length)]);
        }

        return text.ToString();
    }

    /// <summary>The mapping as it was before our writer: InfluxDB.Client's PointData builder, the same tag and field rules.</summary>
    private sealed class PointDataMapping(InfluxDbSinkOptions options, PointMapping ours, string gatewayName)
    {
        public string Map(Reading reading)
        {
            if (reading.Quality != Quality.Good && options.BadQuality == BadQualityHandling.Drop || reading.Value.IsNull)
            {
                return "";
            }

            var measurement = string.IsNullOrEmpty(options.Measurement) ? reading.Measurement ?? reading.Source : options.Measurement;
            var builder = PointData.Builder.Measurement(measurement);
            if (options.LabelsAsTags)
            {
                foreach (var label in reading.Labels.Pairs)
                {
                    builder.Tag(label.Key, label.Value);
                }
            }

            AddTag(builder, options.SourceTag, reading.Source);
            AddTag(builder, options.MachineTag, reading.Machine);
            AddTag(builder, options.GatewayTag, gatewayName);
            if (reading.Quality != Quality.Good)
            {
                AddTag(builder, options.QualityTag, reading.Quality == Quality.Bad ? "bad" : "uncertain");
            }

            AddFields(builder, reading.Tag, reading.Value);
            return builder.Timestamp(ours.Timestamp(reading), ours.Precision).ToPointData().ToLineProtocol();
        }

        public string MapHealth(HealthPoint point)
        {
            var builder = PointData.Builder.Measurement(options.HealthMeasurement);
            foreach (var (key, value) in point.Tags)
            {
                builder.Tag(key, value);
            }

            AddTag(builder, options.GatewayTag, gatewayName);
            foreach (var (field, value) in point.Fields)
            {
                _ = value.Kind switch
                {
                    ValueKind.Int64 => builder.Field(field, value.AsInt64()),
                    ValueKind.Double => builder.Field(field, value.AsDouble()),
                    ValueKind.Boolean => builder.Field(field, value.AsBoolean()),
                    _ => builder.Field(field, value.ToString()),
                };
            }

            var reading = new Reading { Source = "", Machine = "", Tag = "", Timestamp = point.Timestamp, GatewayTimestamp = point.Timestamp };
            return builder.Timestamp(ours.Timestamp(reading), ours.Precision).ToPointData().ToLineProtocol();
        }

        private static void AddTag(PointData.Builder builder, string key, string value)
        {
            if (!string.IsNullOrEmpty(key))
            {
                builder.Tag(key, value);
            }
        }

        private void AddFields(PointData.Builder builder, string field, ReadingValue value)
        {
            switch (value.Kind)
            {
                case ValueKind.Double:
                    builder.Field(field, value.AsDouble());
                    break;
                case ValueKind.Int64:
                    AddInteger(builder, field, value.AsInt64());
                    break;
                case ValueKind.Boolean:
                    builder.Field(field, value.AsBoolean());
                    break;
                case ValueKind.String:
                    builder.Field(field, value.AsString());
                    break;
                case ValueKind.Json:
                    builder.Field(field, value.AsJson());
                    break;
                case ValueKind.DoubleArray:
                    var doubles = value.AsDoubleArray();
                    for (var i = 0; i < doubles.Length; i++)
                    {
                        builder.Field(field + "_" + i.ToString(CultureInfo.InvariantCulture), doubles[i]);
                    }

                    break;
                case ValueKind.Int64Array:
                    var integers = value.AsInt64Array();
                    for (var i = 0; i < integers.Length; i++)
                    {
                        AddInteger(builder, field + "_" + i.ToString(CultureInfo.InvariantCulture), integers[i]);
                    }

                    break;
                case ValueKind.BooleanArray:
                    var booleans = value.AsBooleanArray();
                    for (var i = 0; i < booleans.Length; i++)
                    {
                        builder.Field(field + "_" + i.ToString(CultureInfo.InvariantCulture), booleans[i]);
                    }

                    break;
                case ValueKind.StringArray:
                    var strings = value.AsStringArray();
                    for (var i = 0; i < strings.Length; i++)
                    {
                        builder.Field(field + "_" + i.ToString(CultureInfo.InvariantCulture), strings[i]);
                    }

                    break;
            }
        }

        private void AddInteger(PointData.Builder builder, string field, long value)
        {
            if (options.IntegersAsFloat)
            {
                builder.Field(field, (double)value);
            }
            else
            {
                builder.Field(field, value);
            }
        }
    }
}
