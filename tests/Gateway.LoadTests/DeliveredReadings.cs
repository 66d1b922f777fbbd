using System.Buffers;
using System.Text.Json;
using Gateway.Simulator;

namespace Gateway.LoadTests;

/// <summary>
/// Everything an MQTT subscriber received, reduced as it arrives to what the checker needs: per series the ticks
/// (recovered from the values, <see cref="TickValues"/>), the buffer sequence numbers seen (a bitmap, for gaps and
/// redeliveries), end-to-end latency histograms and arrivals per second. Bad-quality readings (a lost connection) are
/// counted apart. Not thread-safe: MQTTnet calls the handler one message at a time.
/// </summary>
public sealed class DeliveredReadings
{
    private readonly IReadOnlyDictionary<string, int> _machineIndex;
    private readonly int _tagsPerMachine;
    private readonly List<long>[] _ticks;
    private readonly List<(long SourceTicks, bool Value)>[] _booleans;
    private readonly Dictionary<long, long> _tickBySourceTime = [];
    private readonly List<ulong> _seqBits = [];
    // Readings that said values before them were lost (the Overflow bit or the gateway's `gap` flag): series and source
    // timestamp, matched to their tick in CheckTicks (a boolean's tick is known only from the other series' timestamps).
    private readonly List<(int Series, long SourceTicks)> _gapFlags = [];
    // Bad readings (the source's connection lost, ...) by series and timestamp: a run of lost ticks with one inside it
    // was reported too.
    private readonly List<(int Series, long Ticks)> _badReadings = [];

    public DeliveredReadings(IReadOnlyList<string> machines, int tagsPerMachine)
    {
        _machineIndex = machines.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        _tagsPerMachine = tagsPerMachine;
        _ticks = new List<long>[machines.Count * tagsPerMachine];
        _booleans = new List<(long, bool)>[_ticks.Length];
        for (var i = 0; i < _ticks.Length; i++)
        {
            _ticks[i] = [];
            _booleans[i] = [];
        }
    }

    /// <summary>Latency of every Good reading (source timestamp to arrival).</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>
    /// Latency of readings that arrived in the measured window (after <see cref="MeasureFrom"/>, like CPU and throughput)
    /// while no fault was active or being caught up (see <see cref="InFault"/>).
    /// </summary>
    public LatencyHistogram LiveLatency { get; } = new();

    /// <summary>The end of the warm-up: the JIT's first seconds in the gateway and in this subscriber are not the steady state.</summary>
    public DateTime MeasureFrom { get; set; } = DateTime.MaxValue;

    /// <summary>Set by the run while a fault and its catch-up last; those arrivals stay out of <see cref="LiveLatency"/>.</summary>
    public volatile bool InFault;

    /// <summary>
    /// Set by an outage run when the broker is back: the first reading to arrive after it marks the moment the sink had
    /// reconnected (its backoff, up to `reconnectMaxDelayMs`, comes between the two) and the drain began.
    /// </summary>
    public DateTime ArrivalsWatchedFrom { get; set; } = DateTime.MaxValue;

    /// <summary>The first arrival at or after <see cref="ArrivalsWatchedFrom"/>.</summary>
    public DateTime? FirstArrivalAfterWatch { get; private set; }

    public long Messages { get; private set; }

    /// <summary>Messages of the bare MQTTnet baseline (<see cref="BareMqttPublisher"/>), counted only.</summary>
    public long BaselineMessages { get; set; }

    /// <summary>Readings that came on a replay topic (`replayTopic: replay/...`): the backlog replayed apart from fresh readings.</summary>
    public long ReplayedReadings { get; private set; }

    public long Readings { get; private set; }

    public long BadQuality { get; private set; }

    public long SeqRedelivered { get; private set; }

    public long Unparsable { get; private set; }

    /// <summary>
    /// Good readings whose status carries the Overflow bit (Part 4, 7.39.1: InfoType DataValue 0x400 + Overflow 0x80):
    /// the server's queue for that item overflowed and dropped older values before this one.
    /// </summary>
    public long OverflowFlagged { get; private set; }

    /// <summary>
    /// Good readings the gateway marked `"gap": true`: the first value of a tag after notifications of its subscription
    /// were lost (the server no longer had them for Republish) or after the server's queue overflowed.
    /// </summary>
    public long GapFlagged { get; private set; }

