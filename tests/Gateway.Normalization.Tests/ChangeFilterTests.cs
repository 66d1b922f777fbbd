using Gateway.Configuration.Model;
using Gateway.Core;

using static Gateway.Normalization.Tests.PipelineFixture;

namespace Gateway.Normalization.Tests;

public class DeadbandTests
{
    [Fact]
    public void Absolute_deadband_drops_changes_within_the_band_of_the_last_value_passed()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { DeadbandAbsolute = 1.0 });

        // 10.9 is within 1 of 10 (dropped), 11.5 is not; the baseline is the last value passed (11.5), not the last seen.
        Assert.Equal("10 x 11.5 x x 12.6 9", fixture.WriteAll(10, 10.9, 11.5, 12.5, 10.6, 12.6, 9));
        Assert.Equal(3, fixture.Pipeline.GetStatistics().DroppedDeadbandAbsolute);
    }

    [Fact]
    public void Absolute_deadband_works_for_repeated_polled_values()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { DeadbandAbsolute = 0.5 });

        Assert.Equal("3 x x x 4", fixture.WriteAll(3, 3, 3, 3, 4));
    }

    [Fact]
    public void Percent_deadband_is_relative_to_the_last_value_passed()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { DeadbandPercent = 10 });

        // 10% of 100 is 10: 109 dropped, 111 passes; then 10% of 111 is 11.1: 121 dropped, 123 passes.
        Assert.Equal("100 x 111 x 123", fixture.WriteAll(100, 109, 111, 121, 123));
        Assert.Equal(2, fixture.Pipeline.GetStatistics().DroppedDeadbandPercent);
    }

    [Fact]
    public void Percent_deadband_from_zero_passes_any_change()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { DeadbandPercent = 50 });

        Assert.Equal("0 x 0.001", fixture.WriteAll(0, 0, 0.001));
    }

    [Fact]
    public void NaN_and_infinity_pass_when_they_change_and_not_when_they_repeat()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { DeadbandAbsolute = 5 });

        Assert.Equal("1 NaN x 2 ∞", fixture.WriteAll(1, double.NaN, double.NaN, 2, double.PositiveInfinity).Replace("Infinity", "∞", StringComparison.Ordinal));
    }

    [Fact]
    public void Arrays_pass_when_any_element_leaves_the_band_or_the_length_changes()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { DeadbandAbsolute = 1 });
        Reading? Write(params double[] values) => fixture.Write(Reading(ReadingValue.FromArray(values)));

        Assert.NotNull(Write(1, 2, 3));
        Assert.Null(Write(1.5, 2.5, 3.5));
        Assert.NotNull(Write(1, 2, 4.5));
        Assert.NotNull(Write(1, 2));
    }

    [Fact]
    public void Text_values_under_a_deadband_pass_only_when_they_change()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { DeadbandAbsolute = 1 });

        Assert.NotNull(fixture.Write(Reading(ReadingValue.FromString("AUTO"))));
        Assert.Null(fixture.Write(Reading(ReadingValue.FromString("AUTO"))));
        Assert.NotNull(fixture.Write(Reading(ReadingValue.FromString("MDI"))));
    }

    [Fact]
    public void Zero_turns_a_deadband_off()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { DeadbandAbsolute = 0, DeadbandPercent = 0 });

        Assert.Equal("1 1 1", fixture.WriteAll(1, 1, 1));
    }

    [Fact]
    public void Both_deadbands_must_be_exceeded_when_both_are_set()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { DeadbandAbsolute = 5, DeadbandPercent = 1 });

        // 1000 → 1007: beyond 5 but within 1% (10): dropped by the percent band. 1011 passes both.
        Assert.Equal("1000 x 1011", fixture.WriteAll(1000, 1007, 1011));
    }
}

public class OnlyOnChangeTests
{
    [Fact]
    public void Drops_a_value_equal_to_the_last_one_passed()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { OnlyOnChange = true });

        Assert.Equal("1 x 2 x 1", fixture.WriteAll(1, 1, 2, 2, 1));
        Assert.Equal(2, fixture.Pipeline.GetStatistics().DroppedOnlyOnChange);
    }

    [Fact]
    public void A_change_of_kind_is_a_change()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { OnlyOnChange = true });

        Assert.NotNull(fixture.Write(Reading(ReadingValue.FromInt64(1))));
        Assert.NotNull(fixture.Write(Reading(ReadingValue.FromDouble(1))));
    }

    [Fact]
    public void False_is_the_default_and_passes_repeats()
    {
        Assert.Equal("1 1", new PipelineFixture(new NormalizeConfig { OnlyOnChange = false }).WriteAll(1, 1));
    }

    [Fact]
    public void A_change_of_status_always_passes_and_repeated_bad_readings_do_not()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { OnlyOnChange = true });

        Assert.NotNull(fixture.Write(5.0));
        Assert.NotNull(fixture.Write(Reading(ReadingValue.Null, StatusCodes.BadNoCommunication)));
        Assert.Null(fixture.Write(Reading(ReadingValue.Null, StatusCodes.BadNoCommunication)));
        Assert.NotNull(fixture.Write(Reading(ReadingValue.Null, StatusCodes.BadCommunicationError)));
        Assert.NotNull(fixture.Write(5.0));
        Assert.Null(fixture.Write(5.0));
    }
}
