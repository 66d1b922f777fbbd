using System.Globalization;
using System.Text.RegularExpressions;
using Gateway.Host.CommandLine;
using Gateway.Host.Monitoring;

namespace Gateway.Host.Tests.CommandLine;

public sealed class StatusOutputTests
{
    [Fact]
    public void Up_since_is_the_local_time_with_its_offset_like_the_log_lines()
    {
        var started = new DateTimeOffset(2026, 12, 6, 6, 4, 5, 123, TimeSpan.Zero);
        var health = new GatewayHealth("gw", "1.0", started, true, [], [], [], null);
        var output = new StringWriter();

        StatusCommand.Print(health, output);

        var since = Regex.Match(output.ToString(), @"up since (?<t>\S+),");
        Assert.True(since.Success, output.ToString());
        var shown = DateTimeOffset.ParseExact(since.Groups["t"].Value, "yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
        Assert.Equal(started, shown);
        Assert.Equal(TimeZoneInfo.Local.GetUtcOffset(started), shown.Offset);
    }
}
