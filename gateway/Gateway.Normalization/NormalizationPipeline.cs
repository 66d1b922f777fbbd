using System.Collections.Concurrent;
using System.Collections.Frozen;

using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Core;
using Gateway.Normalization.Steps;

using Microsoft.Extensions.Logging;

namespace Gateway.Normalization;

/// <summary>
/// The second stage of the data path: connectors write raw readings here; each reading runs through its tag's
/// compiled steps (see <see cref="CompiledRules"/> for the order) and the survivors go on to the next writer, the buffer.
/// A reading's rules are found by (source, machine, tag); a reading of an unknown tag passes with the defaults.
/// </summary>
public sealed class NormalizationPipeline : IReadingWriter
{
    /// <summary>How many distinct unknown tags are remembered for the once-per-tag log line.</summary>
    private const int MaxRememberedUnknownTags = 1000;

    private readonly IReadingWriter _next;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly NormalizationCounters _counters = new();
    private readonly ConcurrentDictionary<TagKey, byte> _unknownTagsLogged = new();
    private readonly ConcurrentDictionary<TagKey, byte> _failingTagsLogged = new();
    private readonly Lock _reconfigureGate = new();
    private volatile FrozenDictionary<TagKey, TagChain> _chains = FrozenDictionary<TagKey, TagChain>.Empty;

