using Gateway.Configuration;
using Gateway.Configuration.Model;

using Microsoft.Extensions.Logging;

namespace Gateway.Normalization.Steps;

/// <summary>
/// <c>timestamp</c> and <c>maxClockSkewMs</c>: sets the timestamp sinks publish. A missing timestamp (the server
/// sent none) falls back source → server → gateway. With the skew guard on, a chosen timestamp further than the
/// limit from the gateway clock (a PLC clock at 1970, or an hour off after a time-zone mistake) is replaced by the
/// gateway time, counted, and logged once per episode.
/// </summary>
internal sealed class TimestampStep : INormalizationStep
{
    private readonly TimestampChoice _choice;
    private readonly long _maxSkewTicks;
    private readonly ResolvedTag? _tag;
    private readonly NormalizationCounters? _counters;
    private readonly TagCounters? _tagCounters;
    private readonly ILogger? _logger;
    private bool _inSkewEpisode;

    /// <summary>The step for tags without rules: source timestamp, no guard, no state (safe to share).</summary>
    public static TimestampStep Default { get; } = new(TimestampChoice.Source);

    public TimestampStep(TimestampChoice choice)
    {
        _choice = choice;
    }

    public TimestampStep(
        TimestampChoice choice,
        int maxClockSkewMs,
        ResolvedTag tag,
        NormalizationCounters counters,
        TagCounters tagCounters,
        ILogger logger)
    {
        _choice = choice;
        _maxSkewTicks = maxClockSkewMs * TimeSpan.TicksPerMillisecond;
        _tag = tag;
        _counters = counters;
        _tagCounters = tagCounters;
        _logger = logger;
    }

    public bool Apply(ref ReadingDraft draft)
    {
        var chosen = Choose(in draft);
        if (_maxSkewTicks > 0 && _choice != TimestampChoice.Gateway)
        {
            var skewTicks = chosen.Ticks - draft.GatewayTimestamp.Ticks;
            if (Math.Abs(skewTicks) > _maxSkewTicks)
            {
                Interlocked.Increment(ref _counters!.ClockSkewCorrections);
                Interlocked.Increment(ref _tagCounters!.ClockSkewCorrections);
                if (!_inSkewEpisode)
                {
                    _inSkewEpisode = true;
                    _logger!.LogWarning(
                        "Tag {Source}/{Machine}/{Tag} ({Location}): the {Choice} timestamp {Timestamp:O} is {Skew} away from the gateway clock, more than maxClockSkewMs {Limit} ms; using the gateway time until it is back within the limit. Fix the device clock (NTP), or set `normalize.timestamp: gateway` for this tag.",
                        _tag!.Source, _tag.Machine, _tag.Tag, _tag.Location?.ToString() ?? "no file", _choice, chosen, TimeSpan.FromTicks(skewTicks), _maxSkewTicks / TimeSpan.TicksPerMillisecond);
                }

                chosen = draft.GatewayTimestamp;
            }
            else if (_inSkewEpisode)
            {
                _inSkewEpisode = false;
                _logger!.LogInformation(
                    "Tag {Source}/{Machine}/{Tag}: the {Choice} timestamp is back within maxClockSkewMs of the gateway clock.",
                    _tag!.Source, _tag.Machine, _tag.Tag, _choice);
            }
        }

        draft.Timestamp = chosen;
        return true;
    }

    private DateTime Choose(in ReadingDraft draft)
    {
        var source = draft.Original.SourceTimestamp;
        var server = draft.Original.ServerTimestamp;
        // Part 4, 7.11: a server may omit either timestamp (DateTime.MinValue); take the next best one.
        return _choice switch
        {
            TimestampChoice.Server => server != default ? server : source != default ? source : draft.GatewayTimestamp,
            TimestampChoice.Gateway => draft.GatewayTimestamp,
            _ => source != default ? source : server != default ? server : draft.GatewayTimestamp,
        };
    }
}
