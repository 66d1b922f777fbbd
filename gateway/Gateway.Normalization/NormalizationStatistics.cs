using Gateway.Configuration;

namespace Gateway.Normalization;

/// <summary>
/// A snapshot of the pipeline's counters since it started (they survive <see cref="NormalizationPipeline.Reconfigure"/>),
/// for the metrics endpoint. Every count is monotonic.
/// </summary>
/// <param name="ReadingsIn">Readings written to the pipeline.</param>
/// <param name="ReadingsOut">Readings passed on to the buffer.</param>
/// <param name="DroppedBad">Bad readings dropped by <c>bad: drop</c>.</param>
/// <param name="DroppedUncertain">Uncertain readings dropped by <c>uncertain: drop</c>.</param>
/// <param name="DroppedDeadbandAbsolute">Readings dropped by <c>deadbandAbsolute</c>.</param>
/// <param name="DroppedDeadbandPercent">Readings dropped by <c>deadbandPercent</c>.</param>
/// <param name="DroppedOnlyOnChange">Readings dropped by <c>onlyOnChange</c>.</param>
/// <param name="HeldLastGood">Bad or Uncertain readings that carried the last good value (<c>holdLastGood</c>).</param>
/// <param name="TypeCoercionFailures">Values that could not become the configured <c>type</c> (passed as Bad, BadTypeMismatch).</param>
/// <param name="EnumUnmapped">Numbers that had no name in the tag's <c>enum</c> map (passed as the number).</param>
/// <param name="ClockSkewCorrections">Readings whose chosen timestamp was replaced by the gateway time (all tags).</param>
/// <param name="UnknownTagReadings">Readings of tags that have no configured rules (passed with the defaults).</param>
/// <param name="StepFailures">Readings on which a step failed unexpectedly (passed with the defaults; a bug to report).</param>
/// <param name="ClockSkewCorrectionsByTag">Clock-skew corrections per configured tag that had at least one.</param>
public sealed record NormalizationStatistics(
    long ReadingsIn,
    long ReadingsOut,
    long DroppedBad,
    long DroppedUncertain,
    long DroppedDeadbandAbsolute,
    long DroppedDeadbandPercent,
    long DroppedOnlyOnChange,
    long HeldLastGood,
    long TypeCoercionFailures,
    long EnumUnmapped,
    long ClockSkewCorrections,
    long UnknownTagReadings,
    long StepFailures,
    IReadOnlyDictionary<TagKey, long> ClockSkewCorrectionsByTag)
{
    /// <summary>Every reading dropped on purpose, by any rule.</summary>
    public long Dropped => DroppedBad + DroppedUncertain + DroppedDeadbandAbsolute + DroppedDeadbandPercent + DroppedOnlyOnChange;
}
