using System.Globalization;

using Gateway.Configuration;
using Gateway.Core;

using Microsoft.Extensions.Logging;

using ValueType = Gateway.Configuration.Model.ValueType;

namespace Gateway.Normalization.Steps;

/// <summary>
/// <c>type</c>: turns the value as received into the configured type (an Int16 spindle override into a double, a
/// state sent as text into an integer). A value that cannot be converted never stops the pipeline: the reading goes
/// on with a null value and status BadTypeMismatch (unless it was Bad already), counted and logged once per episode.
/// </summary>
internal sealed class TypeCoercionStep(
    ValueType target,
    NormalizationCounters counters,
    ILogger logger) : INormalizationStep
{
    /// <summary>Part 4, 7.39: BadTypeMismatch, the value is not of the expected type.</summary>
    public const uint BadTypeMismatch = 0x80740000;

    public bool Apply(ref ReadingDraft draft, TagState? state, ResolvedTag tag)
    {
        var episode = state!;
        if (draft.Value.IsNull)
        {
            // Part 4, 7.11.1: a Bad value is null; nothing to convert.
            return true;
        }

        if (TryCoerce(draft.Value, target, out var coerced))
        {
            draft.Value = coerced;
            episode.InTypeFailureEpisode = false;
            return true;
        }

        Interlocked.Increment(ref counters.TypeCoercionFailures);
        if (!episode.InTypeFailureEpisode)
        {
            episode.InTypeFailureEpisode = true;
            logger.LogWarning(
                "Tag {Source}/{Machine}/{Tag} ({Location}): the value {Value} ({Kind}) cannot become {Type}; passing it as Bad (BadTypeMismatch) until a value converts again. Check the tag's nodeId, or set `normalize.type` to auto or string.",
                tag.Source, tag.Machine, tag.Tag, tag.Location?.ToString() ?? "no file", Shorten(draft.Value.ToString()), draft.Value.Kind, target);
        }

        draft.Value = ReadingValue.Null;
        if (draft.Quality != Quality.Bad)
        {
            draft.StatusCode = BadTypeMismatch;
            draft.Quality = Quality.Bad;
        }

        episode.RecoveryPending = true;
        return true;
    }

    internal static bool TryCoerce(ReadingValue value, ValueType target, out ReadingValue result)
    {
        result = value;
        return target switch
        {
            ValueType.Double => ToDouble(value, out result),
            ValueType.Integer => ToInteger(value, out result),
            ValueType.Boolean => ToBoolean(value, out result),
            ValueType.String => ToText(value, out result),
            _ => true,
        };
    }

    private static bool ToDouble(ReadingValue value, out ReadingValue result)
    {
        result = value;
        switch (value.Kind)
        {
            case ValueKind.Double:
            case ValueKind.DoubleArray:
                return true;
            case ValueKind.Int64:
            case ValueKind.Boolean:
                result = ReadingValue.FromDouble(value.TryGetNumber()!.Value);
                return true;
            case ValueKind.String:
                if (ParseDouble(value.AsString(), out var parsed))
                {
                    result = ReadingValue.FromDouble(parsed);
                    return true;
                }

                return false;
            case ValueKind.Int64Array:
                result = ReadingValue.FromArray(Array.ConvertAll(value.AsInt64Array(), v => (double)v));
                return true;
            case ValueKind.BooleanArray:
                result = ReadingValue.FromArray(Array.ConvertAll(value.AsBooleanArray(), v => v ? 1.0 : 0.0));
                return true;
            case ValueKind.StringArray:
                var texts = value.AsStringArray();
                var numbers = new double[texts.Length];
                for (var i = 0; i < texts.Length; i++)
                {
                    if (!ParseDouble(texts[i], out numbers[i]))
                    {
                        return false;
                    }
                }

                result = ReadingValue.FromArray(numbers);
                return true;
            default:
                return false;
        }
    }

    private static bool ToInteger(ReadingValue value, out ReadingValue result)
    {
        result = value;
        switch (value.Kind)
        {
            case ValueKind.Int64:
            case ValueKind.Int64Array:
                return true;
            case ValueKind.Boolean:
                result = ReadingValue.FromInt64(value.AsBoolean() ? 1 : 0);
                return true;
            case ValueKind.Double:
                if (RoundToInt64(value.AsDouble(), out var rounded))
                {
                    result = ReadingValue.FromInt64(rounded);
                    return true;
                }

                return false;
            case ValueKind.String:
                if (ParseInteger(value.AsString(), out var parsed))
                {
                    result = ReadingValue.FromInt64(parsed);
                    return true;
                }

                return false;
            case ValueKind.DoubleArray:
                var doubles = value.AsDoubleArray();
                var fromDoubles = new long[doubles.Length];
                for (var i = 0; i < doubles.Length; i++)
                {
                    if (!RoundToInt64(doubles[i], out fromDoubles[i]))
                    {
                        return false;
                    }
                }

                result = ReadingValue.FromArray(fromDoubles);
                return true;
            case ValueKind.BooleanArray:
                result = ReadingValue.FromArray(Array.ConvertAll(value.AsBooleanArray(), v => v ? 1L : 0L));
                return true;
            case ValueKind.StringArray:
                var texts = value.AsStringArray();
                var fromTexts = new long[texts.Length];
                for (var i = 0; i < texts.Length; i++)
                {
                    if (!ParseInteger(texts[i], out fromTexts[i]))
                    {
                        return false;
                    }
                }

                result = ReadingValue.FromArray(fromTexts);
                return true;
            default:
                return false;
        }
    }

    private static bool ToBoolean(ReadingValue value, out ReadingValue result)
    {
        result = value;
        switch (value.Kind)
        {
            case ValueKind.Boolean:
            case ValueKind.BooleanArray:
                return true;
            case ValueKind.Int64:
                result = ReadingValue.FromBoolean(value.AsInt64() != 0);
                return true;
            case ValueKind.Double:
                var number = value.AsDouble();
                if (double.IsNaN(number))
                {
                    return false;
                }

                result = ReadingValue.FromBoolean(number != 0);
                return true;
            case ValueKind.String:
                if (ParseBoolean(value.AsString(), out var parsed))
                {
                    result = ReadingValue.FromBoolean(parsed);
                    return true;
                }

                return false;
            case ValueKind.Int64Array:
                result = ReadingValue.FromArray(Array.ConvertAll(value.AsInt64Array(), v => v != 0));
                return true;
            case ValueKind.DoubleArray:
                var doubles = value.AsDoubleArray();
                if (Array.Exists(doubles, double.IsNaN))
                {
                    return false;
                }

                result = ReadingValue.FromArray(Array.ConvertAll(doubles, v => v != 0));
                return true;
            case ValueKind.StringArray:
                var texts = value.AsStringArray();
                var flags = new bool[texts.Length];
                for (var i = 0; i < texts.Length; i++)
                {
                    if (!ParseBoolean(texts[i], out flags[i]))
                    {
                        return false;
                    }
                }

                result = ReadingValue.FromArray(flags);
                return true;
            default:
                return false;
        }
    }

    private static bool ToText(ReadingValue value, out ReadingValue result)
    {
        result = value.Kind switch
        {
            ValueKind.String or ValueKind.StringArray => value,
            ValueKind.DoubleArray => ReadingValue.FromArray(Array.ConvertAll(value.AsDoubleArray(), v => v.ToString("R", CultureInfo.InvariantCulture))),
            ValueKind.Int64Array => ReadingValue.FromArray(Array.ConvertAll(value.AsInt64Array(), v => v.ToString(CultureInfo.InvariantCulture))),
            ValueKind.BooleanArray => ReadingValue.FromArray(Array.ConvertAll(value.AsBooleanArray(), v => v ? "true" : "false")),
            _ => ReadingValue.FromString(value.ToString()),
        };
        return true;
    }

    private static bool ParseDouble(string text, out double number) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number);

    private static bool ParseInteger(string text, out long number)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out number))
        {
            return true;
        }

        // "12.0" or "1e3" from a device that formats everything as floating point.
        return ParseDouble(text, out var asDouble) && RoundToInt64(asDouble, out number);
    }

    private static bool ParseBoolean(string text, out bool flag)
    {
        var trimmed = text.AsSpan().Trim();
        if (bool.TryParse(trimmed, out flag))
        {
            return true;
        }

        if (trimmed.SequenceEqual("1"))
        {
            flag = true;
            return true;
        }

        if (trimmed.SequenceEqual("0"))
        {
            flag = false;
            return true;
        }

        return false;
    }

    private static bool RoundToInt64(double number, out long rounded)
    {
        // 2^63 is exactly representable; anything at or beyond it (or NaN) has no Int64.
        var nearest = Math.Round(number, MidpointRounding.AwayFromZero);
        if (double.IsNaN(nearest) || nearest >= 9.2233720368547758E18 || nearest < -9.2233720368547758E18)
        {
            rounded = 0;
            return false;
        }

        rounded = (long)nearest;
        return true;
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 61), "...");
}
