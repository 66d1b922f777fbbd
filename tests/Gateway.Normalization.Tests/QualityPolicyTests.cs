using Gateway.Configuration.Model;
using Gateway.Core;

using static Gateway.Normalization.Tests.PipelineFixture;

namespace Gateway.Normalization.Tests;

public class QualityPolicyTests
{
    [Fact]
    public void Pass_is_the_default_and_keeps_the_status_and_derives_the_quality()
    {
        var fixture = new PipelineFixture(new NormalizeConfig());

        var bad = fixture.Write(Reading(ReadingValue.Null, StatusCodes.BadCommunicationError));
        var uncertain = fixture.Write(Reading(ReadingValue.FromDouble(3), StatusCodes.UncertainLastUsableValue));

        Assert.NotNull(bad);
        Assert.Equal(Quality.Bad, bad.Quality);
        Assert.Equal(StatusCodes.BadCommunicationError, bad.StatusCode);
        Assert.True(bad.Value.IsNull);
        Assert.NotNull(uncertain);
        Assert.Equal(Quality.Uncertain, uncertain.Quality);
        Assert.Equal(3.0, uncertain.Value.AsDouble());
    }

    [Fact]
    public void A_worse_quality_set_by_the_connector_is_kept()
    {
        var fixture = new PipelineFixture(new NormalizeConfig());

        var result = fixture.Write(Reading(ReadingValue.FromDouble(1)) with { Quality = Quality.Uncertain });

        Assert.Equal(Quality.Uncertain, result!.Quality);
    }

    [Fact]
    public void Drop_removes_bad_and_uncertain_readings_and_counts_each()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Bad = QualityPolicy.Drop, Uncertain = QualityPolicy.Drop });

        Assert.NotNull(fixture.Write(1.0));
        Assert.Null(fixture.Write(2.0, StatusCodes.BadNoCommunication));
        Assert.Null(fixture.Write(3.0, StatusCodes.UncertainLastUsableValue));
        Assert.Null(fixture.Write(4.0, StatusCodes.BadCommunicationError));
        Assert.NotNull(fixture.Write(5.0));

        var stats = fixture.Pipeline.GetStatistics();
        Assert.Equal(2, stats.DroppedBad);
        Assert.Equal(1, stats.DroppedUncertain);
        Assert.Equal(5, stats.ReadingsIn);
        Assert.Equal(2, stats.ReadingsOut);
        Assert.Equal(3, stats.Dropped);
    }

    [Fact]
    public void Uncertain_can_pass_while_bad_is_dropped()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Bad = QualityPolicy.Drop });

        Assert.Null(fixture.Write(2.0, StatusCodes.BadNoCommunication));
        Assert.Equal(3.0, fixture.Write(3.0, StatusCodes.UncertainLastUsableValue)!.Value.AsDouble());
    }

    [Fact]
    public void HoldLastGood_emits_the_last_good_value_with_the_new_timestamp_and_the_bad_status()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Bad = QualityPolicy.HoldLastGood });
        fixture.Write(Reading(ReadingValue.FromDouble(42.5), source: T0));

        var held = fixture.Write(Reading(ReadingValue.Null, StatusCodes.BadNoCommunication, source: T0.AddSeconds(10)));

        Assert.NotNull(held);
        Assert.Equal(42.5, held.Value.AsDouble());
        Assert.Equal(StatusCodes.BadNoCommunication, held.StatusCode);
        Assert.Equal(Quality.Bad, held.Quality);
        Assert.Equal(T0.AddSeconds(10), held.Timestamp);
        Assert.Equal(1, fixture.Pipeline.GetStatistics().HeldLastGood);
    }

    [Fact]
    public void HoldLastGood_before_any_good_value_passes_the_reading_as_received()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Bad = QualityPolicy.HoldLastGood });

        var result = fixture.Write(Reading(ReadingValue.Null, StatusCodes.BadNoCommunication));

        Assert.NotNull(result);
        Assert.True(result.Value.IsNull);
        Assert.Equal(StatusCodes.BadNoCommunication, result.StatusCode);
        Assert.Equal(0, fixture.Pipeline.GetStatistics().HeldLastGood);
    }

    [Fact]
    public void HoldLastGood_holds_the_latest_good_value_not_the_first()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Uncertain = QualityPolicy.HoldLastGood });
        fixture.Write(1.0);
        fixture.Write(7.0);

        Assert.Equal(7.0, fixture.Write(99.0, StatusCodes.UncertainLastUsableValue)!.Value.AsDouble());
        Assert.Equal(StatusCodes.UncertainLastUsableValue, fixture.Output.Readings[^1].StatusCode);
    }
}
