using Gateway.Core;

namespace Gateway.Normalization.Steps;

/// <summary>How far a value moved from the baseline, for the deadband and on-change steps.</summary>
internal static class ValueChange
{
    /// <summary>
    /// True when <paramref name="current"/> differs from <paramref name="baseline"/> by more than the threshold the
    /// function gives for the baseline (Part 4, 7.22.2: a deadband passes a change that "exceeds" it). Numbers
    /// (and numeric arrays, element by element: one element beyond is enough) are compared by distance; anything
    /// else, or a change of kind or length, or a NaN or infinity, counts as a change whenever the values differ.
    /// </summary>
    public static bool Exceeds<TThreshold>(ReadingValue baseline, ReadingValue current, TThreshold threshold)
        where TThreshold : struct, IDeadbandThreshold
    {
        if (baseline.Kind != current.Kind)
        {
            return true;
        }

        switch (current.Kind)
        {
            case ValueKind.Double:
                return NumberExceeds(baseline.AsDouble(), current.AsDouble(), threshold);
            case ValueKind.Int64:
                return NumberExceeds(baseline.AsInt64(), current.AsInt64(), threshold);
            case ValueKind.DoubleArray:
                var lastDoubles = baseline.AsDoubleArray();
                var doubles = current.AsDoubleArray();
                if (lastDoubles.Length != doubles.Length)
                {
                    return true;
                }

                for (var i = 0; i < doubles.Length; i++)
                {
                    if (NumberExceeds(lastDoubles[i], doubles[i], threshold))
                    {
                        return true;
                    }
                }

                return false;
            case ValueKind.Int64Array:
                var lastIntegers = baseline.AsInt64Array();
                var integers = current.AsInt64Array();
                if (lastIntegers.Length != integers.Length)
                {
                    return true;
                }

                for (var i = 0; i < integers.Length; i++)
                {
                    if (NumberExceeds(lastIntegers[i], integers[i], threshold))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return !baseline.Equals(current);
        }
    }

    private static bool NumberExceeds<TThreshold>(double baseline, double current, TThreshold threshold)
        where TThreshold : struct, IDeadbandThreshold
    {
        if (!double.IsFinite(baseline) || !double.IsFinite(current))
        {
            return !baseline.Equals(current);
        }

        return Math.Abs(current - baseline) > threshold.For(baseline);
    }
}

/// <summary>The largest change a deadband swallows, given the baseline (a struct so the call is inlined).</summary>
internal interface IDeadbandThreshold
{
    double For(double baseline);
}

internal readonly struct AbsoluteThreshold(double limit) : IDeadbandThreshold
{
    public double For(double baseline) => limit;
}

internal readonly struct PercentOfBaselineThreshold(double percent) : IDeadbandThreshold
{
    public double For(double baseline) => Math.Abs(baseline) * percent / 100.0;
}