    /// <summary>Builds the pipeline. Throws <see cref="ArgumentException"/> listing every problem <see cref="NormalizationRules.Validate"/> finds.</summary>
    public NormalizationPipeline(
        IEnumerable<ResolvedTag> tags,
        IReadingWriter next,
        TimeProvider timeProvider,
        ILogger<NormalizationPipeline> logger)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _next = next;
        _timeProvider = timeProvider;
        _logger = logger;
        Reconfigure(tags);
    }

    /// <summary>
    /// Applies reloaded rules. A tag whose merged rules are unchanged keeps its state (deadband baseline, last good
    /// value, skew episode), even if its labels or measurement changed; a tag whose rules changed starts afresh (its
    /// first reading passes); a removed tag is forgotten. Either every tag is applied or, when the rules have
    /// problems, none is and <see cref="ArgumentException"/> lists them.
    /// </summary>
    public void Reconfigure(IEnumerable<ResolvedTag> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var list = tags.ToList();
        var problems = NormalizationRules.Validate(list);
        if (problems.Count > 0)
        {
            throw new ArgumentException(
                "The normalization rules have problems:" + Environment.NewLine + string.Join(Environment.NewLine, problems),
                nameof(tags));
        }

        lock (_reconfigureGate)
        {
            var previous = _chains;
            var chains = new Dictionary<TagKey, TagChain>(list.Count);
            // Compiled once per distinct set of rules and shared by the tags that have it (issue 26, memory).
            var compiled = new Dictionary<NormalizeConfig, CompiledRules>(NormalizeConfigComparer.Instance);
            foreach (var tag in list)
            {
                var known = previous.TryGetValue(tag.Key, out var old);
                if (known && NormalizationRules.AreEquivalent(old.Tag.Normalize, tag.Normalize))
                {
                    chains.Add(tag.Key, old.WithTag(tag));
                    // A changed tag whose new rules equal a kept tag's shares the kept tag's steps.
                    compiled.TryAdd(tag.Normalize, old.Rules);
                    continue;
                }

                if (!compiled.TryGetValue(tag.Normalize, out var rules))
                {
                    rules = CompiledRules.Compile(tag.Normalize, _counters, _logger);
                    compiled.Add(tag.Normalize, rules);
                }

                chains.Add(tag.Key, TagChain.Start(tag, rules, known ? old.State : null));
            }

            _chains = chains.ToFrozenDictionary();
            _unknownTagsLogged.Clear();
        }
    }

    public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var count = readings.Count;
        if (count == 0)
        {
            return ValueTask.CompletedTask;
        }

        var chains = _chains;
        // Made at the first reading that is not passed on as it came (changed, dropped or null): a batch the steps
        // leave as it is goes on as the same list, without a copy.
        Reading[]? output = null;
        var passed = 0;
        var now = default(DateTime);
        for (var i = 0; i < count; i++)
        {
            var reading = readings[i];
            var normalized = reading is null ? null : Normalize(reading, chains, ref now);
            if (output is null)
            {
                if (normalized is not null && ReferenceEquals(normalized, reading))
                {
                    passed++;
                    continue;
                }

                output = new Reading[count];
                for (var j = 0; j < i; j++)
                {
                    output[j] = readings[j];
                }
            }

            if (normalized is not null)
            {
                output[passed++] = normalized;
            }
        }

        Interlocked.Add(ref _counters.ReadingsIn, count);
        Interlocked.Add(ref _counters.ReadingsOut, passed);
        if (passed == 0)
        {
            return ValueTask.CompletedTask;
        }

        IReadOnlyList<Reading> batch = output is null ? readings : passed == count ? output : new ArraySegment<Reading>(output, 0, passed);
        return _next.WriteAsync(batch, cancellationToken);
    }

    /// <summary>A snapshot of the counters, for the metrics endpoint.</summary>
    public NormalizationStatistics GetStatistics()
    {
        var byTag = new Dictionary<TagKey, long>();
        foreach (var (key, chain) in _chains)
        {
            if (chain.State?.Counters is not { } counters)
            {
                continue;
            }

            var corrections = Interlocked.Read(ref counters.ClockSkewCorrections);
            if (corrections > 0)
            {
                byTag.Add(key, corrections);
            }
        }

        var c = _counters;
        return new NormalizationStatistics(
            Interlocked.Read(ref c.ReadingsIn),
            Interlocked.Read(ref c.ReadingsOut),
            Interlocked.Read(ref c.DroppedBad),
            Interlocked.Read(ref c.DroppedUncertain),
            Interlocked.Read(ref c.DroppedDeadbandAbsolute),
            Interlocked.Read(ref c.DroppedDeadbandPercent),
            Interlocked.Read(ref c.DroppedOnlyOnChange),
            Interlocked.Read(ref c.HeldLastGood),
            Interlocked.Read(ref c.TypeCoercionFailures),
            Interlocked.Read(ref c.EnumUnmapped),
            Interlocked.Read(ref c.ClockSkewCorrections),
            Interlocked.Read(ref c.UnknownTagReadings),
            Interlocked.Read(ref c.StepFailures),
            byTag);
    }

    /// <summary>The steps a configured tag runs, in order (null for an unknown tag); for diagnostics and tests.</summary>
    public IReadOnlyList<string>? DescribeSteps(TagKey tag) => _chains.TryGetValue(tag, out var chain) ? chain.Rules.StepNames : null;

    /// <summary>The compiled rules a tag runs (shared by the tags with equal rules); for tests.</summary>
    internal CompiledRules? RulesOf(TagKey tag) => _chains.TryGetValue(tag, out var chain) ? chain.Rules : null;

    /// <summary>What a tag remembers (null when its rules remember nothing, or for an unknown tag); for tests.</summary>
    internal TagState? StateOf(TagKey tag) => _chains.TryGetValue(tag, out var chain) ? chain.State : null;

    private Reading? Normalize(Reading reading, FrozenDictionary<TagKey, TagChain> chains, ref DateTime now)
    {
        var gatewayTimestamp = reading.GatewayTimestamp;
        if (gatewayTimestamp == default)
        {
            // One clock read per batch: every reading of a batch arrived together.
            if (now == default)
            {
                now = _timeProvider.GetUtcNow().UtcDateTime;
            }

            gatewayTimestamp = now;
        }

        var key = new TagKey(reading.Source, reading.Machine, reading.Tag);
        if (!chains.TryGetValue(key, out var chain))
        {
            return PassUnknown(reading, key, gatewayTimestamp);
        }

        try
        {
            var draft = new ReadingDraft(reading, gatewayTimestamp);
            return chain.Run(ref draft) ? draft.ToReading(chain.Tag) : null;
        }
        catch (Exception ex)
        {
            // A bug in a step must cost one reading its rules, never the connector its pipeline.
            Interlocked.Increment(ref _counters.StepFailures);
            if (_failingTagsLogged.TryAdd(key, 0))
            {
                _logger.LogError(ex, "Normalizing a reading of tag {Source}/{Machine}/{Tag} failed; passing it with the default rules. Please report this.", key.Source, key.Machine, key.Tag);
            }

            var fallback = new ReadingDraft(reading, gatewayTimestamp);
            TimestampStep.ApplyDefault(ref fallback);
            return fallback.ToReading(chain.Tag);
        }
    }

    private Reading PassUnknown(Reading reading, TagKey key, DateTime gatewayTimestamp)
    {
        Interlocked.Increment(ref _counters.UnknownTagReadings);
        if (_unknownTagsLogged.Count < MaxRememberedUnknownTags && _unknownTagsLogged.TryAdd(key, 0))
        {
            _logger.LogDebug(
                "Tag {Source}/{Machine}/{Tag} has no normalization rules; passing its readings with the defaults (source timestamp, no other change).",
                key.Source, key.Machine, key.Tag);
        }

        var draft = new ReadingDraft(reading, gatewayTimestamp);
        TimestampStep.ApplyDefault(ref draft);
        return draft.ToReading(null);
    }
}
