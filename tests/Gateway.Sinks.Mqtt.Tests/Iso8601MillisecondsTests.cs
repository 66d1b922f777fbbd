using System.Globalization;
using System.Text;

namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>The payloads' timestamp text is byte for byte what the custom format "yyyy-MM-dd'T'HH:mm:ss.fff'Z'" gives.</summary>
public class Iso8601MillisecondsTests
{
    public static TheoryData<long> Times() =>
    [
        new DateTime(2026, 11, 25, 3, 0, 0, 123, DateTimeKind.Utc).Ticks,
        DateTime.MinValue.Ticks,
        DateTime.MaxValue.Ticks, // 9999-12-31T23:59:59.999: milliseconds truncated, never rounded up
        new DateTime(2024, 2, 29, 23, 59, 59, 999, DateTimeKind.Utc).Ticks + 9_999,
        new DateTime(999, 1, 2, 4, 5, 6, 7, DateTimeKind.Utc).Ticks,
        new DateTime(2026, 12, 7, 0, 0, 0, DateTimeKind.Utc).Ticks,
        new DateTime(2026, 12, 7, 12, 34, 56, 0, DateTimeKind.Utc).Ticks + 5_000,
    ];

    [Theory]
    [MemberData(nameof(Times))]
    public void Writes_what_the_custom_format_writes(long ticks)
    {
        var time = new DateTime(ticks, DateTimeKind.Utc);
        Span<byte> text = stackalloc byte[Iso8601Milliseconds.Length];

        Iso8601Milliseconds.Format(time, text);

        Assert.Equal(time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), Encoding.ASCII.GetString(text));
    }

    [Fact]
    public void Random_times_over_the_whole_range_match()
    {
        var random = new Random(26);
        Span<byte> text = stackalloc byte[Iso8601Milliseconds.Length];
        for (var i = 0; i < 20_000; i++)
        {
            var time = new DateTime(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc);

            Iso8601Milliseconds.Format(time, text);

            Assert.Equal(time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), Encoding.ASCII.GetString(text));
        }
    }

    [Fact]
    public void A_destination_too_short_is_refused()
    {
        var text = new byte[Iso8601Milliseconds.Length - 1];

        Assert.Throws<ArgumentOutOfRangeException>(() => Iso8601Milliseconds.Format(DateTime.UnixEpoch, text));
    }
}