    public long UnknownSeries { get; private set; }

    public long WrongValue { get; private set; }

    public long MinSeq { get; private set; } = long.MaxValue;

    public long MaxSeq { get; private set; }

    /// <summary>The highest tick seen so far (any series).</summary>
    public long MaxTick { get; private set; } = -1;

    /// <summary>Arrivals per wall-clock second (Unix seconds): all readings, and those under 2 s old ("fresh").</summary>
    public Dictionary<long, (int All, int Fresh)> PerSecond { get; } = [];

    public int SeriesCount => _ticks.Length;

    /// <summary>Reads one MQTT message: <c>json</c> (topic <c>factory/SITE/MACHINE/TAG</c>) or <c>json-batch</c>.</summary>
    public void Add(string topic, ReadOnlySequence<byte> payload, DateTime arrival)
    {
        Messages++;
        var levels = topic.Split('/');
        if (levels.Length < 3 || !_machineIndex.TryGetValue(levels[2], out var machine))
        {
            return; // status topics and the like
        }

        try
        {
            var reader = new Utf8JsonReader(payload);
            using var json = JsonDocument.ParseValue(ref reader);
            if (json.RootElement.TryGetProperty("readings", out var readings))
            {
                if (levels[0] == "replay")
                {
                    ReplayedReadings += readings.GetArrayLength();
                }

                foreach (var reading in readings.EnumerateArray())
                {
                    AddReading(machine, reading.GetProperty("tag").GetString() ?? "", reading, arrival);
                }
            }
            else if (levels.Length >= 4)
            {
                AddReading(machine, levels[3], json.RootElement, arrival);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            Unparsable++;
        }
    }

    private void AddReading(int machine, string tag, JsonElement reading, DateTime arrival)
    {
        Readings++;
        if (FirstArrivalAfterWatch is null && arrival >= ArrivalsWatchedFrom)
        {
            FirstArrivalAfterWatch = arrival;
        }

        var seq = reading.GetProperty("seq").GetInt64();
        MarkSeq(seq);
        var second = new DateTimeOffset(arrival).ToUnixTimeSeconds();
        var counts = PerSecond.GetValueOrDefault(second);
        if (reading.GetProperty("quality").GetString() != "Good" || !reading.TryGetProperty("value", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            BadQuality++;
            PerSecond[second] = (counts.All + 1, counts.Fresh);
            if (SeriesOf(machine, tag) is { } badSeries)
            {
                _badReadings.Add((badSeries, reading.GetProperty("timestamp").GetDateTime().ToUniversalTime().Ticks));
            }

            return;
        }

        var overflow = reading.TryGetProperty("status", out var status) && status.TryGetUInt32(out var code) && (code & 0x480) == 0x480;
        var gap = reading.TryGetProperty("gap", out var gapFlag) && gapFlag.ValueKind == JsonValueKind.True;
        OverflowFlagged += overflow ? 1 : 0;
        GapFlagged += gap ? 1 : 0;
        var timestamp = reading.GetProperty("timestamp").GetDateTime().ToUniversalTime();
        var latencyMs = (arrival - timestamp).TotalMilliseconds;
        Latency.Add(latencyMs);
        if (!InFault && arrival >= MeasureFrom)
        {
            LiveLatency.Add(latencyMs);
        }

        PerSecond[second] = (counts.All + 1, counts.Fresh + (latencyMs < 2000 ? 1 : 0));

        if (SeriesOf(machine, tag) is not { } series)
        {
            UnknownSeries++;
            return;
        }

        var tagNumber = (series % _tagsPerMachine) + 1;
        if (overflow || gap)
        {
            _gapFlags.Add((series, timestamp.Ticks));
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            _booleans[series].Add((timestamp.Ticks, value.GetBoolean()));
            return;
        }

        var tick = TickValues.TickOf(machine, tagNumber, value.GetDouble());
        if (tick is not { } k)
        {
            WrongValue++;
            return;
        }

        _ticks[series].Add(k);
        _tickBySourceTime.TryAdd(timestamp.Ticks, k);
        MaxTick = Math.Max(MaxTick, k);
    }

    /// <summary>Tags are named t00001.. after the simulator's Generated/Tag00001..; null for any other name.</summary>
    private int? SeriesOf(int machine, string tag) =>
        tag.Length != 6 || tag[0] != 't' || !int.TryParse(tag.AsSpan(1), out var tagNumber) || tagNumber < 1 || tagNumber > _tagsPerMachine
            ? null
            : (machine * _tagsPerMachine) + tagNumber - 1;

    private void MarkSeq(long seq)
    {
        MinSeq = Math.Min(MinSeq, seq);
        MaxSeq = Math.Max(MaxSeq, seq);
        var word = (int)(seq >> 6);
        while (_seqBits.Count <= word)
        {
            _seqBits.Add(0);
        }

        var bit = 1UL << (int)(seq & 63);
        if ((_seqBits[word] & bit) != 0)
        {
            SeqRedelivered++;
        }

        _seqBits[word] |= bit;
    }

    /// <summary>Buffer sequence numbers between the lowest and highest seen that never arrived: readings the gateway accepted and lost.</summary>
    public long MissingSeqs()
    {
        if (MaxSeq == 0)
        {
            return 0;
        }

        long missing = 0;
        for (var seq = MinSeq; seq <= MaxSeq; seq++)
        {
            if ((_seqBits[(int)(seq >> 6)] & (1UL << (int)(seq & 63))) == 0)
            {
                missing++;
            }
        }

        return missing;
    }

    /// <summary>
    /// Checks every series against what the simulator produced: each must hold every tick from its first delivered one up
    /// to <paramref name="lastTick"/>, except ticks produced inside an <paramref name="excused"/> window (the gateway or the
    /// server was down, so nobody could read them). Each run of missing ticks of a series is kept for
    /// <see cref="TickCheck.Detail"/>: when, which machines and tags, and whether the reading after it said so (a gap flag).
    /// </summary>
    public TickCheck CheckTicks(long lastTick, IReadOnlyList<(DateTime From, DateTime To)> excused, int rateMs, DateTime? gatewayStartedAt = null)
    {
        var tickTimes = new TickClock(_tickBySourceTime, rateMs);
        var check = new TickCheck();
        var seenAll = new HashSet<long>();
        var flagged = new HashSet<(int Series, long Tick)>();
        foreach (var (series, sourceTicks) in _gapFlags)
        {
            if (_tickBySourceTime.TryGetValue(sourceTicks, out var k))
            {
                flagged.Add((series, k));
            }
        }

        var badBySeries = _badReadings.GroupBy(b => b.Series).ToDictionary(g => g.Key, g => g.Select(b => b.Ticks).Order().ToArray());
        var runs = new List<MissingRun>();
        for (var series = 0; series < _ticks.Length; series++)
        {
            var ticks = _ticks[series];
            foreach (var (sourceTicks, value) in _booleans[series])
            {
                if (!_tickBySourceTime.TryGetValue(sourceTicks, out var k))
                {
                    check.BooleansUnmatched++;
                    continue;
                }

                if (value != (k % 2 == 1))
                {
                    check.WrongValues++;
                }

                ticks.Add(k);
            }

            if (ticks.Count == 0)
            {
                check.SeriesNeverSeen++;
                continue;
            }

            ticks.Sort();
            seenAll.Clear();
            var first = ticks[0];
            foreach (var k in ticks)
            {
                if (!seenAll.Add(k))
                {
                    check.DuplicateTicks++;
                }
            }

            check.Unique += seenAll.Count;
            long runFrom = -1;
            for (var k = first; k <= lastTick + 1; k++)
            {
                var lost = false;
                if (k <= lastTick && !seenAll.Contains(k))
                {
                    var at = tickTimes.TimeOf(k);
                    if (excused.Any(w => at >= w.From && at <= w.To))
                    {
                        check.Excused++;
                    }
                    else
                    {
                        lost = true;
                        check.Lost++;
                        if (check.LostExamples.Count < 10)
                        {
                            check.LostExamples.Add($"series {series} (machine {series / _tagsPerMachine}, t{(series % _tagsPerMachine) + 1:D5}) tick {k} (~{at:HH:mm:ss.fff})");
                        }
                    }
                }

                if (lost && runFrom < 0)
                {
                    runFrom = k;
                }
                else if (!lost && runFrom >= 0)
                {
                    // Reported: the reading right after the run (tick k) carries the gap flag, or a Bad reading of the
                    // series came between the ticks around it (the connection was lost and said so).
                    var reported = (k <= lastTick && flagged.Contains((series, k)))
                        || (badBySeries.TryGetValue(series, out var bad) && AnyBetween(bad, tickTimes.TimeOf(runFrom - 1).Ticks, tickTimes.TimeOf(k).Ticks));
                    runs.Add(new MissingRun(series, runFrom, k - 1, reported));
                    runFrom = -1;
                }
            }
        }

        check.ReportedLost = runs.Where(r => r.Reported).Sum(r => r.Length);
        check.Detail = DescribeLoss(runs, tickTimes, gatewayStartedAt);
        return check;
    }

    private static bool AnyBetween(long[] sorted, long after, long upTo)
    {
        var i = Array.BinarySearch(sorted, after + 1);
        i = i < 0 ? ~i : i;
        return i < sorted.Length && sorted[i] <= upTo;
    }

    /// <summary>A run of consecutive lost ticks of one series; <see cref="Reported"/>: the next reading carried a gap flag, or a Bad reading came inside it.</summary>
    internal readonly record struct MissingRun(int Series, long FromTick, long ToTick, bool Reported)
    {
        public long Length => ToTick - FromTick + 1;
    }

    /// <summary>
    /// The lost readings described for a reader looking for the cause: how many runs and series, how many reported by a
    /// gap flag, the lost readings per second of production, the machines hit, and the commonest runs (the same ticks lost
    /// by many series at once point at one subscription or one message).
    /// </summary>
    internal List<string> DescribeLoss(List<MissingRun> runs, TickClock tickTimes, DateTime? gatewayStartedAt)
    {
        var lines = new List<string>();
        if (runs.Count == 0)
        {
            return lines;
        }

        string When(long tick)
        {
            var at = tickTimes.TimeOf(tick);
            return gatewayStartedAt is { } start ? $"{at:HH:mm:ss.f} (+{(at - start).TotalSeconds:0.0} s)" : $"{at:HH:mm:ss.f}";
        }

        var lost = runs.Sum(r => r.Length);
        var reported = runs.Where(r => r.Reported).ToList();
        var lengths = runs.Select(r => r.Length).Order().ToList();
        lines.Add($"{lost:N0} lost in {runs.Count:N0} run(s) of consecutive ticks in {runs.Select(r => r.Series).Distinct().Count():N0} series; run length min {lengths[0]}, median {lengths[lengths.Count / 2]}, max {lengths[^1]} ticks");
        lines.Add($"reported: {reported.Count:N0} run(s), {reported.Sum(r => r.Length):N0} readings, were followed by a reading flagged as a gap (Overflow bit or `gap`) or had a Bad reading inside; {runs.Count - reported.Count:N0} run(s), {lost - reported.Sum(r => r.Length):N0} readings, were not");
        lines.Add($"ticks produced from {When(runs.Min(r => r.FromTick))} to {When(runs.Max(r => r.ToTick))} (gateway process start = +0)");

        var perTick = new SortedDictionary<long, long>();
        foreach (var run in runs)
        {
            for (var k = run.FromTick; k <= run.ToTick; k++)
            {
                perTick[k] = perTick.GetValueOrDefault(k) + 1;
            }
        }

        lines.Add("lost per tick: " + string.Join(", ", perTick.Take(40).Select(p => $"{p.Key} {When(p.Key)} {p.Value:N0}")) + (perTick.Count > 40 ? $", ... {perTick.Count - 40} more ticks" : ""));

        var byMachine = runs.GroupBy(r => r.Series / _tagsPerMachine).Select(g => (Machine: g.Key, Lost: g.Sum(r => r.Length), Tags: g.Select(r => r.Series).Distinct().Count())).OrderBy(m => m.Machine).ToList();
        lines.Add($"machines hit: {byMachine.Count} of {_ticks.Length / _tagsPerMachine}: " + string.Join(", ", byMachine.Take(30).Select(m => $"{m.Machine} ({m.Tags} tags, {m.Lost:N0})")) + (byMachine.Count > 30 ? $", ... {byMachine.Count - 30} more" : ""));

        var shapes = runs.GroupBy(r => (r.FromTick, r.ToTick)).OrderByDescending(g => g.Count()).Take(8);
        foreach (var shape in shapes)
        {
            var machines = shape.Select(r => r.Series / _tagsPerMachine).Distinct().Order().ToList();
            lines.Add($"ticks {shape.Key.FromTick}-{shape.Key.ToTick} ({When(shape.Key.FromTick)}): {shape.Count():N0} series in {machines.Count} machine(s) {Ranges(machines)}, {shape.Count(r => r.Reported):N0} reported");
        }

        return lines;
    }

    /// <summary>0-3, 7, 9-12: a sorted list of numbers as ranges.</summary>
    internal static string Ranges(IReadOnlyList<int> sorted)
    {
        var parts = new List<string>();
        for (var i = 0; i < sorted.Count; i++)
        {
            var from = sorted[i];
            while (i + 1 < sorted.Count && sorted[i + 1] == sorted[i] + 1)
            {
                i++;
            }

            parts.Add(from == sorted[i] ? $"{from}" : $"{from}-{sorted[i]}");
        }

        return string.Join(", ", parts.Take(20)) + (parts.Count > 20 ? ", ..." : "");
    }
}

/// <summary>The outcome of <see cref="DeliveredReadings.CheckTicks"/>.</summary>
public sealed class TickCheck
{
    public long Unique { get; set; }

    public long Lost { get; set; }

    public long Excused { get; set; }

    public long DuplicateTicks { get; set; }

    public long SeriesNeverSeen { get; set; }

    public long WrongValues { get; set; }

    public long BooleansUnmatched { get; set; }

    public List<string> LostExamples { get; } = [];

    /// <summary>Of <see cref="Lost"/>, the readings in runs the next reading of the series flagged as a gap (the user was told).</summary>
    public long ReportedLost { get; set; }

    /// <summary>What was lost, described (<see cref="DeliveredReadings.DescribeLoss"/>); empty when nothing was.</summary>
    public List<string> Detail { get; set; } = [];
}

/// <summary>When each tick was produced: the source timestamps seen, interpolated (or extrapolated at the rate) for the others.</summary>
internal sealed class TickClock
{
    private readonly long[] _ticks;
    private readonly long[] _times;
    private readonly long _rateTicks;

    public TickClock(Dictionary<long, long> tickBySourceTime, int rateMs)
    {
        var pairs = tickBySourceTime.GroupBy(p => p.Value).Select(g => (Tick: g.Key, Time: g.Min(p => p.Key))).OrderBy(p => p.Tick).ToArray();
        _ticks = [.. pairs.Select(p => p.Tick)];
        _times = [.. pairs.Select(p => p.Time)];
        _rateTicks = TimeSpan.FromMilliseconds(rateMs).Ticks;
    }

    public DateTime TimeOf(long tick)
    {
        if (_ticks.Length == 0)
        {
            return DateTime.MinValue;
        }

        var i = Array.BinarySearch(_ticks, tick);
        if (i >= 0)
        {
            return new DateTime(_times[i], DateTimeKind.Utc);
        }

        i = ~i;
        if (i == 0)
        {
            return new DateTime(_times[0] - ((_ticks[0] - tick) * _rateTicks), DateTimeKind.Utc);
        }

        if (i == _ticks.Length)
        {
            return new DateTime(_times[^1] + ((tick - _ticks[^1]) * _rateTicks), DateTimeKind.Utc);
        }

        var fraction = (double)(tick - _ticks[i - 1]) / (_ticks[i] - _ticks[i - 1]);
        return new DateTime(_times[i - 1] + (long)(fraction * (_times[i] - _times[i - 1])), DateTimeKind.Utc);
    }
}

/// <summary>Latencies in 1 ms buckets up to 10 minutes (beyond: the last bucket), for percentiles without keeping every value.</summary>
public sealed class LatencyHistogram
{
    private readonly long[] _buckets = new long[600_001];

    public long Count { get; private set; }

    public double MaxMs { get; private set; }

    public double MinMs { get; private set; } = double.MaxValue;

    public void Add(double ms)
    {
        Count++;
        MaxMs = Math.Max(MaxMs, ms);
        MinMs = Math.Min(MinMs, ms);
        _buckets[Math.Clamp((int)ms, 0, _buckets.Length - 1)]++;
    }

    public double Percentile(double p)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var target = (long)Math.Ceiling(p / 100 * Count);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += _buckets[i];
            if (seen >= target)
            {
                return i + 1; // the bucket's upper edge: never flatters
            }
        }

        return MaxMs;
    }
}
