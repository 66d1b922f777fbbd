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
    private readonly NormalizationCounters? _counters;
    private readonly ILogger? _logger;

    /// <summary>The step without a skew guard: no counters, no log, nothing per tag.</summary>
    public TimestampStep(TimestampChoice choice)
    {
        _choice = choice;
    }

    /// <summary>The step with a skew guard; a tag whose rules use it has a <see cref="TagState"/> with <see cref="TagState.Counters"/>.</summary>
    public TimestampStep(TimestampChoice choice, int maxClockSkewMs, NormalizationCounters counters, ILogger logger)
    {
        _choice = choice;
        _maxSkewTicks = maxClockSkewMs * TimeSpan.TicksPerMillisecond;
        _counters = counters;
        _logger = logger;
    }

    /// <summary>Whether the skew guard is on: then the step needs the tag's state (its episode and counter).</summary>
    public bool GuardsSkew => _maxSkewTicks > 0 && _choice != TimestampChoice.Gateway;

    /// <summary>The rule for readings without rules (unknown tags, a failed step): the source timestamp, else the next best.</summary>
    public static void ApplyDefault(ref ReadingDraft draft) => draft.Timestamp = Choose(TimestampChoice.Source, in draft);

    public bool Apply(ref ReadingDraft draft, TagState? state, ResolvedTag tag)
    {
        var chosen = Choose(_choice, in draft);
        if (GuardsSkew)
        {
            var episode = state!;
            var skewTicks = chosen.Ticks - draft.GatewayTimestamp.Ticks;
            if (Math.Abs(skewTicks) > _maxSkewTicks)
            {
                Interlocked.Increment(ref _counters!.ClockSkewCorrections);
                Interlocked.Increment(ref episode.Counters!.ClockSkewCorrections);
                if (!episode.InSkewEpisode)
                {
                    episode.InSkewEpisode = true;
                    _logger!.LogWarning(
                        "Tag {Source}/{Machine}/{Tag} ({Location}): the {Choice} timestamp {Timestamp:O} is {Skew} away from the gateway clock, more than maxClockSkewMs {Limit} ms; using the gateway time until it is back within the limit. Fix the device clock (NTP), or set `normalize.timestamp: gateway` for this tag.",
                        tag.Source, tag.Machine, tag.Tag, tag.Location?.ToString() ?? "no file", _choice, chosen, TimeSpan.FromTicks(skewTicks), _maxSkewTicks / TimeSpan.TicksPerMillisecond);
                }

                chosen = draft.GatewayTimestamp;
            }
            else if (episode.InSkewEpisode)
            {
                episode.InSkewEpisode = false;
                _logger!.LogInformation(
                    "Tag {Source}/{Machine}/{Tag}: the {Choice} timestamp is back within maxClockSkewMs of the gateway clock.",
                    tag.Source, tag.Machine, tag.Tag, _choice);
            }
        }

        draft.Timestamp = chosen;
        return true;
    }

    private static DateTime Choose(TimestampChoice choice, in ReadingDraft draft)
    {
        var source = draft.Original.SourceTimestamp;
        var server = draft.Original.ServerTimestamp;
        // Part 4, 7.11: a server may omit either timestamp (DateTime.MinValue); take the next best one.
        return choice switch
        {
            TimestampChoice.Server => server != default ? server : source != default ? source : draft.GatewayTimestamp,
            TimestampChoice.Gateway => draft.GatewayTimestamp,
            _ => source != default ? source : server != default ? server : draft.GatewayTimestamp,
        };
    }
}
