using System.Collections.Frozen;

using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Normalization.Steps;

using Microsoft.Extensions.Logging;

using ValueType = Gateway.Configuration.Model.ValueType;

namespace Gateway.Normalization;

/// <summary>
/// One tag's compiled steps and state. Built once from the merged rules; only the steps a rule asks for are in the
/// chain, so a tag without rules costs the timestamp choice and nothing else.
/// </summary>
/// <remarks>
/// The order is fixed: quality policy (so a held value is coerced and scaled like any other), timestamp, type
/// coercion, scale and offset, enum mapping, unit, then the change filters (deadbands, on-change) on the final value.
/// </remarks>
internal sealed class TagChain
{
    private readonly INormalizationStep[] _steps;
    private readonly TagState _state;
    private readonly bool _hasChangeFilter;
    private readonly Lock? _gate;

    private TagChain(ResolvedTag tag, INormalizationStep[] steps, TagState state, bool hasChangeFilter, TagCounters counters, Lock? gate)
    {
        Tag = tag;
        _steps = steps;
        _state = state;
        _hasChangeFilter = hasChangeFilter;
        Counters = counters;
        _gate = gate;
    }

    public ResolvedTag Tag { get; }

    public TagCounters Counters { get; }

    /// <summary>The rule names in the order they run, for tests and diagnostics.</summary>
    public IReadOnlyList<string> StepNames => Array.ConvertAll(_steps, s => s.GetType().Name);

    public static TagChain Compile(ResolvedTag tag, NormalizationCounters counters, TagCounters tagCounters, ILogger logger)
    {
        var rules = tag.Normalize;
        var state = new TagState();
        var steps = new List<INormalizationStep>(9);

        var bad = rules.Bad ?? QualityPolicy.Pass;
        var uncertain = rules.Uncertain ?? QualityPolicy.Pass;
        // 0 turns a deadband off, so a tag can cancel one it inherits from its source or template.
        var deadbandAbsolute = rules.DeadbandAbsolute ?? 0;
        var deadbandPercent = rules.DeadbandPercent ?? 0;
        var onlyOnChange = rules.OnlyOnChange ?? false;
        var hasChangeFilter = deadbandAbsolute > 0 || deadbandPercent > 0 || onlyOnChange;

        // The quality step also marks Bad readings for the change filters (recovery always passes).
        if (bad != QualityPolicy.Pass || uncertain != QualityPolicy.Pass || hasChangeFilter)
        {
            steps.Add(new QualityPolicyStep(bad, uncertain, state, counters));
        }

        steps.Add(new TimestampStep(rules.Timestamp ?? TimestampChoice.Source, rules.MaxClockSkewMs ?? 0, tag, counters, tagCounters, logger));

        if (rules.Type is { } type && type != ValueType.Auto)
        {
            steps.Add(new TypeCoercionStep(type, tag, state, counters, logger));
        }

        var scale = rules.Scale ?? 1.0;
        var offset = rules.Offset ?? 0.0;
        if (scale != 1.0 || offset != 0.0)
        {
            steps.Add(new LinearScaleStep(scale, offset));
        }

        if (rules.Enum is { Count: > 0 } names)
        {
            var map = new Dictionary<long, string>(names.Count);
            foreach (var (key, name) in names)
            {
                if (NormalizationRules.TryParseEnumKey(key, out var number))
                {
                    map[number] = name;
                }
            }

            steps.Add(new EnumMappingStep(map.ToFrozenDictionary(), tag, counters, logger));
        }

        // With unitFromServer and no configured unit, the connector's unit stays as it is: no step needed.
        if (rules.Unit is not null || rules.UnitFromServer != true)
        {
            steps.Add(new EngineeringUnitStep(string.IsNullOrEmpty(rules.Unit) ? null : rules.Unit));
        }

        if (deadbandAbsolute > 0)
        {
            steps.Add(new AbsoluteDeadbandStep(deadbandAbsolute, state, counters));
        }

        if (deadbandPercent > 0)
        {
            steps.Add(new PercentDeadbandStep(deadbandPercent, state, counters));
        }

        if (onlyOnChange)
        {
            steps.Add(new OnlyOnChangeStep(state, counters));
        }

        // Only the quality policy and the change filters share state between readings; a chain without them runs
        // without a lock (the log-once flags of the other steps tolerate a race: at worst a line is logged twice).
        var usesState = steps[0] is QualityPolicyStep;
        return new TagChain(tag, [.. steps], state, hasChangeFilter, tagCounters, usesState ? new Lock() : null);
    }

    /// <summary>The same steps and state under a new definition of the tag (labels or measurement changed on reload).</summary>
    public TagChain WithTag(ResolvedTag tag) => new(tag, _steps, _state, _hasChangeFilter, Counters, _gate);

    /// <summary>Runs the steps; false when one dropped the reading.</summary>
    public bool Run(ref ReadingDraft draft)
    {
        if (_gate is null)
        {
            return RunSteps(ref draft);
        }

        // One tag's readings normally come from one connector loop; the lock only matters when two batches of the
        // same tag overlap (a reconnect), and keeps the state consistent then.
        lock (_gate)
        {
            return RunSteps(ref draft);
        }
    }

    private bool RunSteps(ref ReadingDraft draft)
    {
        foreach (var step in _steps)
        {
            if (!step.Apply(ref draft))
            {
                return false;
            }
        }

        if (_hasChangeFilter)
        {
            _state.RecordEmitted(in draft);
        }

        return true;
    }
}
