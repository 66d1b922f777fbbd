using Gateway.Configuration.Model;
using Gateway.Core;

using Microsoft.Extensions.Logging;

using static Gateway.Normalization.Tests.PipelineFixture;

using ValueType = Gateway.Configuration.Model.ValueType;

namespace Gateway.Normalization.Tests;

public class TypeCoercionTests
{
    private static Reading? Coerce(ValueType type, ReadingValue value) =>
        new PipelineFixture(new NormalizeConfig { Type = type }).Write(Reading(value));

    [Fact]
    public void An_int16_override_becomes_a_double()
    {
        var result = Coerce(ValueType.Double, ReadingValue.FromInt64(120));

        Assert.Equal(ValueKind.Double, result!.Value.Kind);
        Assert.Equal(120.0, result.Value.AsDouble());
    }

    [Fact]
    public void Auto_keeps_the_value_as_received()
    {
        Assert.Equal(ReadingValue.FromInt64(120), Coerce(ValueType.Auto, ReadingValue.FromInt64(120))!.Value);
    }

    [Theory]
    [InlineData(ValueType.Double, "12.5", "12.5")]
    [InlineData(ValueType.Integer, "12.5", "13")]
    [InlineData(ValueType.Integer, "-7", "-7")]
    [InlineData(ValueType.Boolean, "1", "true")]
    [InlineData(ValueType.Boolean, "False", "false")]
    [InlineData(ValueType.String, "abc", "abc")]
    public void Text_converts_to_the_configured_type(ValueType type, string text, string expected)
    {
        Assert.Equal(expected, Coerce(type, ReadingValue.FromString(text))!.Value.ToString());
    }

    [Fact]
    public void Numbers_convert_to_integer_boolean_and_text()
    {
        Assert.Equal(ReadingValue.FromInt64(-3), Coerce(ValueType.Integer, ReadingValue.FromDouble(-2.5))!.Value);
        Assert.Equal(ReadingValue.FromBoolean(true), Coerce(ValueType.Boolean, ReadingValue.FromDouble(0.1))!.Value);
        Assert.Equal(ReadingValue.FromString("0.1"), Coerce(ValueType.String, ReadingValue.FromDouble(0.1))!.Value);
        Assert.Equal(ReadingValue.FromDouble(1), Coerce(ValueType.Double, ReadingValue.FromBoolean(true))!.Value);
    }

    [Fact]
    public void Arrays_convert_element_by_element()
    {
        var result = Coerce(ValueType.Double, ReadingValue.FromArray([1L, 2L, 3L]));

        Assert.Equal([1.0, 2.0, 3.0], result!.Value.AsDoubleArray());
    }

    [Fact]
    public void A_value_that_cannot_convert_passes_as_bad_type_mismatch_counted_and_logged_once()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Type = ValueType.Double });

        var first = fixture.Write(Reading(ReadingValue.FromString("N/A")));
        fixture.Write(Reading(ReadingValue.FromString("N/A")));
        var good = fixture.Write(Reading(ReadingValue.FromString("4.5")));
        fixture.Write(Reading(ReadingValue.FromString("")));

        Assert.NotNull(first);
        Assert.True(first.Value.IsNull);
        Assert.Equal(StatusCodes.BadTypeMismatch, first.StatusCode);
        Assert.Equal(Quality.Bad, first.Quality);
        Assert.Equal(4.5, good!.Value.AsDouble());
        Assert.Equal(Quality.Good, good.Quality);
        Assert.Equal(3, fixture.Pipeline.GetStatistics().TypeCoercionFailures);
        var warnings = fixture.Logger.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("N/A", warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains("cnc1/M1/speed", warnings[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Integer_overflow_is_a_type_mismatch_not_a_crash()
    {
        var result = Coerce(ValueType.Integer, ReadingValue.FromDouble(1e20));

        Assert.Equal(StatusCodes.BadTypeMismatch, result!.StatusCode);
    }

    [Fact]
    public void A_bad_reading_that_cannot_convert_keeps_its_own_status()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Type = ValueType.Double });

        var result = fixture.Write(Reading(ReadingValue.FromString("###"), StatusCodes.BadCommunicationError));

        Assert.Equal(StatusCodes.BadCommunicationError, result!.StatusCode);
        Assert.True(result.Value.IsNull);
    }
}

