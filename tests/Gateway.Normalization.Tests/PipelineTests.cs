using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Core;

using static Gateway.Normalization.Tests.PipelineFixture;

namespace Gateway.Normalization.Tests;

public class PipelineTests
{
    [Fact]
    public void Unknown_tags_pass_with_the_defaults_and_are_counted()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Scale = 10, Unit = "rpm" });
        var unknown = Reading(ReadingValue.FromString("x"), StatusCodes.UncertainLastUsableValue, tag: "other") with { Unit = "mm" };

        var result = fixture.Write(unknown);

        Assert.NotNull(result);
        Assert.Equal(ReadingValue.FromString("x"), result.Value);
        Assert.Equal(T0, result.Timestamp);
        Assert.Equal(Quality.Uncertain, result.Quality);
        Assert.Equal("mm", result.Unit);
        Assert.Equal(1, fixture.Pipeline.GetStatistics().UnknownTagReadings);
    }

    [Fact]
    public void A_pipeline_without_tags_passes_everything()
    {
        var fixture = new PipelineFixture();

        Assert.Equal("1 1 2", fixture.WriteAll(1, 1, 2));
    }

    [Fact]
    public void Labels_and_measurement_come_from_the_tag_when_the_connector_left_them_empty()
    {
        var labels = LabelSet.From([new("site", "changwon"), new("line", "L2")]);
        var fixture = new PipelineFixture(Tag("cnc1", "M1", "speed", new NormalizeConfig(), labels, "spindle"));

        var filled = fixture.Write(Reading(ReadingValue.FromDouble(1)));
        var own = fixture.Write(Reading(ReadingValue.FromDouble(1)) with { Measurement = "own", Labels = LabelSet.From([new("a", "b")]) });

        Assert.Equal("spindle", filled!.Measurement);
        Assert.Equal("L2", filled.Labels["line"]);
        Assert.Equal("own", own!.Measurement);
        Assert.Equal("b", own.Labels["a"]);
    }

    [Fact]
    public async Task A_batch_passes_on_only_the_survivors_in_order_as_one_batch()
    {
        var fixture = new PipelineFixture(
            Tag("cnc1", "M1", "speed", new NormalizeConfig { OnlyOnChange = true }),
            Tag("cnc1", "M2", "speed", new NormalizeConfig { Scale = 2 }));
        Reading On(string machine, double v) => Reading(ReadingValue.FromDouble(v), machine: machine);

        await fixture.Pipeline.WriteAsync([On("M1", 1), On("M2", 1), On("M1", 1), On("M2", 2), On("M1", 3)], CancellationToken.None);

        Assert.Equal(1, fixture.Output.Batches);
        Assert.Equal(["M1:1", "M2:2", "M2:4", "M1:3"], fixture.Output.Readings.Select(r => $"{r.Machine}:{r.Value}"));
    }

    [Fact]
    public async Task A_batch_that_is_entirely_dropped_is_not_passed_on()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Bad = QualityPolicy.Drop });

        await fixture.Pipeline.WriteAsync([Reading(ReadingValue.Null, StatusCodes.BadNoCommunication)], CancellationToken.None);
        await fixture.Pipeline.WriteAsync([], CancellationToken.None);

        Assert.Equal(0, fixture.Output.Batches);
    }

    [Fact]
    public void The_readings_written_are_not_modified()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Scale = 3 });
        var original = Reading(ReadingValue.FromDouble(2));

        var result = fixture.Write(original);

        Assert.Equal(6.0, result!.Value.AsDouble());
        Assert.Equal(2.0, original.Value.AsDouble());
        Assert.Equal(default, original.Timestamp);
    }

    [Fact]
    public async Task Concurrent_writers_on_the_same_tags_keep_the_counts_consistent()
    {
        var tags = Enumerable.Range(0, 8).Select(i => Tag("cnc1", "M1", $"t{i}", new NormalizeConfig { OnlyOnChange = true })).ToArray();
        var fixture = new PipelineFixture(tags);

        // Four writers, each sending every tag the values 0..999: every value of every tag passes once per
        // change; the counters must add up exactly, whatever the interleaving.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var v = 0; v < 1000; v++)
            {
                var batch = tags.Select(t => Reading(ReadingValue.FromDouble(v), tag: t.Tag)).ToArray();
                await fixture.Pipeline.WriteAsync(batch, CancellationToken.None);
            }
        })));

        var stats = fixture.Pipeline.GetStatistics();
        Assert.Equal(32_000, stats.ReadingsIn);
        Assert.Equal(stats.ReadingsIn, stats.ReadingsOut + stats.DroppedOnlyOnChange);
        Assert.Equal(stats.ReadingsOut, fixture.Output.Readings.Count);
        Assert.InRange(stats.ReadingsOut, 8_000, 32_000);
    }
}
