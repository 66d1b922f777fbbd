using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Core;

using Microsoft.Extensions.Logging;

using static Gateway.Normalization.Tests.PipelineFixture;

using ValueType = Gateway.Configuration.Model.ValueType;

namespace Gateway.Normalization.Tests;

/// <summary>
/// Tags with equal rules share one compiled set of steps; each keeps its own state (issue 26, memory). The rules
/// here are always new objects, as a reload or a test builds them: equal by value, never the same instance.
/// </summary>
public class SharedRulesTests
{
    private static readonly TagKey Speed = new("cnc1", "M1", "speed");
    private static readonly TagKey Feed = new("cnc1", "M1", "feed");
    private static readonly TagKey Load = new("cnc1", "M1", "load");

    private static NormalizeConfig Deadband() => new() { DeadbandAbsolute = 1, Unit = "rpm", Enum = new() { ["9"] = "NINE" } };

    private static PipelineFixture ThreeTags(NormalizeConfig speed, NormalizeConfig feed, NormalizeConfig load) =>
        new(Tag("cnc1", "M1", "speed", speed), Tag("cnc1", "M1", "feed", feed), Tag("cnc1", "M1", "load", load));

    private static Reading? Write(PipelineFixture fixture, string tag, double value) =>
        fixture.Write(Reading(ReadingValue.FromDouble(value), tag: tag));

    [Fact]
    public void Tags_with_equal_rules_share_their_steps_and_a_tag_with_other_rules_does_not()
    {
        var fixture = ThreeTags(Deadband(), Deadband(), new NormalizeConfig { DeadbandAbsolute = 2, Unit = "rpm", Enum = new() { ["9"] = "NINE" } });

        Assert.Same(fixture.Pipeline.RulesOf(Speed), fixture.Pipeline.RulesOf(Feed));
        Assert.NotSame(fixture.Pipeline.RulesOf(Speed), fixture.Pipeline.RulesOf(Load));
        Assert.NotNull(fixture.Pipeline.StateOf(Speed));
        Assert.NotSame(fixture.Pipeline.StateOf(Speed), fixture.Pipeline.StateOf(Feed));
        Assert.Equal(fixture.Pipeline.DescribeSteps(Speed), fixture.Pipeline.DescribeSteps(Load));
    }

    [Fact]
    public void A_tag_whose_rules_remember_nothing_has_no_state_and_tags_without_rules_share_theirs()
    {
        var fixture = ThreeTags(new NormalizeConfig(), new NormalizeConfig(), new NormalizeConfig { Scale = 2, Unit = "mm", Timestamp = TimestampChoice.Server });

        Assert.Null(fixture.Pipeline.StateOf(Speed));
        Assert.Null(fixture.Pipeline.StateOf(Load));
        Assert.Same(fixture.Pipeline.RulesOf(Speed), fixture.Pipeline.RulesOf(Feed));
        Assert.Equal(4.0, Write(fixture, "load", 2)!.Value.AsDouble());
        Assert.Equal("mm", fixture.Output.Readings[^1].Unit);
    }

    [Fact]
    public void Tags_sharing_their_rules_keep_their_own_baselines()
    {
        var fixture = ThreeTags(Deadband(), Deadband(), Deadband());

        Assert.NotNull(Write(fixture, "speed", 10));
        Assert.NotNull(Write(fixture, "feed", 20));
        Assert.Null(Write(fixture, "speed", 10.5));  // within 1 of speed's 10
        Assert.NotNull(Write(fixture, "feed", 10.5)); // feed's baseline is 20, not speed's 10
        Assert.NotNull(Write(fixture, "load", 10.5)); // load's first reading
        Assert.Equal(1, fixture.Pipeline.GetStatistics().DroppedDeadbandAbsolute);
    }

