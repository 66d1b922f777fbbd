namespace Gateway.Core.Tests;

public sealed class ReadingTests
{
    [Fact]
    public void A_reading_stamped_on_arrival_carries_the_tag_and_has_every_timestamp_at_arrival()
    {
        var labels = LabelSet.From([KeyValuePair.Create("line", "2")]);
        var tag = new SourceTag("plc-1", "press-4", "fast", "Pressure", TimeSpan.FromSeconds(1), new object(), new object(), "press", labels);
        var received = new DateTime(2026, 12, 6, 9, 0, 0, 250, DateTimeKind.Utc);

        var reading = Reading.StampedOnArrival(tag, ReadingValue.FromDouble(12.5), 0x80320000, received);

        Assert.Equal(("plc-1", "press-4", "Pressure", "press"), (reading.Source, reading.Machine, reading.Tag, reading.Measurement));
        Assert.Equal(ReadingValue.FromDouble(12.5), reading.Value);
        Assert.Equal(0x80320000u, reading.StatusCode);
        Assert.Equal(Quality.Bad, reading.Quality); // 0x8... is Bad by the status's severity bits
        Assert.All([reading.SourceTimestamp, reading.ServerTimestamp, reading.GatewayTimestamp, reading.Timestamp], t => Assert.Equal(received, t));
        Assert.Equal(labels, reading.Labels);
        Assert.Equal(Quality.Good, Reading.StampedOnArrival(tag, ReadingValue.FromDouble(1.0), 0, received).Quality);
    }
}
