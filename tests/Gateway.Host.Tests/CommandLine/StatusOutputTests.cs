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

    [Fact]
    public void Each_machine_shows_its_state_and_the_running_shifts_oee()
    {
        var since = DateTime.UtcNow.AddSeconds(-90);
        var health = new GatewayHealth("gw", "1.0", DateTimeOffset.UtcNow, true, [], [], [], null,
        [
            new MachineStateHealth("cnc-01", "alarm", "SP1241 SPINDLE OVERHEAT", since, "day", 0.8, 0.9, 0.95, 0.684, 120, 114),
            new MachineStateHealth("press-01", "offline", "no data", since, null, null, null, null, null, null, null),
        ]);
        var output = new StringWriter();

        StatusCommand.Print(health, output);

        var text = output.ToString();
        Assert.Matches(@"cnc-01\s+alarm\s+\d+s\s+day\s+68\.4\s+80\.0\s+90\.0\s+95\.0\s+120 SP1241 SPINDLE OVERHEAT", text);
        Assert.Matches(@"press-01\s+offline\s+\d+s\s+-\s+-\s+-\s+-\s+-\s+- no data", text);
    }

    [Fact]
    public void A_machine_with_late_parts_gets_a_line_under_its_row_and_one_without_none()
    {
        var since = DateTime.UtcNow.AddSeconds(-90);
        var health = new GatewayHealth("gw", "1.0", DateTimeOffset.UtcNow, true, [], [], [], null,
        [
            new MachineStateHealth("cnc-01", "running", "RUNNING", since, "day", 0.8, 0.9, 0.95, 0.684, 120, 114, RevisedParts: 4, TooLateParts: 6, LateReadings: 2),
            new MachineStateHealth("press-01", "running", "RUNNING", since, "day", 0.8, 0.9, 0.95, 0.684, 120, 114),
        ]);
        var output = new StringWriter();

        StatusCommand.Print(health, output);

        var lines = output.ToString().Split('\n').Select(l => l.TrimEnd()).ToList();
        var row = lines.FindIndex(l => l.StartsWith("cnc-01 ", StringComparison.Ordinal));
        Assert.Matches(@"^\s+cnc-01: 4 late part\(s\) revised a final shift, 6 too late for any shift's figures$", lines[row + 1]);
        Assert.DoesNotContain(lines, l => l.Contains("press-01:", StringComparison.Ordinal));
    }
}
