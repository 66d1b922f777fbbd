using Gateway.Core;
using Gateway.Sinks.Sparkplug.Protobuf;

using Google.Protobuf;

namespace Gateway.Sinks.Sparkplug;

/// <summary>One message for the broker: its topic, its encoded payload, and how many metrics it carries.</summary>
public sealed record SparkplugMessage(string Topic, byte[] Payload, int Metrics);

/// <summary>
/// The edge node's model (no I/O): its devices (one per machine), their metrics with aliases and datatypes, the
/// message sequence, and the encoding of NBIRTH, NDEATH, DBIRTH, DDATA and DDEATH from readings.
/// Sparkplug 3.0: births carry every metric by name with alias and datatype; data carries aliases only; seq runs
/// 0..255 over every message of the node except NDEATH, and NBIRTH starts it at 0.
/// </summary>
public sealed class SparkplugEdgeNode
{
    public const string BirthDeathSequenceMetric = "bdSeq";
    public const string RebirthMetric = "Node Control/Rebirth";

    /// <summary>Name of the metric property that carries the reading's quality (OPC DA codes: 192 Good, 64 Uncertain, 0 Bad).</summary>
    public const string QualityProperty = "Quality";

    // Part 4 status codes a connector writes (with a null value) for every tag when it loses its source.
    private static readonly HashSet<uint> SourceLostCodes = [0x808A0000 /* BadNotConnected */, 0x800D0000 /* BadServerNotConnected */, 0x80AE0000 /* BadConnectionClosed */, 0x80050000 /* BadCommunicationError */];

    private readonly SparkplugTopics _topics;
    private readonly Func<Reading, string> _deviceOf;
    private readonly IReadOnlyDictionary<string, DataType> _datatypes;
    private readonly int _maxPayloadBytes;
    private readonly Dictionary<string, Device> _devices = new(StringComparer.Ordinal);
    private readonly List<Device> _deviceOrder = [];
    private readonly Dictionary<Device, List<Reading>> _readingsByDevice = [];
    private readonly HashSet<Device> _grown = [];
    private ulong _nextAlias = 1;
    private int _seq;

    public SparkplugEdgeNode(SparkplugTopics topics, Func<Reading, string> deviceOf, IReadOnlyDictionary<string, DataType> datatypes, int maxPayloadBytes)
    {
        _topics = topics;
        _deviceOf = deviceOf;
        _datatypes = datatypes;
        _maxPayloadBytes = maxPayloadBytes;
    }

    public SparkplugTopics Topics => _topics;

    /// <summary>The bdSeq of the current MQTT session (the Will's).</summary>
    public long BirthDeathSequence { get; set; }

    /// <summary>Whether NBIRTH was sent in this session and nothing since asks for a new one.</summary>
    public bool IsBorn { get; private set; }

    /// <summary>Devices the node knows, in the order they first appeared.</summary>
    public IReadOnlyList<Device> Devices => _deviceOrder;

    /// <summary>A new session, a host that went away, a rebirth command: the next encode starts with NBIRTH and every DBIRTH.</summary>
    public void RequireRebirth() => IsBorn = false;

    /// <summary>Whether this reading is the mark a connector writes when it loses its source (null value, Bad, not-connected status).</summary>
    public static bool IsSourceLost(Reading reading) =>
        reading.Value.IsNull && reading.Quality == Quality.Bad && SourceLostCodes.Contains(reading.StatusCode);

    /// <summary>NDEATH (the MQTT Will): the bdSeq only, no seq.</summary>
    public byte[] NodeDeath(DateTime now)
    {
        var payload = new Payload { Timestamp = Milliseconds(now, now) };
        payload.Metrics.Add(new Payload.Types.Metric { Name = BirthDeathSequenceMetric, Datatype = (uint)DataType.Int64, LongValue = (ulong)BirthDeathSequence });
        return payload.ToByteArray();
    }

