using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Core;

using Microsoft.Extensions.Logging;

using static Gateway.Normalization.Tests.PipelineFixture;

namespace Gateway.Normalization.Tests;

public class TimestampTests
{
    private static Reading Stamped(DateTime source, DateTime server, DateTime gateway = default) =>
        Reading(ReadingValue.FromDouble(1)) with { SourceTimestamp = source, ServerTimestamp = server, GatewayTimestamp = gateway };

    [Theory]
    [InlineData(TimestampChoice.Source, 1)]
    [InlineData(TimestampChoice.Server, 2)]
    [InlineData(TimestampChoice.Gateway, 3)]
    public void The_chosen_timestamp_is_the_one_sinks_publish(TimestampChoice choice, int expectedMinute)
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Timestamp = choice });

        var result = fixture.Write(Stamped(T0.AddMinutes(1), T0.AddMinutes(2), T0.AddMinutes(3)));

        Assert.Equal(T0.AddMinutes(expectedMinute), result!.Timestamp);
        Assert.Equal(T0.AddMinutes(1), result.SourceTimestamp);
        Assert.Equal(T0.AddMinutes(2), result.ServerTimestamp);
    }

    [Fact]
    public void A_missing_timestamp_falls_back_source_then_server_then_gateway()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Timestamp = TimestampChoice.Source });

        Assert.Equal(T0.AddMinutes(2), fixture.Write(Stamped(default, T0.AddMinutes(2)))!.Timestamp);
        Assert.Equal(T0, fixture.Write(Stamped(default, default))!.Timestamp);
    }

    [Fact]
    public void The_gateway_timestamp_is_set_from_the_clock_when_the_connector_left_it_empty()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { Timestamp = TimestampChoice.Gateway });
        fixture.Clock.Advance(TimeSpan.FromSeconds(90));

        var result = fixture.Write(Stamped(T0, T0));

        Assert.Equal(T0.AddSeconds(90), result!.GatewayTimestamp);
        Assert.Equal(T0.AddSeconds(90), result.Timestamp);
    }

    [Fact]
    public void Skew_guard_replaces_a_far_timestamp_with_gateway_time_counts_it_and_logs_once_per_episode()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { MaxClockSkewMs = 5_000 });
        var key = new TagKey("cnc1", "M1", "speed");

        // The PLC clock is an hour behind: every reading of the episode is corrected, one warning.
        for (var i = 0; i < 3; i++)
        {
            fixture.Clock.Advance(TimeSpan.FromSeconds(1));
            var now = fixture.Clock.Now.UtcDateTime;
            var result = fixture.Write(Stamped(now.AddHours(-1), now));
            Assert.Equal(now, result!.Timestamp);
            Assert.Equal(now.AddHours(-1), result.SourceTimestamp);
        }

        // Within 5 s: the source timestamp is used again and the episode ends.
        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var inRange = fixture.Clock.Now.UtcDateTime.AddSeconds(-4);
        Assert.Equal(inRange, fixture.Write(Stamped(inRange, inRange))!.Timestamp);

        // A second episode (a clock ahead this time): one more warning.
        var ahead = fixture.Clock.Now.UtcDateTime.AddMinutes(10);
        Assert.Equal(fixture.Clock.Now.UtcDateTime, fixture.Write(Stamped(ahead, ahead))!.Timestamp);

        var warnings = fixture.Logger.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("cnc1/M1/speed", warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains("gateway.yaml:12:7", warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains("maxClockSkewMs", warnings[0].Message, StringComparison.Ordinal);
        var stats = fixture.Pipeline.GetStatistics();
        Assert.Equal(4, stats.ClockSkewCorrections);
        Assert.Equal(4, stats.ClockSkewCorrectionsByTag[key]);
    }

    [Fact]
    public void Skew_is_measured_against_the_connector_receive_time_when_it_set_one()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { MaxClockSkewMs = 1_000 });
        var received = T0.AddMinutes(-30);

        // The pipeline clock is 30 minutes later (a backlog), but the reading was received at its source time.
        var result = fixture.Write(Stamped(received.AddMilliseconds(200), received, received));

        Assert.Equal(received.AddMilliseconds(200), result!.Timestamp);
        Assert.Equal(0, fixture.Pipeline.GetStatistics().ClockSkewCorrections);
    }

    [Fact]
    public void Zero_turns_the_skew_guard_off()
    {
        var fixture = new PipelineFixture(new NormalizeConfig { MaxClockSkewMs = 0 });

        var result = fixture.Write(Stamped(T0.AddYears(-56), T0));

        Assert.Equal(T0.AddYears(-56), result!.Timestamp);
        Assert.Equal(0, fixture.Pipeline.GetStatistics().ClockSkewCorrections);
    }

    [Fact]
    public void Skew_counters_are_per_tag()
    {
        var fixture = new PipelineFixture(
            Tag("cnc1", "M1", "speed", new NormalizeConfig { MaxClockSkewMs = 1000 }),
            Tag("cnc1", "M1", "feed", new NormalizeConfig { MaxClockSkewMs = 1000 }));

        fixture.Write(Reading(ReadingValue.FromDouble(1), source: T0.AddHours(2), tag: "speed"));
        fixture.Write(Reading(ReadingValue.FromDouble(1), source: T0.AddHours(2), tag: "speed"));
        fixture.Write(Reading(ReadingValue.FromDouble(1), source: T0, tag: "feed"));

        var byTag = fixture.Pipeline.GetStatistics().ClockSkewCorrectionsByTag;
        Assert.Equal(2, byTag[new TagKey("cnc1", "M1", "speed")]);
        Assert.False(byTag.ContainsKey(new TagKey("cnc1", "M1", "feed")));
    }
}
