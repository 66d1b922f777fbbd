namespace Gateway.Sinks.Mqtt;

/// <summary>
/// A UTC time as ISO 8601 with milliseconds, <c>yyyy-MM-ddTHH:mm:ss.fffZ</c> (e.g. 2026-11-25T03:00:00.123Z), written
/// digit by digit: the same bytes as <c>DateTime.TryFormat</c> with that custom format (milliseconds truncated, not
/// rounded), without parsing the format string for every reading of a `json-batch` message.
/// </summary>
public static class Iso8601Milliseconds
{
    /// <summary>The length of every formatted time (years 0001-9999).</summary>
    public const int Length = 24;

    /// <summary>Writes <paramref name="utc"/> into the first <see cref="Length"/> bytes of <paramref name="destination"/>; the kind is not looked at.</summary>
    public static void Format(DateTime utc, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Length, nameof(destination));
        var (year, month, day) = utc;
        var timeOfDay = utc.Ticks % TimeSpan.TicksPerDay;
        var milliseconds = (int)(timeOfDay / TimeSpan.TicksPerMillisecond);
        var seconds = milliseconds / 1000;
        Digits(destination, 0, year, 4);
        destination[4] = (byte)'-';
        Digits(destination, 5, month, 2);
        destination[7] = (byte)'-';
        Digits(destination, 8, day, 2);
        destination[10] = (byte)'T';
        Digits(destination, 11, seconds / 3600, 2);
        destination[13] = (byte)':';
        Digits(destination, 14, seconds / 60 % 60, 2);
        destination[16] = (byte)':';
        Digits(destination, 17, seconds % 60, 2);
        destination[19] = (byte)'.';
        Digits(destination, 20, milliseconds % 1000, 3);
        destination[23] = (byte)'Z';
    }

    private static void Digits(Span<byte> destination, int offset, int value, int count)
    {
        for (var i = offset + count - 1; i >= offset; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }
}
