using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Core;

using static Gateway.Normalization.Tests.PipelineFixture;

namespace Gateway.Normalization.Tests;

public class ReconfigureTests
{
    private static NormalizeConfig Deadband() => new() { DeadbandAbsolute = 1, Bad = QualityPolicy.HoldLastGood, Enum = new() { ["9"] = "NINE" } };

    [Fact]
    public void Unchanged_rules_keep_the_state_even_when_labels_change()
    {
        var fixture = new PipelineFixture(Tag("cnc1", "M1", "speed", Deadband()));
        Assert.NotNull(fixture.Write(10.0));

        // Equal rules in new objects (a reload builds everything afresh), new labels.
        fixture.Pipeline.Reconfigure([Tag("cnc1", "M1", "speed", Deadband(), LabelSet.From([new("site", "busan")]))]);

        // The deadband baseline survived: 10.5 is within 1 of 10.
        Assert.Null(fixture.Write(10.5));

        // The last good value (10.5, received though not passed on) survives another reload.
        fixture.Pipeline.Reconfigure([Tag("cnc1", "M1", "speed", Deadband(), LabelSet.From([new("site", "busan")]))]);
        var held = fixture.Write(Reading(ReadingValue.Null, StatusCodes.BadNoCommunication));
        Assert.Equal(10.5, held!.Value.AsDouble());
        Assert.Equal("busan", held.Labels["site"]);
    }

    [Fact]
    public void Changed_rules_start_afresh_for_that_tag_only()
    {
        var fixture = new PipelineFixture(Tag("cnc1", "M1", "speed", Deadband()), Tag("cnc1", "M1", "feed", Deadband()));
        fixture.Write(10.0);
        fixture.Write(Reading(ReadingValue.FromDouble(10), tag: "feed"));

        var changed = Deadband();
        changed.Scale = 1.0001;
        fixture.Pipeline.Reconfigure([Tag("cnc1", "M1", "speed", changed), Tag("cnc1", "M1", "feed", Deadband())]);

        Assert.NotNull(fixture.Write(10.0));
        Assert.Null(fixture.Write(Reading(ReadingValue.FromDouble(10.5), tag: "feed")));
    }

    [Fact]
    public void Removed_tags_become_unknown_and_added_tags_get_their_rules()
    {
        var fixture = new PipelineFixture(Tag("cnc1", "M1", "speed", new NormalizeConfig { Scale = 2 }));

        fixture.Pipeline.Reconfigure([Tag("cnc1", "M1", "feed", new NormalizeConfig { Scale = 3 })]);

        Assert.Equal(1.0, fixture.Write(1.0)!.Value.AsDouble());
        Assert.Equal(3.0, fixture.Write(Reading(ReadingValue.FromDouble(1), tag: "feed"))!.Value.AsDouble());
        Assert.Equal(1, fixture.Pipeline.GetStatistics().UnknownTagReadings);
    }

    [Fact]
    public void Counters_survive_a_reload_including_per_tag_skew_counts_of_changed_tags()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { MaxClockSkewMs = 1000, OnlyOnChange = true });
        fixture.Write(Reading(ReadingValue.FromDouble(1), source: T0.AddHours(1)));
        fixture.Write(Reading(ReadingValue.FromDouble(1), source: T0.AddHours(1)));

        fixture.Pipeline.Reconfigure([Tag("cnc1", "M1", "speed", new NormalizeConfig { MaxClockSkewMs = 2000 })]);
        fixture.Write(Reading(ReadingValue.FromDouble(1), source: T0.AddHours(1)));

        var stats = fixture.Pipeline.GetStatistics();
        Assert.Equal(1, stats.DroppedOnlyOnChange);
        Assert.Equal(3, stats.ClockSkewCorrectionsByTag[new TagKey("cnc1", "M1", "speed")]);
    }

    [Fact]
    public void Invalid_rules_are_rejected_and_the_old_ones_stay()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Scale = 2 });
        var bad = Tag("cnc1", "M1", "speed", new NormalizeConfig { Enum = new() { ["RUN"] = "RUNNING" } });

        var error = Assert.Throws<ArgumentException>(() => fixture.Pipeline.Reconfigure([bad]));

        Assert.Contains("gateway.yaml:12:7", error.Message, StringComparison.Ordinal);
        Assert.Contains("'RUN'", error.Message, StringComparison.Ordinal);
        Assert.Equal(4.0, fixture.Write(2.0)!.Value.AsDouble());
    }
}

public class NormalizationRulesTests
{
    [Fact]
    public void Validate_names_each_problem_and_its_place()
    {
        var tags = new[]
        {
            Tag("s", "m", "a", new NormalizeConfig { Enum = new() { ["1.5"] = "X", ["2"] = " " } }),
            Tag("s", "m", "b", new NormalizeConfig { DeadbandPercent = 150, Scale = double.NaN, MaxClockSkewMs = -1 }),
            Tag("s", "m", "c", new NormalizeConfig { Enum = new() { ["1"] = "ON" }, Type = Configuration.Model.ValueType.String }),
            Tag("s", "m", "a", new NormalizeConfig()),
            Tag("s", "m", "d", new NormalizeConfig { Enum = new() { ["1"] = "ON", ["01"] = "ALSO_ON" } }),
        };

        var problems = NormalizationRules.Validate(tags);

        Assert.Equal(8, problems.Count);
        Assert.All(problems, p => Assert.StartsWith("gateway.yaml:12:7: tag s/m/", p.ToString(), StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("'1.5' is not a whole number", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("deadbandPercent is 150", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("defined twice", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("names the number 1 twice", StringComparison.Ordinal));
        Assert.Empty(NormalizationRules.Validate([Tag("s", "m", "a", new NormalizeConfig { Enum = new() { ["-1"] = "FAULT" } })]));
    }

    [Fact]
    public void The_constructor_rejects_invalid_rules_with_the_problems()
    {
        var error = Assert.Throws<ArgumentException>(() => new PipelineFixture(Tag("s", "m", "a", new NormalizeConfig { DeadbandAbsolute = -1 })));

        Assert.Contains("deadbandAbsolute is -1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AreEquivalent_notices_a_change_in_every_rule()
    {
        // Set each property in turn to a non-default value: a rule the comparison missed would keep stale state on reload.
        foreach (var property in typeof(NormalizeConfig).GetProperties())
        {
            var changed = new NormalizeConfig();
            object value = property.PropertyType switch
            {
                var t when t == typeof(double?) => 2.5,
                var t when t == typeof(int?) => 7,
                var t when t == typeof(bool?) => true,
                var t when t == typeof(string) => "rpm",
                var t when t == typeof(Dictionary<string, string>) => new Dictionary<string, string> { ["1"] = "ON" },
                var t => Enum.GetValues(Nullable.GetUnderlyingType(t)!).GetValue(1)!,
            };
            property.SetValue(changed, value);

            Assert.False(NormalizationRules.AreEquivalent(new NormalizeConfig(), changed), property.Name);
            var copy = new NormalizeConfig();
            property.SetValue(copy, value is Dictionary<string, string> map ? new Dictionary<string, string>(map) : value);
            Assert.True(NormalizationRules.AreEquivalent(copy, changed), property.Name);
        }

        Assert.False(NormalizationRules.AreEquivalent(
            new NormalizeConfig { Enum = new() { ["1"] = "ON" } },
            new NormalizeConfig { Enum = new() { ["1"] = "OFF" } }));
    }
}
