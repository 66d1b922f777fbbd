using System.Collections.Concurrent;
using Gateway.Core;

namespace Gateway.Host.WebConsole;

/// <summary>
/// The last normalized reading of every tag, and a short trend of each numeric one, for the console's machine page.
/// Sits between normalization and the buffer and passes every reading on unchanged.
/// </summary>
/// <remarks>
/// On the hot path: two dictionary lookups and a few field writes under the tag's lock per reading. The trend keeps one
/// point per <see cref="TrendStep"/> slot for <see cref="TrendCapacity"/> slots (`http.console.trendMinutes`; unset, ten
/// minutes up to 10,000 tags and shorter above: <see cref="AutomaticTrendPoints"/>) as a float per slot (4 bytes; the
/// slot's time follows from its place), grown as points come: a tag whose value never changes, or a gateway in its
/// first minutes, does not hold ten minutes of empty trend.
/// </remarks>
/// <param name="next">Where every reading goes on, unchanged.</param>
/// <param name="trendPoints">Slots of trend kept per numeric tag; 0 keeps no trend (only the latest reading).</param>
public sealed class LatestReadings(IReadingWriter next, int trendPoints = LatestReadings.TrendPoints) : IReadingWriter
{
    public static readonly TimeSpan TrendStep = new(TrendStepTicks);

    /// <summary><see cref="TrendStep"/> as a constant (a division by it is a multiplication).</summary>
    internal const long TrendStepTicks = 5 * TimeSpan.TicksPerSecond;

    /// <summary>Ten minutes at one point per <see cref="TrendStep"/>: the default trend.</summary>
    public const int TrendPoints = 120;

    /// <summary>Slots of trend kept per numeric tag (0: none).</summary>
    public int TrendCapacity { get; } = trendPoints >= 0 ? trendPoints : throw new ArgumentOutOfRangeException(nameof(trendPoints), trendPoints, "no trend is 0 points");

    /// <summary>The slots that cover <paramref name="window"/>.</summary>
    public static int TrendPointsFor(TimeSpan window) => (int)(window.Ticks / TrendStepTicks);

    /// <summary>Trend points of all tags together when `http.console.trendMinutes` is not set: about 5 MB of floats.</summary>
    public const int AutomaticTrendBudget = 1_200_000;

    /// <summary>The shortest trend a tag keeps when `http.console.trendMinutes` is not set: one minute.</summary>
    public const int AutomaticTrendMinimum = 12;

    /// <summary>
    /// Slots per tag when `http.console.trendMinutes` is not set: ten minutes up to 10,000 tags, then
    /// <see cref="AutomaticTrendBudget"/> shared by the tags, down to one minute (12 slots at 100,000 tags).
    /// </summary>
    /// <remarks>
    /// Ten minutes of trend cost about 0.5 kB a numeric tag, the largest thing a gateway of 100,000 tags held per tag
    /// (about 50 MB: docs/performance.md). The trend is a glance at a tag's recent course, not its history (the sinks
    /// keep that), so a large gateway keeps a shorter one unless its configuration asks for more.
    /// </remarks>
    public static int AutomaticTrendPoints(int tags) =>
        Math.Clamp(AutomaticTrendBudget / Math.Max(tags, 1), AutomaticTrendMinimum, TrendPoints);

    /// <summary>Slots per tag for `http.console.trendMinutes` (null: not set) in a gateway of <paramref name="tags"/> tags.</summary>
    public static int TrendPointsFor(int? trendMinutes, int tags) =>
        trendMinutes is { } minutes ? TrendPointsFor(TimeSpan.FromMinutes(minutes)) : AutomaticTrendPoints(tags);

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, LatestTag>> _machines = new(StringComparer.Ordinal);

    public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
    {
        ConcurrentDictionary<string, LatestTag>? tags = null;
        string? machine = null;
        for (var i = 0; i < readings.Count; i++)
        {
            var reading = readings[i];
            // A machine's readings come together in a batch: its tags are looked up once per run of them.
            if (tags is null || !string.Equals(reading.Machine, machine, StringComparison.Ordinal))
            {
                machine = reading.Machine;
                tags = _machines.GetOrAdd(machine, static _ => new ConcurrentDictionary<string, LatestTag>(StringComparer.Ordinal));
            }

            tags.GetOrAdd(reading.Tag, static _ => new LatestTag()).Record(reading, TrendCapacity);
        }

        return next.WriteAsync(readings, cancellationToken);
    }

    public IReadOnlyCollection<string> Machines => [.. _machines.Keys];

    /// <summary>The tags of a machine that sent readings, by name; null when it sent none.</summary>
    public IReadOnlyDictionary<string, LatestTag>? Of(string machine) => _machines.TryGetValue(machine, out var tags) ? tags : null;
}

/// <summary>What the console shows of a tag's latest reading: its value, quality, status, source timestamp and unit.</summary>
public sealed record ShownReading(ReadingValue Value, Quality Quality, uint StatusCode, DateTime SourceTimestamp, string? Unit);

