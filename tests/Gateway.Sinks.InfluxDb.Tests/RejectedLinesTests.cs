using Gateway.Core;

using static Gateway.Sinks.InfluxDb.Tests.TestSupport;

namespace Gateway.Sinks.InfluxDb.Tests;

/// <summary>Finding the refused lines in the servers' error messages (no server; the messages are the shapes InfluxDB 1.6, 2.x and 3.x send).</summary>
public sealed class RejectedLinesTests
{
    private static readonly PointMapping Mapping = new(new InfluxDbSinkOptions { Url = "http://127.0.0.1:1", Bucket = "b" }, "gw");

    private static readonly InfluxLine[] Lines =
    [
        Mapping.Map(Reading("speed", ReadingValue.FromDouble(1.5), BaseTime), out _)!,
        Mapping.Map(Reading("speed", ReadingValue.FromInt64(2), BaseTime.AddMilliseconds(1)), out _)!,
        Mapping.Map(Reading("speed", ReadingValue.FromInt64(3), BaseTime.AddMilliseconds(2), measurement: "other"), out _)!,
        Mapping.Map(Reading("load", ReadingValue.FromDouble(4), BaseTime.AddMilliseconds(3)), out _)!,
    ];

    [Fact]
    public void Type_conflict_names_the_lines_of_that_measurement_field_and_type()
    {
        var message = "partial write: field type conflict: input field \"speed\" on measurement \"cnc\" is type integer, already exists as type float dropped=1";

        Assert.Equal([1], RejectedLines.Find(message, Lines));
    }

    [Fact]
    public void Type_conflict_inside_a_json_escaped_body_is_found_too()
    {
        var message = "{\"code\":\"invalid\",\"message\":\"failure writing points to database: partial write: field type conflict: input field \\\"speed\\\" on measurement \\\"other\\\" is type integer, already exists as type float dropped=1\"}";

        Assert.Equal([2], RejectedLines.Find(message, Lines));
    }

    [Fact]
    public void Parse_error_quotes_the_line()
    {
        var message = $"partial write: unable to parse '{Lines[3].Text}': invalid field format dropped=0";

        Assert.Equal([3], RejectedLines.Find(message, Lines));
    }

    [Fact]
    public void InfluxDB_3_line_numbers_are_one_based()
    {
        var message = "{\"error\":\"partial write of line protocol occurred\",\"data\":[{\"original_line\":\"x\",\"line_number\":1,\"error_message\":\"e\"},{\"line_number\":4}]}";

        Assert.Equal([0, 3], RejectedLines.Find(message, Lines));
    }

    [Fact]
    public void A_message_that_names_no_line_finds_none()
    {
        Assert.Empty(RejectedLines.Find("field type conflict", Lines));
        Assert.True(RejectedLines.IsRequestLevel("database name required"));
        Assert.False(RejectedLines.IsRequestLevel("field type conflict"));
    }
}
