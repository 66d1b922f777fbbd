using System.Buffers;
using System.Net.Sockets;
using System.Reflection;

using Gateway.Core;

using Microsoft.Extensions.Logging;

using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace Gateway.Sinks.Mqtt;

/// <summary>
/// Publishes readings to an MQTT broker (an external one, or the embedded MQTTnet broker it starts itself).
/// A delivery completes only when the broker acknowledged every message (PUBACK for QoS 1, PUBCOMP for QoS 2,
/// written for QoS 0); many messages are in flight at once. Deliveries are serialized (the buffer calls one at a time).
/// </summary>
public sealed class MqttSink : ISink
{
    private const int TopicCacheLimit = 200_000;
    private const int MessagePoolLimit = 16_384;

    private readonly MqttSinkOptions _options;
    private readonly SinkContext _context;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly EmbeddedBroker? _broker;
    private readonly BrokerConnection _connection;
    private readonly BrokerConnectionLoop _connectionLoop;
    private readonly TopicTemplate _readingTopic;
    private readonly TopicTemplate _batchTopic;
    private readonly TopicTemplate? _replayTopic;
    private readonly string? _statusTopic;
    private readonly bool _batchPayload;
    private readonly MqttQualityOfServiceLevel _qos;
    private readonly PooledBufferWriter _buffer = new();
    private readonly JsonPayloadWriter _payloads;
    private readonly SemaphoreSlim _deliveryLock = new(1, 1);
    private readonly Dictionary<TopicKey, string> _topicCache = [];
    private readonly Dictionary<string, bool> _retainByTopic = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _batchGroups = new(StringComparer.Ordinal);
    private readonly List<MqttApplicationMessage> _messages = [];

    // Where each message of the delivery lies in _buffer, in publish order; the messages are made once all are written.
    private readonly List<(string Topic, int Start, int Length)> _encoded = [];
    private readonly List<MqttApplicationMessage> _messagePool = [];

    // payload: json-batch: which readings each message of the delivery carries (a range of _batchReadingOrder), for dead letters.
    private readonly List<(int First, int Count)> _batchMessageReadings = [];
    private readonly List<int> _batchReadingOrder = [];
    private readonly DateTime _startedAt;
    private readonly string _version;
    private volatile int _receiveMaximum = ushort.MaxValue;
    private readonly DeadLetterFile _deadLetters;
    private long _messagesPublished;

    // The first message (and its reading) of the delivery that carries one reading (payload json), for dead letters.
    private int _firstSingleMessage;
    private int _firstSingleReading;
    private bool _stopped;

    public MqttSink(string name, MqttSinkOptions options, SinkContext context)
    {
        Name = name;
        _options = options;
        _context = context;
        _logger = context.LoggerFactory.CreateLogger("Gateway.Sinks.Mqtt." + name);
        _deadLetters = new DeadLetterFile(context.DataDirectory, name, context.TimeProvider);
        _readingTopic = TopicTemplate.Parse(options.Topic);
        _batchTopic = TopicTemplate.Parse(options.BatchTopic);
        _replayTopic = string.IsNullOrEmpty(options.ReplayTopic) ? null : TopicTemplate.Parse(options.ReplayTopic);
        _batchPayload = string.Equals(options.Payload, PayloadFormats.JsonBatch, StringComparison.OrdinalIgnoreCase);
        _qos = (MqttQualityOfServiceLevel)options.Qos;
        _statusTopic = string.IsNullOrEmpty(options.StatusTopic)
            ? null
            : TopicTemplate.Parse(options.StatusTopic).Render(new TopicValues(context.GatewayName, "", "", "", "", context.GatewayLabels));
        _startedAt = context.TimeProvider.GetUtcNow().UtcDateTime;
        _version = VersionText();
        _payloads = new JsonPayloadWriter(_buffer);
        ClientId = string.IsNullOrEmpty(options.ClientId) ? $"gateway-{context.GatewayName}-{name}" : options.ClientId;

        if (options.Embedded)
        {
            List<string> gatewayTopics = [_readingTopic.ToFilter(), _batchTopic.ToFilter()];
            if (_statusTopic is not null)
            {
                gatewayTopics.Add(_statusTopic);
            }

            _broker = new EmbeddedBroker(options, ClientId, gatewayTopics, _logger);
        }

        _connection = new BrokerConnection(options, _broker?.ConnectHost ?? options.Host, typeof(MqttSinkException));
        _client = new MqttClientFactory().CreateMqttClient();
        var steps = new BrokerSessionSteps
        {
            BeforeConnect = StartEmbeddedBrokerAsync,
            ClientOptions = BuildClientOptions,
            AfterConnect = OnConnectedAsync,
            Failure = message => new MqttSinkException(message),
            LogConnected = () => _logger.LogInformation("MQTT sink '{Sink}': connected to {Endpoint} as '{ClientId}'", Name, Endpoint, ClientId),
        };
        var outage = new OutageEpisode(_logger, context.TimeProvider, $"MQTT sink '{name}'");
        _connectionLoop = new BrokerConnectionLoop(_client, _connection, options, ClientId, $"MQTT sink '{name}'", steps, _logger, outage, context.TimeProvider);
    }

