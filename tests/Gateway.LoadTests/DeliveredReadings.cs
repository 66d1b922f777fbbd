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
            return;
        }

        if (reading.TryGetProperty("status", out var status) && status.TryGetUInt32(out var code) && (code & 0x480) == 0x480)
        {
            OverflowFlagged++;
        }

        var timestamp = reading.GetProperty("timestamp").GetDateTime().ToUniversalTime();
        var latencyMs = (arrival - timestamp).TotalMilliseconds;
        Latency.Add(latencyMs);
        if (!InFault && arrival >= MeasureFrom)
        {
            LiveLatency.Add(latencyMs);
        }

        PerSecond[second] = (counts.All + 1, counts.Fresh + (latencyMs < 2000 ? 1 : 0));

        // Tags are named t00001.. after the simulator's Generated/Tag00001..
        if (tag.Length != 6 || tag[0] != 't' || !int.TryParse(tag.AsSpan(1), out var tagNumber) || tagNumber < 1 || tagNumber > _tagsPerMachine)
        {
            UnknownSeries++;
            return;
        }

        var series = (machine * _tagsPerMachine) + tagNumber - 1;
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
    /// server was down, so nobody could read them).
    /// </summary>
    public TickCheck CheckTicks(long lastTick, IReadOnlyList<(DateTime From, DateTime To)> excused, int rateMs)
    {
        var tickTimes = new TickClock(_tickBySourceTime, rateMs);
        var check = new TickCheck();
        var seenAll = new HashSet<long>();
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
            for (var k = first; k <= lastTick; k++)
            {
                if (seenAll.Contains(k))
                {
                    continue;
                }

                var at = tickTimes.TimeOf(k);
                if (excused.Any(w => at >= w.From && at <= w.To))
                {
                    check.Excused++;
                }
                else
                {
                    check.Lost++;
                    if (check.LostExamples.Count < 10)
                    {
                        check.LostExamples.Add($"series {series} (machine {series / _tagsPerMachine}, t{(series % _tagsPerMachine) + 1:D5}) tick {k} (~{at:HH:mm:ss.fff})");
                    }
                }
            }
        }

        return check;
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
