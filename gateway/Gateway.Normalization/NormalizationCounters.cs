namespace Gateway.Normalization;

/// <summary>Pipeline-wide counters, shared by every tag's steps and incremented without locks.</summary>
internal sealed class NormalizationCounters
{
    public long ReadingsIn;
    public long ReadingsOut;
    public long DroppedBad;
    public long DroppedUncertain;
    public long DroppedDeadbandAbsolute;
    public long DroppedDeadbandPercent;
    public long DroppedOnlyOnChange;
    public long HeldLastGood;
    public long TypeCoercionFailures;
    public long EnumUnmapped;
    public long ClockSkewCorrections;
    public long UnknownTagReadings;
    public long StepFailures;
}

/// <summary>Counters of one tag that outlive a change of its rules on reload.</summary>
internal sealed class TagCounters
{
    public long ClockSkewCorrections;
}
