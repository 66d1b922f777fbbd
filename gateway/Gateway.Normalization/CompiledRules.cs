using System.Collections.Frozen;

using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Normalization.Steps;

using Microsoft.Extensions.Logging;

using ValueType = Gateway.Configuration.Model.ValueType;

namespace Gateway.Normalization;

/// <summary>
/// The steps one set of merged rules compiles to. Immutable, so the pipeline builds it once per distinct set of rules
/// and every tag with equal rules shares it (most tags of a group have the same); what a tag remembers is its
/// <see cref="TagState"/>. Only the steps a rule asks for are in it, so a tag without rules costs the timestamp choice
/// and nothing else.
/// </summary>
/// <remarks>
/// The order is fixed: quality policy (so a held value is coerced and scaled like any other), timestamp, type
/// coercion, scale and offset, enum mapping, unit, then the change filters (deadbands, on-change) on the final value.
/// </remarks>
internal sealed class CompiledRules
{
    private readonly INormalizationStep[] _steps;

    private CompiledRules(INormalizationStep[] steps, bool hasChangeFilter, bool needsState, bool guardsSkew)
    {
        _steps = steps;
        HasChangeFilter = hasChangeFilter;
        NeedsState = needsState;
        GuardsSkew = guardsSkew;
        // Only the quality policy and the change filters share state between readings in a way a race could break.
        NeedsLock = steps.Length > 0 && steps[0] is QualityPolicyStep;
    }

    /// <summary>A deadband or on-change filter is on: the chain records every reading it passes on.</summary>
    public bool HasChangeFilter { get; }

    /// <summary>A step remembers something per tag (a baseline, the last good value, a log-once episode, a skew count).</summary>
    public bool NeedsState { get; }

    /// <summary>The readings of a tag run under its state's lock.</summary>
    public bool NeedsLock { get; }

    /// <summary>The skew guard is on: the tag counts its own corrections.</summary>
    public bool GuardsSkew { get; }

    /// <summary>The rule names in the order they run, for tests and diagnostics.</summary>
    public IReadOnlyList<string> StepNames => Array.ConvertAll(_steps, s => s.GetType().Name);

    public static CompiledRules Compile(NormalizeConfig rules, NormalizationCounters counters, ILogger logger)
    {
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
            steps.Add(new QualityPolicyStep(bad, uncertain, counters));
        }

        var choice = rules.Timestamp ?? TimestampChoice.Source;
        var timestamp = rules.MaxClockSkewMs is > 0 ? new TimestampStep(choice, rules.MaxClockSkewMs.Value, counters, logger) : new TimestampStep(choice);
        steps.Add(timestamp);

        var coerces = rules.Type is { } type && type != ValueType.Auto;
        if (coerces)
        {
            steps.Add(new TypeCoercionStep(rules.Type!.Value, counters, logger));
        }

        var scale = rules.Scale ?? 1.0;
        var offset = rules.Offset ?? 0.0;
        if (scale != 1.0 || offset != 0.0)
        {
            steps.Add(new LinearScaleStep(scale, offset));
        }

        var mapsEnum = rules.Enum is { Count: > 0 };
        if (mapsEnum)
        {
            var map = new Dictionary<long, string>(rules.Enum!.Count);
            foreach (var (key, name) in rules.Enum)
            {
                if (NormalizationRules.TryParseEnumKey(key, out var number))
                {
                    map[number] = name;
                }
            }

            steps.Add(new EnumMappingStep(map.ToFrozenDictionary(), counters, logger));
        }

        // With unitFromServer and no configured unit, the connector's unit stays as it is: no step needed.
        if (rules.Unit is not null || rules.UnitFromServer != true)
        {
            steps.Add(new EngineeringUnitStep(string.IsNullOrEmpty(rules.Unit) ? null : rules.Unit));
        }

        if (deadbandAbsolute > 0)
        {
            steps.Add(new AbsoluteDeadbandStep(deadbandAbsolute, counters));
        }

        if (deadbandPercent > 0)
        {
            steps.Add(new PercentDeadbandStep(deadbandPercent, counters));
        }

        if (onlyOnChange)
        {
            steps.Add(new OnlyOnChangeStep(counters));
        }

        var needsState = steps[0] is QualityPolicyStep || timestamp.GuardsSkew || coerces || mapsEnum;
        return new CompiledRules([.. steps], hasChangeFilter, needsState, timestamp.GuardsSkew);
    }

    /// <summary>Runs the steps on one reading of a tag; false when one dropped it.</summary>
    public bool Run(ref ReadingDraft draft, TagState? state, ResolvedTag tag)
    {
        foreach (var step in _steps)
        {
            if (!step.Apply(ref draft, state, tag))
            {
                return false;
            }
        }

        if (HasChangeFilter)
        {
            state!.RecordEmitted(in draft);
        }

        return true;
    }
}
