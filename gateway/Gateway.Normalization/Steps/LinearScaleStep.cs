using Gateway.Configuration;
using Gateway.Core;

namespace Gateway.Normalization.Steps;

/// <summary>
/// <c>scale</c> and <c>offset</c>: value * scale + offset, for numbers and numeric arrays. The result is always a
/// double, so a series keeps one field type in InfluxDB whatever the raw type was. Booleans, text and null pass unchanged.
/// </summary>
internal sealed class LinearScaleStep(double scale, double offset) : INormalizationStep
{
    public bool Apply(ref ReadingDraft draft, TagState? state, ResolvedTag tag)
    {
        switch (draft.Value.Kind)
        {
            case ValueKind.Double:
                draft.Value = ReadingValue.FromDouble((draft.Value.AsDouble() * scale) + offset);
                break;
            case ValueKind.Int64:
                draft.Value = ReadingValue.FromDouble((draft.Value.AsInt64() * scale) + offset);
                break;
            case ValueKind.DoubleArray:
                draft.Value = ReadingValue.FromArray(Array.ConvertAll(draft.Value.AsDoubleArray(), v => (v * scale) + offset));
                break;
            case ValueKind.Int64Array:
                draft.Value = ReadingValue.FromArray(Array.ConvertAll(draft.Value.AsInt64Array(), v => (v * scale) + offset));
                break;
        }

        return true;
    }
}