public class LinearScaleTests
{
    [Fact]
    public void Scale_and_offset_apply_to_doubles_and_integers_and_give_doubles()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Scale = 0.1, Offset = -40 });

        Assert.Equal(ReadingValue.FromDouble((650 * 0.1) - 40), fixture.Write(Reading(ReadingValue.FromInt64(650)))!.Value);
        Assert.Equal(ReadingValue.FromDouble((12.5 * 0.1) - 40), fixture.Write(Reading(ReadingValue.FromDouble(12.5)))!.Value);
    }

    [Fact]
    public void Arrays_are_scaled_element_by_element()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Scale = 2 });

        Assert.Equal([2.0, 4.0], fixture.Write(Reading(ReadingValue.FromArray([1L, 2L])))!.Value.AsDoubleArray());
    }

    [Fact]
    public void Text_booleans_and_null_pass_unscaled()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Scale = 2, Offset = 1 });

        Assert.Equal(ReadingValue.FromString("x"), fixture.Write(Reading(ReadingValue.FromString("x")))!.Value);
        Assert.Equal(ReadingValue.FromBoolean(true), fixture.Write(Reading(ReadingValue.FromBoolean(true)))!.Value);
        Assert.True(fixture.Write(Reading(ReadingValue.Null, StatusCodes.BadNoCommunication))!.Value.IsNull);
    }

    [Fact]
    public void No_scale_step_when_the_rule_is_the_identity()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Scale = 1, Offset = 0 });

        Assert.DoesNotContain("LinearScaleStep", fixture.Pipeline.DescribeSteps(new("cnc1", "M1", "speed"))!);
        Assert.Equal(ReadingValue.FromInt64(5), fixture.Write(Reading(ReadingValue.FromInt64(5)))!.Value);
    }
}

public class EnumMappingTests
{
    private static readonly Dictionary<string, string> States = new() { ["0"] = "STOPPED", ["1"] = "RUNNING", ["2"] = "ALARM" };

    [Fact]
    public void Numbers_become_names()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Enum = States });

        Assert.Equal("RUNNING", fixture.Write(Reading(ReadingValue.FromInt64(1)))!.Value.AsString());
        Assert.Equal("ALARM", fixture.Write(Reading(ReadingValue.FromDouble(2.0)))!.Value.AsString());
        Assert.Equal("STOPPED", fixture.Write(Reading(ReadingValue.FromBoolean(false)))!.Value.AsString());
    }

    [Fact]
    public void Unknown_numbers_pass_as_the_number_and_are_counted()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Enum = States });

        Assert.Equal(ReadingValue.FromInt64(7), fixture.Write(Reading(ReadingValue.FromInt64(7)))!.Value);
        Assert.Equal(ReadingValue.FromDouble(1.5), fixture.Write(Reading(ReadingValue.FromDouble(1.5)))!.Value);
        Assert.Equal(ReadingValue.FromString("text"), fixture.Write(Reading(ReadingValue.FromString("text")))!.Value);

        Assert.Equal(2, fixture.Pipeline.GetStatistics().EnumUnmapped);
        Assert.Single(fixture.Logger.Entries, e => e.Level == LogLevel.Warning);
    }
}

public class EngineeringUnitTests
{
    private static Reading WithServerUnit() => Reading(ReadingValue.FromDouble(1)) with { Unit = "r/min" };

    [Fact]
    public void The_configured_unit_wins_over_the_server_unit()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Unit = "rpm", UnitFromServer = true });

        Assert.Equal("rpm", fixture.Write(WithServerUnit())!.Unit);
    }

    [Fact]
    public void UnitFromServer_keeps_the_unit_the_connector_read()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { UnitFromServer = true });

        Assert.Equal("r/min", fixture.Write(WithServerUnit())!.Unit);
    }

    [Fact]
    public void Without_either_rule_there_is_no_unit_and_an_empty_unit_clears_it()
    {
        Assert.Null(new PipelineFixture(new NormalizeConfig()).Write(WithServerUnit())!.Unit);
        Assert.Null(new PipelineFixture(new NormalizeConfig { Unit = "", UnitFromServer = true }).Write(WithServerUnit())!.Unit);
    }
}