/// <summary>One tag: what the console shows of its latest reading, and the trend of its numeric values.</summary>
/// <remarks>
/// The parts shown are copied out of the reading rather than the reading kept: the reading (144 bytes with the parts
/// no page shows) can then die young instead of being held by a long-lived tag until the next one replaces it.
/// A trend point is the first reading of its <see cref="LatestReadings.TrendStep"/> slot (slots counted from
/// <see cref="DateTime.MinValue"/>), stored as a float offset from an anchor, the value of the trend's first
/// point: 24 bits relative to the distance from it, far finer than the 28 pixels the line is drawn in, and a counter
/// far from zero keeps its small steps. The value shown as the latest stays exact.
/// </remarks>
public sealed class LatestTag
{
    private const int FirstTrendPoints = 8;
    private const long StepTicks = LatestReadings.TrendStepTicks;

    // Guarded by the tag itself (lock (this)): a Lock object per tag would add 40 bytes to each; the tag is only
    // handed to the console's own code, which never locks it.
    private ReadingValue _value;
    private DateTime _sourceTimestamp;
    private string? _unit;
    private uint _statusCode;
    private Quality _quality;
    private bool _hasReading;

    // Slot s is at s % _points.Length; NaN marks a slot no reading came in. _slots slots end at _newestSlot, which
    // always holds a point; a reading before _nextSlotTicks adds none (compared before any division).
    private float[]? _points;
    private int _slots;
    private DateTimeKind _kind;
    private long _newestSlot;
    private long _nextSlotTicks;
    private double _anchor;

    /// <summary>The latest reading's parts the console shows; null before the first reading.</summary>
    public ShownReading? Latest
    {
        get
        {
            lock (this)
            {
                return _hasReading ? new ShownReading(_value, _quality, _statusCode, _sourceTimestamp, _unit) : null;
            }
        }
    }

    internal void Record(Reading reading, int trendPoints)
    {
        lock (this)
        {
            _value = reading.Value;
            _quality = reading.Quality;
            _statusCode = reading.StatusCode;
            _sourceTimestamp = reading.SourceTimestamp;
            _unit = reading.Unit;
            _hasReading = true;

            // NaN and infinities draw no line (and JSON has no number for them).
            if (trendPoints > 0 && reading.Value.TryGetNumber() is { } number && double.IsFinite(number))
            {
                AddPoint(reading.Timestamp, number, trendPoints);
            }
        }
    }

    private void AddPoint(DateTime at, double number, int capacity)
    {
        // The first reading of a slot is its point; a reading of the newest slot or an older one adds none.
        if (_slots > 0 && at.Ticks < _nextSlotTicks)
        {
            return;
        }

        var slot = at.Ticks / StepTicks;
        var advance = _slots == 0 ? long.MaxValue : slot - _newestSlot;

        if (advance >= capacity)
        {
            // Nothing kept is within the trend's window of this point: the trend starts again from it.
            _slots = 0;
            _anchor = number;
            advance = 1;
        }

        var offset = (float)(number - _anchor);
        if (!float.IsFinite(offset))
        {
            return;
        }

        var slots = (int)Math.Min(_slots + advance, capacity);
        if (_points is null || slots > _points.Length)
        {
            Grow(slots, capacity);
        }

        var points = _points!;
        for (var missing = slot - advance + 1; missing < slot; missing++)
        {
            points[missing % points.Length] = float.NaN;
        }

        points[slot % points.Length] = offset;
        _slots = slots;
        _newestSlot = slot;
        _nextSlotTicks = (slot + 1) * StepTicks;
        _kind = at.Kind;
    }

    /// <summary>Room for at least <paramref name="slots"/> slots (8, 16, ... up to the capacity), the kept ones moved over.</summary>
    private void Grow(int slots, int capacity)
    {
        var length = FirstTrendPoints;
        while (length < slots)
        {
            length *= 2;
        }

        var grown = new float[Math.Min(length, capacity)];
        for (var slot = _newestSlot - _slots + 1; slot <= _newestSlot; slot++)
        {
            grown[slot % grown.Length] = _points![slot % _points.Length];
        }

        _points = grown;
    }

    /// <summary>
    /// The trend points, oldest first: the start of each slot of the trend's window (ten minutes by default) that had
    /// a reading, with the first value read in it (to a float's precision).
    /// </summary>
    public IReadOnlyList<(DateTime At, double Value)> Trend()
    {
        lock (this)
        {
            var points = new List<(DateTime, double)>(_slots);
            for (var slot = _newestSlot - _slots + 1; slot <= _newestSlot; slot++)
            {
                var offset = _points![slot % _points.Length];
                if (!float.IsNaN(offset))
                {
                    points.Add((new DateTime(slot * StepTicks, _kind), _anchor + offset));
                }
            }

            return points;
        }
    }
}
