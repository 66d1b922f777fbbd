using Gateway.Configuration.Model;
using Gateway.Core;

using static Gateway.Normalization.Tests.PipelineFixture;

using ValueType = Gateway.Configuration.Model.ValueType;

namespace Gateway.Normalization.Tests;

public class CombinationTests
{
    [Fact]
    public void Steps_run_in_the_documented_order()
    {
        var fixture = new PipelineFixture(new NormalizeConfig
        {
            Bad = QualityPolicy.HoldLastGood,
            Type = ValueType.Integer,
            Scale = 2,
            Enum = new() { ["4"] = "FOUR" },
            Unit = "state",
            DeadbandAbsolute = 1,
            DeadbandPercent = 1,
            OnlyOnChange = true,
            MaxClockSkewMs = 1000,
        });

        Assert.Equal(
            ["QualityPolicyStep", "TimestampStep", "TypeCoercionStep", "LinearScaleStep", "EnumMappingStep", "EngineeringUnitStep", "AbsoluteDeadbandStep", "PercentDeadbandStep", "OnlyOnChangeStep"],
            fixture.Pipeline.DescribeSteps(new("cnc1", "M1", "speed")));
    }

    [Fact]
    public void Deadband_applies_to_the_scaled_value()
    {
        // Raw counts 0.1 rpm each; deadband 5 rpm: raw 1000 → 1040 is only 4 rpm (dropped); 1060 is 6 rpm.
        var fixture = new PipelineFixture(new NormalizeConfig { Scale = 0.1, DeadbandAbsolute = 5 });

        Assert.Equal("100 x 106", fixture.WriteAll(1000, 1040, 1060));
    }

    [Fact]
    public void Enum_applies_after_coercion()
    {
        // The PLC sends the state as text, or as a double; type: integer makes both a number the map knows.
        var fixture = new PipelineFixture(new NormalizeConfig
        {
            Type = ValueType.Integer,
            Enum = new() { ["1"] = "RUNNING", ["2"] = "ALARM" },
        });

        Assert.Equal("RUNNING", fixture.Write(Reading(ReadingValue.FromString("1")))!.Value.AsString());
        Assert.Equal("ALARM", fixture.Write(Reading(ReadingValue.FromDouble(1.9999999)))!.Value.AsString());
    }

    [Fact]
    public void Enum_then_only_on_change_compares_the_names()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Enum = new() { ["1"] = "RUNNING", ["2"] = "RUNNING", ["3"] = "IDLE" }, OnlyOnChange = true });

        Assert.Equal("RUNNING x IDLE", fixture.WriteAll(1, 2, 3));
    }

    [Fact]
    public void HoldLastGood_with_only_on_change_shows_the_outage_once_and_the_recovery_even_at_the_same_value()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Bad = QualityPolicy.HoldLastGood, OnlyOnChange = true, Scale = 10 });

        Assert.Equal(50.0, fixture.Write(5.0)!.Value.AsDouble());
        Assert.Null(fixture.Write(5.0));

        // The outage: the held value (scaled like any other) with the Bad status, once.
        var held = fixture.Write(Reading(ReadingValue.Null, StatusCodes.BadNoCommunication));
        Assert.Equal(50.0, held!.Value.AsDouble());
        Assert.Equal(Quality.Bad, held.Quality);
        Assert.Null(fixture.Write(Reading(ReadingValue.Null, StatusCodes.BadNoCommunication)));

        // The recovery at the same value still passes, then repeats are dropped again.
        var recovered = fixture.Write(5.0);
        Assert.Equal(50.0, recovered!.Value.AsDouble());
        Assert.Equal(Quality.Good, recovered.Quality);
        Assert.Null(fixture.Write(5.0));
    }

    [Fact]
    public void A_dropped_bad_reading_does_not_poison_the_baseline_and_the_recovery_passes()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Bad = QualityPolicy.Drop, DeadbandAbsolute = 1 });

        Assert.NotNull(fixture.Write(100.0));
        Assert.Null(fixture.Write(0.0, StatusCodes.BadCommunicationError));
        // Within the band of 100, but the first Good reading after a Bad one always passes.
        Assert.Equal(100.2, fixture.Write(100.2)!.Value.AsDouble());
        // The baseline is 100.2, not the Bad 0: 100.9 is within the band.
        Assert.Null(fixture.Write(100.9));
        Assert.NotNull(fixture.Write(101.5));
    }

    [Fact]
    public void A_passed_bad_reading_does_not_poison_the_baseline()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { DeadbandAbsolute = 1 });

        Assert.NotNull(fixture.Write(100.0));
        Assert.NotNull(fixture.Write(0.0, StatusCodes.BadCommunicationError));
        Assert.NotNull(fixture.Write(100.2));
        Assert.Null(fixture.Write(100.9));
    }

    [Fact]
    public void A_coercion_failure_is_followed_by_a_visible_recovery()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Type = ValueType.Double, OnlyOnChange = true });

        Assert.NotNull(fixture.Write(Reading(ReadingValue.FromString("7"))));
        Assert.Equal(StatusCodes.BadTypeMismatch, fixture.Write(Reading(ReadingValue.FromString("ERR")))!.StatusCode);
        Assert.Null(fixture.Write(Reading(ReadingValue.FromString("ERR"))));
        Assert.Equal(7.0, fixture.Write(Reading(ReadingValue.FromString("7")))!.Value.AsDouble());
    }

    [Fact]
    public void Timestamp_choice_with_skew_guard_and_hold_last_good()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Timestamp = TimestampChoice.Server, MaxClockSkewMs = 2000, Bad = QualityPolicy.HoldLastGood });
        fixture.Write(Reading(ReadingValue.FromDouble(3)) with { ServerTimestamp = T0 });

        // The server clock jumps a day ahead while the device fails: the held value carries the gateway time.
        fixture.Clock.Advance(TimeSpan.FromSeconds(30));
        var held = fixture.Write(Reading(ReadingValue.Null, StatusCodes.BadNoCommunication) with { ServerTimestamp = T0.AddDays(1) });

        Assert.Equal(3.0, held!.Value.AsDouble());
        Assert.Equal(T0.AddSeconds(30), held.Timestamp);
        Assert.Equal(1, fixture.Pipeline.GetStatistics().ClockSkewCorrections);
    }
}