    public string Name { get; }

    /// <summary>This sink logs its own outage start and end (<see cref="ISink.ReportsOwnOutages"/>).</summary>
    public bool ReportsOwnOutages => true;

    /// <summary>With `replayTopic` set, a replayed backlog goes there and fresh readings overtake it (<see cref="IReplayedBacklog"/>).</summary>
    public bool ReplaysBacklog => _replayTopic is not null;

    public ConnectionState State => _connectionLoop.State;

    public string ClientId { get; }

    /// <summary>The host the client connects to (the embedded broker's loopback address when embedded).</summary>
    public string Host => _connection.Host;

    /// <summary>The cause of the current outage, for /status; null while connected.</summary>
    public string? Problem => _connectionLoop.Problem;

    /// <summary>The embedded broker's status topic, e.g. factory/plant1/gw1/status; null when turned off.</summary>
    public string? StatusTopic => _statusTopic;

    private string Endpoint => _connection.Endpoint;

    /// <summary>Where readings the broker refused for good are appended.</summary>
    public string DeadLetterPath => _deadLetters.Path;

    /// <summary>Messages the broker acknowledged since the sink started.</summary>
    public long MessagesPublished => Interlocked.Read(ref _messagesPublished);

    /// <summary>The sink's counters, for /metrics and the `gateway` measurement.</summary>
    public void ReportSamples(ICollection<MetricSample> samples)
    {
        samples.Add(MetricSample.Counter("gateway_sink_messages_published_total", "MQTT messages the broker acknowledged (one per reading, or one per machine and delivery with payload: json-batch).", MessagesPublished));
        samples.Add(_deadLetters.Sample());
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_stopped, this);
        if (_connectionLoop.Start())
        {
            await _connectionLoop.WaitForFirstAttemptAsync(cancellationToken);
        }
    }

    public async Task DeliverAsync(IReadOnlyList<Reading> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        await WaitUntilConnectedAsync(cancellationToken);
        await _deliveryLock.WaitAsync(cancellationToken);
        try
        {
            _buffer.Clear();
            _messages.Clear();
            _encoded.Clear();
            // A replayed backlog first, as batch messages on the replay topic; then the fresh readings as configured.
            var replayed = _replayTopic is not null && batch is IReplayedBacklog { ReplayedCount: > 0 } replay ? Math.Min(replay.ReplayedCount, batch.Count) : 0;
            ResetBatchGroups();
            if (replayed > 0)
            {
                EncodeBatches(batch, 0, replayed, replayTopic: true);
            }

            _firstSingleMessage = _encoded.Count;
            _firstSingleReading = replayed;
            if (_batchPayload)
            {
                EncodeBatches(batch, replayed, batch.Count, replayTopic: false);
            }
            else
            {
                EncodeReadings(batch, replayed);
            }

            // Slices are taken only now: the buffer may have moved while it grew.
            foreach (var (topic, start, length) in _encoded)
            {
                _messages.Add(NewMessage(topic, (start, length)));
            }

            await PublishAllAsync(batch, cancellationToken);
        }
        finally
        {
            _messages.Clear();
            _deliveryLock.Release();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!await _connectionLoop.StopAsync(cancellationToken))
        {
            return;
        }

        if (_client.IsConnected)
        {
            try
            {
                if (_statusTopic is not null)
                {
                    await _client.PublishAsync(StatusMessage(online: false), cancellationToken);
                }

                // MQTT 5, 3.14.2.1: reason 0 (normal disconnection) tells the broker not to publish the Last Will.
                await _client.DisconnectAsync(new MqttClientDisconnectOptions(), cancellationToken);
            }
            catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException)
            {
                _logger.LogWarning("MQTT sink '{Sink}': could not say goodbye to {Endpoint}: {Cause}", Name, Endpoint, Describe(e));
            }
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        _connectionLoop.ReportStopped();
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopped)
        {
            return;
        }

        try
        {
            await StopAsync(CancellationToken.None);
        }
        finally
        {
            _stopped = true;
            _client.Dispose();
            _payloads.Dispose();
            _buffer.Dispose();
            _connectionLoop.Dispose();
            if (_broker is not null)
            {
                await _broker.DisposeAsync();
            }
        }
    }

    private async ValueTask StartEmbeddedBrokerAsync(CancellationToken cancellationToken)
    {
        if (_broker is not null && !_broker.IsStarted)
        {
            try
            {
                await _broker.StartAsync();
            }
            catch (SocketException e)
            {
                throw new MqttSinkException(
                    $"the embedded broker cannot listen on {string.Join(" and ", _broker.Listeners)} ({e.SocketErrorCode}); another broker may hold the port: stop it or choose another `port`", e);
            }
        }
    }

    private async ValueTask OnConnectedAsync(MqttClientConnectResult result, CancellationToken cancellationToken)
    {
        // MQTT 5, 3.2.2.3.3: the client must not have more unacknowledged QoS 1/2 publishes than the server's Receive Maximum.
        _receiveMaximum = result.ReceiveMaximum is > 0 ? result.ReceiveMaximum.Value : ushort.MaxValue;
        if (_statusTopic is not null)
        {
            await _client.PublishAsync(StatusMessage(online: true), cancellationToken);
        }
    }

    private MqttClientOptions BuildClientOptions()
    {
        var builder = _connection.NewClientOptions(ClientId, _broker?.GatewayCredential)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_options.SessionExpirySeconds);
        if (_broker is not null)
        {
            // The embedded broker is in this process and reached over loopback: no network between can drop the
            // connection unnoticed, and the client's keep-alive loop (MQTTnet) wakes every 250 ms whatever the period.
            // A Keep Alive of 0 turns the mechanism off (MQTT 5, 3.1.2.10; MQTT 3.1.1, 3.1.2.10).
            builder.WithKeepAlivePeriod(TimeSpan.Zero);
        }
        if (_options.CoalesceWrites)
        {
            builder.WithStreamProvider(new CoalescingStreamProvider());
        }

        if (_statusTopic is not null)
        {
            var offline = StatusMessage(online: false);
            builder.WithWillTopic(offline.Topic)
                .WithWillPayload(offline.Payload.ToArray())
                .WithWillRetain(true)
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        }

        return builder.Build();
    }

    private MqttApplicationMessage StatusMessage(bool online) => new()
    {
        Topic = _statusTopic,
        PayloadSegment = JsonPayloadWriter.StatusMessage(online, _context.GatewayName, Name, _version, _startedAt, _context.TimeProvider.GetUtcNow().UtcDateTime),
        QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
        Retain = true,
    };

    private Task WaitUntilConnectedAsync(CancellationToken cancellationToken) => _connectionLoop.WaitUntilConnectedAsync(cancellationToken);

    /// <summary>One `json` message per reading from <paramref name="from"/> to the end of the batch.</summary>
    private void EncodeReadings(IReadOnlyList<Reading> batch, int from)
    {
        for (var i = from; i < batch.Count; i++)
        {
            var (start, length) = _payloads.WriteReading(batch[i]);
            _encoded.Add((TopicOf(batch[i]), start, length));
        }
    }

    private void ResetBatchGroups()
    {
        _batchMessageReadings.Clear();
        _batchReadingOrder.Clear();
    }

    /// <summary>`json-batch` messages, one per machine (or more, see MaxReadingsPerMessage), for the readings from <paramref name="from"/> to <paramref name="to"/>.</summary>
    private void EncodeBatches(IReadOnlyList<Reading> batch, int from, int to, bool replayTopic)
    {
        foreach (var indexes in _batchGroups.Values)
        {
            indexes.Clear();
        }

        var order = new List<string>();
        List<int>? group = null;
        Reading? previous = null;
        for (var i = from; i < to; i++)
        {
            var reading = batch[i];
            // A machine's readings come one after another: look its topic up once per run of them, not per reading.
            if (group is null || !SameBatchTopic(reading, previous!))
            {
                var topic = replayTopic ? ReplayTopicOf(reading) : BatchTopicOf(reading);
                if (!_batchGroups.TryGetValue(topic, out group))
                {
                    group = [];
                    _batchGroups[topic] = group;
                }

                if (group.Count == 0)
                {
                    order.Add(topic);
                }
            }

            group.Add(i);
            previous = reading;
        }

        var now = _context.TimeProvider.GetUtcNow().UtcDateTime;
        foreach (var topic in order)
        {
            var indexes = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_batchGroups[topic]);
            for (var offset = 0; offset < indexes.Length; offset += _options.MaxReadingsPerMessage)
            {
                var part = indexes[offset..Math.Min(indexes.Length, offset + _options.MaxReadingsPerMessage)];
                var (start, length) = _payloads.WriteBatch(batch, part, now);
                _encoded.Add((topic, start, length));
                _batchMessageReadings.Add((_batchReadingOrder.Count, part.Length));
                foreach (var index in part)
                {
                    _batchReadingOrder.Add(index);
                }
            }
        }

        if (_batchGroups.Count > 10_000)
        {
            _batchGroups.Clear();
        }
    }

    // Message objects are reused from one delivery to the next: every publish of a delivery has completed before it returns.
    private MqttApplicationMessage NewMessage(string topic, (int Start, int Length) slice)
    {
        MqttApplicationMessage message;
        if (_messages.Count < _messagePool.Count && _messages.Count < MessagePoolLimit)
        {
            message = _messagePool[_messages.Count];
        }
        else
        {
            message = new MqttApplicationMessage { QualityOfServiceLevel = _qos, Retain = _options.Retain };
            if (_messagePool.Count < MessagePoolLimit)
            {
                _messagePool.Add(message);
            }
        }

        message.Topic = topic;
        message.Retain = RetainOf(topic);
        message.Payload = new ReadOnlySequence<byte>(_buffer.Slice(slice.Start, slice.Length));
        return message;
    }

    private async Task PublishAllAsync(IReadOnlyList<Reading> batch, CancellationToken cancellationToken)
    {
        var messages = _messages;
        var inflight = _qos == MqttQualityOfServiceLevel.AtMostOnce ? _options.MaxInflight : Math.Min(_options.MaxInflight, _receiveMaximum);
        var lanes = Math.Min(messages.Count, Math.Max(1, inflight));
        var next = -1;
        Exception? failure = null;
        List<(int Message, MqttClientPublishResult Result)>? refused = null;

        async Task PublishLaneAsync()
        {
            long published = 0;
            while (Volatile.Read(ref failure) is null)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= messages.Count)
                {
                    break;
                }

                try
                {
                    var result = await _client.PublishAsync(messages[index], cancellationToken);
                    if (result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers)
                    {
                        published++;
                        continue;
                    }

                    if (IsRefusedForGood(result.ReasonCode))
                    {
                        lock (messages)
                        {
                            (refused ??= []).Add((index, result));
                        }

                        continue;
                    }

                    Interlocked.CompareExchange(ref failure, new MqttSinkException(
                        $"MQTT sink '{Name}': {Endpoint} did not accept a message on '{messages[index].Topic}': {result.ReasonCode} {result.ReasonString}".Trim()), null);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                }
            }

            Interlocked.Add(ref _messagesPublished, published);
        }

        var tasks = new Task[lanes];
        for (var i = 0; i < lanes; i++)
        {
            tasks[i] = PublishLaneAsync();
        }

        // Every lane is awaited even after a failure: the payloads live in the reused buffer.
        await Task.WhenAll(tasks);
        if (failure is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            throw failure;
        }

        if (failure is not null)
        {
            throw failure as MqttSinkException ?? new MqttSinkException(
                $"MQTT sink '{Name}': delivery to {Endpoint} failed: {Describe(failure)}. The batch stays in the buffer and is sent again.", failure);
        }

        if (refused is not null)
        {
            await WriteDeadLettersAsync(batch, refused, cancellationToken);
        }
    }

    // MQTT 5, 3.4.2.1: these reason codes will not change on a retry; retrying would block the cursor for good.
    private static bool IsRefusedForGood(MqttClientPublishReasonCode code) =>
        code is MqttClientPublishReasonCode.NotAuthorized or MqttClientPublishReasonCode.TopicNameInvalid or MqttClientPublishReasonCode.PayloadFormatInvalid;

    /// <summary>Every reading of the refused messages goes to the dead-letter file (one format for all sinks), with the broker's reason and the topic.</summary>
    private async Task WriteDeadLettersAsync(IReadOnlyList<Reading> batch, List<(int Message, MqttClientPublishResult Result)> refused, CancellationToken cancellationToken)
    {
        var letters = new List<DeadLetter>();
        foreach (var (index, result) in refused)
        {
            var topic = _messages[index].Topic;
            var status = result.ReasonCode.ToString();
            var reason = string.IsNullOrEmpty(result.ReasonString) ? status : $"{status}: {result.ReasonString}";
            if (index >= _firstSingleMessage && !_batchPayload)
            {
                letters.Add(new DeadLetter(batch[_firstSingleReading + index - _firstSingleMessage], reason, status, topic));
                continue;
            }

            var (first, count) = _batchMessageReadings[index];
            for (var i = first; i < first + count; i++)
            {
                letters.Add(new DeadLetter(batch[_batchReadingOrder[i]], reason, status, topic));
            }
        }

        await _deadLetters.AppendAsync(letters, cancellationToken);
        var (firstMessage, firstResult) = refused[0];
        _logger.LogWarning(
            "MQTT sink '{Sink}': {Endpoint} refused {Count} message(s) for good (first: '{Topic}': {Reason}); their {Readings} reading(s) were written to {File}. Check the broker's ACL for this client.",
            Name, Endpoint, refused.Count, _messages[firstMessage].Topic, $"{firstResult.ReasonCode} {firstResult.ReasonString}".Trim(), letters.Count, _deadLetters.Path);
    }

    /// <summary>`retain`, or the topic matches one of `retainTopics` (cached per topic: a filter match splits strings).</summary>
    private bool RetainOf(string topic)
    {
        if (_options.Retain || _options.RetainTopics.Count == 0)
        {
            return _options.Retain;
        }

        if (!_retainByTopic.TryGetValue(topic, out var retain))
        {
            if (_retainByTopic.Count >= TopicCacheLimit)
            {
                _retainByTopic.Clear();
            }

            retain = _options.RetainTopics.Exists(filter => TopicFilter.Matches(filter, topic));
            _retainByTopic[topic] = retain;
        }

        return retain;
    }

    private string TopicOf(Reading reading)
    {
        var key = new TopicKey(reading.Source, reading.Machine, reading.Tag, reading.Measurement, reading.Labels);
        if (!_topicCache.TryGetValue(key, out var topic))
        {
            if (_topicCache.Count >= TopicCacheLimit)
            {
                _topicCache.Clear();
            }

            topic = _readingTopic.Render(TopicValues.Of(reading, _context.GatewayName));
            _topicCache[key] = topic;
        }

        return topic;
    }

    private string BatchTopicOf(Reading reading)
    {
        // Batch topics carry no tag: key them by machine (tag and measurement left out).
        var key = new TopicKey(reading.Source, reading.Machine, "", "\0batch", reading.Labels);
        if (!_topicCache.TryGetValue(key, out var topic))
        {
            topic = _batchTopic.Render(TopicValues.Of(reading, _context.GatewayName));
            _topicCache[key] = topic;
        }

        return topic;
    }

    /// <summary>Whether two readings share their batch (and replay) topic: the fields of the topics' cache key, <see cref="BatchTopicOf"/>.</summary>
    private static bool SameBatchTopic(Reading reading, Reading previous) =>
        string.Equals(reading.Machine, previous.Machine, StringComparison.Ordinal)
        && string.Equals(reading.Source, previous.Source, StringComparison.Ordinal)
        && EqualityComparer<LabelSet>.Default.Equals(reading.Labels, previous.Labels);

    private string ReplayTopicOf(Reading reading)
    {
        var key = new TopicKey(reading.Source, reading.Machine, "", "\0replay", reading.Labels);
        if (!_topicCache.TryGetValue(key, out var topic))
        {
            topic = _replayTopic!.Render(TopicValues.Of(reading, _context.GatewayName));
            _topicCache[key] = topic;
        }

        return topic;
    }

    private string Describe(Exception exception) => _connection.Describe(exception);

    private static string VersionText()
    {
        var version = typeof(MqttSink).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }

    private readonly record struct TopicKey(string Source, string Machine, string Tag, string? Measurement, LabelSet Labels);
}

/// <summary>A delivery or connection failure of the MQTT sink; the message says what happened and what to check.</summary>
public sealed class MqttSinkException : Exception
{
    public MqttSinkException(string message)
        : base(message)
    {
    }

    public MqttSinkException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
