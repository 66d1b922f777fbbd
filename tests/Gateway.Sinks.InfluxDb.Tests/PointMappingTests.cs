using Gateway.Core;

using static Gateway.Sinks.InfluxDb.Tests.TestSupport;

namespace Gateway.Sinks.InfluxDb.Tests;

/// <summary>The reading → line protocol mapping (no server).</summary>
public sealed class PointMappingTests
{
    private static readonly DateTime Time = new(2026, 3, 1, 8, 30, 15, 123, DateTimeKind.Utc);

    private static PointMapping Mapping(Action<InfluxDbSinkOptions>? configure = null)
    {
        var options = new InfluxDbSinkOptions { Url = "http://127.0.0.1:1", Bucket = "b" };
        configure?.Invoke(options);
        return new PointMapping(options, "gw1");
    }

    [Fact]
    public void Double_reading_becomes_one_line_with_labels_machine_and_gateway_as_tags_and_ms_time()
    {
        var line = Mapping().Map(Reading("spindle_speed", ReadingValue.FromDouble(1200.5), Time), out var skipped)!;

        Assert.Equal(SkipReason.None, skipped);
        var ms = new DateTimeOffset(Time).ToUnixTimeMilliseconds();
        Assert.Equal($"cnc,gateway=gw1,line=L2,machine=cnc1,site=changwon spindle_speed=1200.5 {ms}", line.Text);
        Assert.Equal(InfluxFieldType.Float, line.Type);
    }

    [Fact]
    public void Value_kinds_map_to_float_integer_boolean_and_string_fields()
    {
        var mapping = Mapping();
        Assert.EndsWith(" count=42i " + Ms(Time), mapping.Map(Reading("count", ReadingValue.FromInt64(42), Time), out _)!.Text);
        Assert.EndsWith(" running=true " + Ms(Time), mapping.Map(Reading("running", ReadingValue.FromBoolean(true), Time), out _)!.Text);
        Assert.EndsWith(" program=\"O1000 \\\"main\\\"\" " + Ms(Time), mapping.Map(Reading("program", ReadingValue.FromString("O1000 \"main\""), Time), out _)!.Text);
        var asFloat = Mapping(o => o.IntegersAsFloat = true).Map(Reading("count", ReadingValue.FromInt64(42), Time), out _)!;
        Assert.EndsWith(" count=42 " + Ms(Time), asFloat.Text);
        Assert.Equal(InfluxFieldType.Float, asFloat.Type);
    }

    [Fact]
    public void A_json_value_becomes_one_string_field_holding_the_json()
    {
        var line = Mapping().Map(Reading("tool", ReadingValue.FromJson("""{"no":7,"name":"T7"}"""), Time), out _)!;

        Assert.EndsWith(" tool=\"{\\\"no\\\":7,\\\"name\\\":\\\"T7\\\"}\" " + Ms(Time), line.Text);
        Assert.Equal(InfluxFieldType.String, line.Type);
    }

    [Fact]
    public void Arrays_become_indexed_fields()
    {
        var line = Mapping().Map(Reading("axis", ReadingValue.FromArray([1.5, 2.5, 3.5]), Time), out _)!;

        Assert.Contains(" axis_0=1.5,axis_1=2.5,axis_2=3.5 ", line.Text);
        Assert.True(line.Writes("axis_2", InfluxFieldType.Float));
        Assert.False(line.Writes("axis_3", InfluxFieldType.Float));
        Assert.False(line.Writes("axis_1", InfluxFieldType.Integer));
    }

    [Fact]
    public void Not_good_readings_get_a_quality_tag_or_are_dropped()
    {
        var uncertain = Mapping().Map(Reading("t", ReadingValue.FromDouble(1), Time, quality: Quality.Uncertain), out _)!;
        var bad = Mapping().Map(Reading("t", ReadingValue.FromDouble(1), Time, quality: Quality.Bad), out _)!;
        var good = Mapping().Map(Reading("t", ReadingValue.FromDouble(1), Time), out _)!;

        Assert.Contains(",quality=uncertain", uncertain.Text);
        Assert.Contains(",quality=bad", bad.Text);
        Assert.DoesNotContain("quality", good.Text);

        var dropped = Mapping(o => o.BadQuality = BadQualityHandling.Drop).Map(Reading("t", ReadingValue.FromDouble(1), Time, quality: Quality.Bad), out var reason);
        Assert.Null(dropped);
        Assert.Equal(SkipReason.BadQualityDropped, reason);
    }

    [Fact]
    public void Null_and_not_finite_values_produce_no_line()
    {
        Assert.Null(Mapping().Map(Reading("t", ReadingValue.Null, Time), out var nullReason));
        Assert.Equal(SkipReason.NullValue, nullReason);
        Assert.Null(Mapping().Map(Reading("t", ReadingValue.FromDouble(double.NaN), Time), out var nanReason));
        Assert.Equal(SkipReason.NotFinite, nanReason);
    }

    [Theory]
    [InlineData(InfluxPrecision.S, 1772353815L)]
    [InlineData(InfluxPrecision.Ms, 1772353815123L)]
    [InlineData(InfluxPrecision.Us, 1772353815123456L)]
    [InlineData(InfluxPrecision.Ns, 1772353815123456700L)]
    public void Timestamp_is_truncated_to_the_configured_precision(InfluxPrecision precision, long expected)
    {
        var time = new DateTime(2026, 3, 1, 8, 30, 15, DateTimeKind.Utc).AddTicks(1_234_567);
        var line = Mapping(o => o.Precision = precision).Map(Reading("t", ReadingValue.FromDouble(1), time), out _)!;

        Assert.EndsWith(" " + expected, line.Text);
    }

    [Fact]
    public void Measurement_override_tag_keys_and_escaping_follow_the_options()
    {
        var mapping = Mapping(o =>
        {
            o.Measurement = "plant data";
            o.GatewayTag = "";
            o.SourceTag = "source";
            o.LabelsAsTags = false;
        });
        var line = mapping.Map(Reading("t", ReadingValue.FromDouble(1), Time, machine: "cnc 1,a"), out _)!;

        Assert.StartsWith("plant\\ data,machine=cnc\\ 1\\,a,source=plc1 t=1 ", line.Text);
        Assert.Equal("plant data", line.Measurement);
    }

    private static string Ms(DateTime time) => new DateTimeOffset(time).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
}