    /// <summary>
    /// Encodes a batch into <paramref name="messages"/>, in the order they must be published: NBIRTH and every DBIRTH
    /// first when the node is not born, then per machine its DDATA (split at the size limit), a DDEATH where its source
    /// was lost, a DBIRTH where it comes back, and DDEATH + DBIRTH with the whole set where its metric set changed.
    /// </summary>
    /// <param name="historicalBefore">Readings timestamped before this waited in the buffer: they are sent with is_historical.</param>
    public void Encode(IReadOnlyList<Reading> batch, DateTime now, DateTime? historicalBefore, List<SparkplugMessage> messages)
    {
        foreach (var list in _readingsByDevice.Values)
        {
            list.Clear();
        }

        var order = new List<Device>();
        _grown.Clear();
        foreach (var reading in batch)
        {
            var device = DeviceOf(reading);
            var readings = _readingsByDevice.TryGetValue(device, out var list) ? list : _readingsByDevice[device] = [];
            if (readings.Count == 0)
            {
                order.Add(device);
            }

            readings.Add(reading);
            if (!IsSourceLost(reading) && Learn(device, reading) && device.State == DeviceState.Born)
            {
                _grown.Add(device);
            }
        }

        if (!IsBorn)
        {
            Births(now, messages);
            _grown.Clear();
        }

        foreach (var device in order)
        {
            EncodeDevice(device, _readingsByDevice[device], now, historicalBefore, messages);
        }
    }

    /// <summary>NBIRTH (seq 0, bdSeq, Node Control/Rebirth), then a DBIRTH for every device that is not dead.</summary>
    public void Births(DateTime now, List<SparkplugMessage> messages)
    {
        _seq = 0;
        var birth = new Payload { Timestamp = Milliseconds(now, now), Seq = NextSeq() };
        birth.Metrics.Add(new Payload.Types.Metric { Name = BirthDeathSequenceMetric, Timestamp = birth.Timestamp, Datatype = (uint)DataType.Int64, LongValue = (ulong)BirthDeathSequence });
        birth.Metrics.Add(new Payload.Types.Metric { Name = RebirthMetric, Timestamp = birth.Timestamp, Datatype = (uint)DataType.Boolean, BooleanValue = false });
        messages.Add(new SparkplugMessage(_topics.NodeBirth, birth.ToByteArray(), birth.Metrics.Count));
        IsBorn = true;
        foreach (var device in _deviceOrder)
        {
            if (device.State == DeviceState.Dead || device.Metrics.Count == 0)
            {
                continue;
            }

            DeviceBirth(device, now, messages);
        }
    }

    private void EncodeDevice(Device device, List<Reading> readings, DateTime now, DateTime? historicalBefore, List<SparkplugMessage> messages)
    {
        Payload? data = null;
        var size = 0;
        if (_grown.Contains(device))
        {
            // A changed metric set (a new tag, a new datatype): the device dies and is born again with the whole set,
            // so hosts replace its definitions without the whole node going through NBIRTH.
            DeviceDeath(device, now, now, messages);
        }

        foreach (var reading in readings)
        {
            if (IsSourceLost(reading))
            {
                Flush(device, ref data, messages);
                DeviceDeath(device, reading.Timestamp, now, messages);
                continue;
            }

            if (device.State != DeviceState.Born)
            {
                Flush(device, ref data, messages);
                DeviceBirth(device, now, messages);
            }

            var definition = device.ByName[reading.Tag];
            var metric = new Payload.Types.Metric { Alias = definition.Alias, Timestamp = Milliseconds(reading.Timestamp, now) };
            SparkplugDataTypes.SetValue(metric, definition.DataType, reading.Value);
            if (reading.Quality != Quality.Good)
            {
                metric.Properties = QualityProperties(reading.Quality);
            }

            if (historicalBefore is { } before && reading.Timestamp < before)
            {
                metric.IsHistorical = true;
            }

            definition.Remember(reading);

            // 1 byte of field tag and up to 5 of length for each metric, and the payload's own timestamp and seq.
            var metricSize = metric.CalculateSize() + 6;
            if (data is not null && size + metricSize > _maxPayloadBytes - 24)
            {
                Flush(device, ref data, messages);
            }

            if (data is null)
            {
                data = new Payload { Timestamp = Milliseconds(now, now) };
                size = 0;
            }

            data.Metrics.Add(metric);
            size += metricSize;
        }

        Flush(device, ref data, messages);
    }

    private void DeviceDeath(Device device, DateTime time, DateTime now, List<SparkplugMessage> messages)
    {
        if (device.State == DeviceState.Born)
        {
            var death = new Payload { Timestamp = Milliseconds(time, now), Seq = NextSeq() };
            messages.Add(new SparkplugMessage(_topics.DeviceDeath(device.Id), death.ToByteArray(), 0));
        }

        device.State = DeviceState.Dead;
    }

    private void Flush(Device device, ref Payload? data, List<SparkplugMessage> messages)
    {
        if (data is null)
        {
            return;
        }

        data.Seq = NextSeq();
        messages.Add(new SparkplugMessage(_topics.DeviceData(device.Id), data.ToByteArray(), data.Metrics.Count));
        data = null;
    }