    [Fact]
    public void A_reload_changing_one_tags_rules_starts_only_that_tag_afresh()
    {
        var fixture = ThreeTags(Deadband(), Deadband(), Deadband());
        Write(fixture, "speed", 10);
        Write(fixture, "feed", 10);
        Write(fixture, "load", 10);
        var rulesBefore = fixture.Pipeline.RulesOf(Speed);
        var speedState = fixture.Pipeline.StateOf(Speed);
        var loadState = fixture.Pipeline.StateOf(Load);

        var changed = Deadband();
        changed.DeadbandAbsolute = 0.1;
        fixture.Pipeline.Reconfigure([Tag("cnc1", "M1", "speed", Deadband()), Tag("cnc1", "M1", "feed", changed), Tag("cnc1", "M1", "load", Deadband())]);

        Assert.Same(speedState, fixture.Pipeline.StateOf(Speed));
        Assert.Same(loadState, fixture.Pipeline.StateOf(Load));
        Assert.Same(rulesBefore, fixture.Pipeline.RulesOf(Load));
        Assert.NotSame(rulesBefore, fixture.Pipeline.RulesOf(Feed));
        Assert.Null(Write(fixture, "speed", 10.5));   // baseline 10 kept
        Assert.Null(Write(fixture, "load", 10.5));
        Assert.NotNull(Write(fixture, "feed", 10));   // new rules: the first reading passes
        Assert.NotNull(Write(fixture, "feed", 10.5)); // and the new deadband (0.1) applies
    }

    [Fact]
    public void A_tag_changed_on_reload_to_the_rules_of_a_kept_tag_shares_its_steps_but_not_its_state()
    {
        var fixture = ThreeTags(Deadband(), new NormalizeConfig { Scale = 2 }, new NormalizeConfig());
        Write(fixture, "speed", 10);
        Write(fixture, "feed", 10);

        fixture.Pipeline.Reconfigure([Tag("cnc1", "M1", "speed", Deadband()), Tag("cnc1", "M1", "feed", Deadband()), Tag("cnc1", "M1", "load", new NormalizeConfig())]);

        Assert.Same(fixture.Pipeline.RulesOf(Speed), fixture.Pipeline.RulesOf(Feed));
        Assert.NotSame(fixture.Pipeline.StateOf(Speed), fixture.Pipeline.StateOf(Feed));
        Assert.Null(Write(fixture, "speed", 10.5));   // speed kept its baseline
        Assert.NotNull(Write(fixture, "feed", 10.5)); // feed starts afresh under the deadband
        Assert.Null(Write(fixture, "feed", 11));
    }

    [Fact]
    public void A_tag_that_loses_its_skew_guard_on_reload_still_reports_its_corrections()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { MaxClockSkewMs = 1000 });
        fixture.Write(Reading(ReadingValue.FromDouble(1), source: T0.AddHours(1)));
        fixture.Write(Reading(ReadingValue.FromDouble(1), source: T0.AddHours(1)));

        fixture.Pipeline.Reconfigure([Tag("cnc1", "M1", "speed", new NormalizeConfig())]);
        var passed = fixture.Write(Reading(ReadingValue.FromDouble(1), source: T0.AddHours(1)));

        Assert.Equal(T0.AddHours(1), passed!.Timestamp); // no guard any more
        Assert.Equal(2, fixture.Pipeline.GetStatistics().ClockSkewCorrectionsByTag[Speed]);
    }

    [Fact]
    public void Shared_steps_log_an_episode_once_per_tag()
    {
        var fixture = ThreeTags(new NormalizeConfig { Type = ValueType.Integer }, new NormalizeConfig { Type = ValueType.Integer }, new NormalizeConfig());
        Assert.Same(fixture.Pipeline.RulesOf(Speed), fixture.Pipeline.RulesOf(Feed));

        for (var i = 0; i < 3; i++)
        {
            fixture.Write(Reading(ReadingValue.FromString("jammed"), tag: "speed"));
            fixture.Write(Reading(ReadingValue.FromString("stuck"), tag: "feed"));
        }

        var warnings = fixture.Logger.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("cnc1/M1/speed", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("cnc1/M1/feed", StringComparison.Ordinal));
        Assert.Equal(6, fixture.Pipeline.GetStatistics().TypeCoercionFailures);
    }

    [Fact]
    public void Equal_rules_hash_alike_whatever_order_their_enum_map_was_written_in()
    {
        var first = new NormalizeConfig { Scale = 2, Enum = new() { ["0"] = "OFF", ["1"] = "ON" } };
        var second = new NormalizeConfig { Scale = 2, Enum = new() { ["1"] = "ON", ["0"] = "OFF" } };
        var other = new NormalizeConfig { Scale = 2, Enum = new() { ["0"] = "OFF", ["1"] = "RUN" } };

        Assert.True(NormalizeConfigComparer.Instance.Equals(first, second));
        Assert.Equal(NormalizeConfigComparer.Instance.GetHashCode(first), NormalizeConfigComparer.Instance.GetHashCode(second));
        Assert.False(NormalizeConfigComparer.Instance.Equals(first, other));
        Assert.False(NormalizeConfigComparer.Instance.Equals(first, null));
    }
}
