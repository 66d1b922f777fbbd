namespace Gateway.Core;

/// <summary>The coarse quality of a reading, derived from the OPC UA status code's severity bits.</summary>
public enum Quality : byte
{
    Good = 0,
    Uncertain = 1,
    Bad = 2,
}

public static class QualityOf
{
    /// <summary>Part 4, 7.39: the top two bits of a StatusCode give its severity (00 Good, 01 Uncertain, 1x Bad).</summary>
    public static Quality StatusCode(uint statusCode) => (statusCode >> 30) switch
    {
        0 => Quality.Good,
        1 => Quality.Uncertain,
        _ => Quality.Bad,
    };
}