    private void DeviceBirth(Device device, DateTime now, List<SparkplugMessage> messages)
    {
        var birth = new Payload { Timestamp = Milliseconds(now, now), Seq = NextSeq() };
        foreach (var definition in device.Metrics)
        {
            var metric = new Payload.Types.Metric
            {
                Name = definition.Name,
                Alias = definition.Alias,
                Datatype = (uint)definition.DataType,
                Timestamp = Milliseconds(definition.LastTimestamp, now),
                Properties = QualityProperties(definition.LastQuality),
            };
            SparkplugDataTypes.SetValue(metric, definition.DataType, definition.LastValue);
            birth.Metrics.Add(metric);
        }

        messages.Add(new SparkplugMessage(_topics.DeviceBirth(device.Id), birth.ToByteArray(), birth.Metrics.Count));
        device.State = DeviceState.Born;
    }

    /// <summary>Adds the reading's metric to its device; true when that changed the device's metric set (new name or datatype).</summary>
    private bool Learn(Device device, Reading reading)
    {
        if (device.ByName.TryGetValue(reading.Tag, out var known))
        {
            if (reading.Value.IsNull || SparkplugDataTypes.Carries(known.DataType, reading.Value.Kind))
            {
                return false;
            }

            // The value's kind changed (a hot reload, a server that retyped a node): a new datatype is a new metric set.
            known.DataType = DataTypeOf(reading);
            known.LastValue = ReadingValue.Null;
            return true;
        }

        var definition = new MetricDefinition(reading.Tag, _nextAlias++, DataTypeOf(reading));
        device.ByName[reading.Tag] = definition;
        device.Metrics.Add(definition);
        return true;
    }

    private DataType DataTypeOf(Reading reading)
    {
        var kind = reading.Value.Kind;
        if (_datatypes.TryGetValue(reading.Tag, out var configured) && SparkplugDataTypes.Carries(configured, kind))
        {
            return configured;
        }

        // A null first value (a Bad reading) has no kind yet: Double until a value says otherwise.
        return kind == ValueKind.Null ? DataType.Double : SparkplugDataTypes.Default(kind);
    }

    private Device DeviceOf(Reading reading)
    {
        var id = _deviceOf(reading);
        if (!_devices.TryGetValue(id, out var device))
        {
            device = new Device(id);
            _devices[id] = device;
            _deviceOrder.Add(device);
        }

        return device;
    }

    private ulong NextSeq()
    {
        var seq = (ulong)_seq;
        _seq = (_seq + 1) & 0xFF;
        return seq;
    }

    private static Payload.Types.PropertySet QualityProperties(Quality quality)
    {
        var properties = new Payload.Types.PropertySet();
        properties.Keys.Add(QualityProperty);
        properties.Values.Add(new Payload.Types.PropertyValue { Type = (uint)DataType.Int32, IntValue = QualityCode(quality) });
        return properties;
    }

    private static uint QualityCode(Quality quality) => quality switch
    {
        Quality.Good => 192,
        Quality.Uncertain => 64,
        _ => 0,
    };

    private static ulong Milliseconds(DateTime time, DateTime fallback)
    {
        var utc = time == default ? fallback : time;
        return (ulong)Math.Max(0, (utc.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond);
    }

    public enum DeviceState
    {
        Unborn,
        Born,
        Dead,
    }

    /// <summary>A machine as a Sparkplug device: its metrics in birth order.</summary>
    public sealed class Device(string id)
    {
        public string Id { get; } = id;

        public DeviceState State { get; set; }

        public List<MetricDefinition> Metrics { get; } = [];

        public Dictionary<string, MetricDefinition> ByName { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>A metric of a device: name, alias (unique in the node), datatype, and its last value for the next DBIRTH.</summary>
    public sealed class MetricDefinition(string name, ulong alias, DataType dataType)
    {
        public string Name { get; } = name;

        public ulong Alias { get; } = alias;

        public DataType DataType { get; set; } = dataType;

        public ReadingValue LastValue { get; set; }

        public DateTime LastTimestamp { get; private set; }

        public Quality LastQuality { get; private set; } = Quality.Good;

        public void Remember(Reading reading)
        {
            LastValue = reading.Value;
            LastTimestamp = reading.Timestamp;
            LastQuality = reading.Quality;
        }
    }
}
