using Gateway.Configuration.Model;
using Gateway.Core;

using static Gateway.Normalization.Tests.PipelineFixture;

namespace Gateway.Normalization.Tests;

/// <summary>
/// A reading the steps leave as it is passes on as the same instance (no copy per reading); any change, down to a
/// timestamp's kind, makes a copy with the change and leaves the connector's reading untouched.
/// </summary>
public class UnchangedReadingTests
{
    private static readonly LabelSet Labels = LabelSet.From([new("site", "changwon")]);

    /// <summary>A reading as a connector stamps it completely: nothing for the default rules to fill in.</summary>
    private static Reading Stamped(ReadingValue value) => Reading(value) with
    {
        Measurement = "cnc1",
        Labels = Labels,
        Timestamp = T0,
        GatewayTimestamp = T0.AddMilliseconds(20),
    };

    private static PipelineFixture Fixture(NormalizeConfig rules) => new(Tag("cnc1", "M1", "speed", rules, Labels));

    [Fact]
    public void A_completely_stamped_reading_without_value_rules_passes_as_the_same_instance()
    {
        var fixture = Fixture(new NormalizeConfig());
        var reading = Stamped(ReadingValue.FromDouble(2.5));

        var result = fixture.Write(reading);

        Assert.Same(reading, result);
    }

    [Fact]
    public void A_scaled_value_is_a_copy_with_the_new_value()
    {
        var fixture = Fixture(new NormalizeConfig { Scale = 2 });
        var reading = Stamped(ReadingValue.FromDouble(2.5));

        var result = fixture.Write(reading);

        Assert.NotSame(reading, result);
        Assert.Equal(5.0, result!.Value.AsDouble());
        Assert.Equal(2.5, reading.Value.AsDouble());
        Assert.Equal(reading.Timestamp, result.Timestamp);
        Assert.Equal(reading.GatewayTimestamp, result.GatewayTimestamp);
    }

    [Fact]
    public void A_timestamp_that_differs_only_in_its_kind_is_a_change()
    {
        var fixture = Fixture(new NormalizeConfig());
        // DateTime's == ignores the kind; the buffer stores it, so the chosen (source) timestamp's Utc kind must win.
        var reading = Stamped(ReadingValue.FromDouble(1)) with { Timestamp = DateTime.SpecifyKind(T0, DateTimeKind.Unspecified) };

        var result = fixture.Write(reading);

        Assert.NotSame(reading, result);
        Assert.Equal(DateTimeKind.Utc, result!.Timestamp.Kind);
        Assert.Equal(DateTimeKind.Unspecified, reading.Timestamp.Kind);
    }

    [Fact]
    public void A_reading_without_a_gateway_timestamp_gets_the_pipelines_clock_in_a_copy()
    {
        var fixture = Fixture(new NormalizeConfig());
        var reading = Stamped(ReadingValue.FromInt64(7)) with { GatewayTimestamp = default };

        var result = fixture.Write(reading);

        Assert.NotSame(reading, result);
        Assert.Equal(fixture.Clock.Now.UtcDateTime, result!.GatewayTimestamp);
        Assert.Equal(default, reading.GatewayTimestamp);
    }

    [Fact]
    public void A_unit_the_rules_clear_is_a_change()
    {
        var fixture = Fixture(new NormalizeConfig());
        var reading = Stamped(ReadingValue.FromDouble(1)) with { Unit = "mm" };

        var result = fixture.Write(reading);

        Assert.NotSame(reading, result);
        Assert.Null(result!.Unit);
        Assert.Equal("mm", reading.Unit);
    }

    [Fact]
    public void An_equal_string_value_made_anew_by_a_step_is_passed_as_the_steps_value()
    {
        var fixture = Fixture(new NormalizeConfig { Enum = new Dictionary<string, string> { ["1"] = "running" } });
        var reading = Stamped(ReadingValue.FromInt64(1));

        var result = fixture.Write(reading);

        Assert.NotSame(reading, result);
        Assert.Equal("running", result!.Value.AsString());
        Assert.Equal(1, reading.Value.AsInt64());
    }
}
