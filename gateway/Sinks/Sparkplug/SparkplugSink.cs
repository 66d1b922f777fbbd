using System.Buffers;
using System.Text.Json;

using Gateway.Core;
using Gateway.Sinks.Mqtt;
using Gateway.Sinks.Sparkplug.Protobuf;

using Google.Protobuf;

using Microsoft.Extensions.Logging;

using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace Gateway.Sinks.Sparkplug;

/// <summary>
/// A Sparkplug B 3.0 edge node: the gateway is the node, each machine a device. Readings become DDATA (QoS 0, not
/// retained, as the specification requires); a delivery completes when the broker has every message of it, which a
/// PINGREQ after them proves (MQTT processes a connection's packets in order). Births, deaths, seq and bdSeq follow the
/// specification; with a primary host configured, nothing is published while that host is offline.
/// </summary>
public sealed class SparkplugSink : ISink
{
    private readonly SparkplugSinkOptions _options;
    private readonly SinkContext _context;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly BrokerConnection _connection;
    private readonly BrokerConnectionLoop _connectionLoop;
    private readonly SparkplugEdgeNode _node;
    private readonly BirthDeathSequence _birthDeathSequence;
    private readonly OutageEpisode _outage;
    private readonly SemaphoreSlim _publishLock = new(1, 1);
    private readonly SemaphoreSlim _birthSignal = new(0, int.MaxValue);
    private readonly List<SparkplugMessage> _messages = [];
    private readonly Lock _stateLock = new();
    private readonly string? _hostStateTopic;

    private Task _birthLoop = Task.CompletedTask;
    private volatile bool _hostOnline;
    private long _hostStateTimestamp = -1;

    // Readings timestamped before this waited in the buffer (a restart, an outage, a host offline): sent as historical.
    private DateTime? _historicalBefore;
    private bool _waited = true;
    private long _messagesPublished;
    private long _metricsPublished;
    private long _births;
    private bool _stopped;

    public SparkplugSink(string name, SparkplugSinkOptions options, SinkContext context)
    {
        Name = name;
        _options = options;
        _context = context;
        _logger = context.LoggerFactory.CreateLogger("Gateway.Sinks.Sparkplug." + name);
        _outage = new OutageEpisode(_logger, context.TimeProvider, $"Sparkplug sink '{name}'");
        var groupId = options.GroupId ?? context.GatewayLabels["site"] ?? throw new ArgumentException("no groupId and no site label", nameof(options));
        var topics = new SparkplugTopics(groupId, options.EdgeNodeId ?? context.GatewayName);
        var deviceTemplate = TopicTemplate.Parse(options.DeviceId);
        var deviceIds = new Dictionary<(string Source, string Machine, LabelSet Labels), string>();
        string DeviceOf(Reading reading)
        {
            var key = (reading.Source, reading.Machine, reading.Labels);
            if (!deviceIds.TryGetValue(key, out var id))
            {
                id = deviceTemplate.Render(TopicValues.Of(reading, context.GatewayName));
                deviceIds[key] = id;
            }

            return id;
        }

        var datatypes = options.Datatypes.ToDictionary(p => p.Key, p => SparkplugDataTypes.ByName[p.Value], StringComparer.Ordinal);
        _node = new SparkplugEdgeNode(topics, DeviceOf, datatypes, options.MaxPayloadBytes);
        _birthDeathSequence = new BirthDeathSequence(context.DataDirectory, name);
        _hostOnline = string.IsNullOrEmpty(options.PrimaryHostId);
        _hostStateTopic = string.IsNullOrEmpty(options.PrimaryHostId) ? null : SparkplugTopics.HostState(options.PrimaryHostId);
        ClientId = string.IsNullOrEmpty(options.ClientId) ? $"gateway-{context.GatewayName}-{name}" : options.ClientId;
        _connection = new BrokerConnection(options, options.Host, typeof(SparkplugSinkException));
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        var steps = new BrokerSessionSteps
        {
            BeforeConnect = StartSessionAsync,
            ClientOptions = BuildClientOptions,
            AfterConnect = OnConnectedAsync,
            Failure = message => new SparkplugSinkException(message),
            LogConnected = () => _logger.LogInformation("Sparkplug sink '{Sink}': connected to {Endpoint} as '{ClientId}' (bdSeq {BdSeq})", Name, Endpoint, ClientId, _bdSeqPublished),
            Lost = OnConnectionLost,
        };
        _connectionLoop = new BrokerConnectionLoop(_client, _connection, options, ClientId, $"Sparkplug sink '{name}'", steps, _logger, _outage, context.TimeProvider);
    }

    public string Name { get; }

    public bool ReportsOwnOutages => true;

    public ConnectionState State => _connectionLoop.State;

    public string ClientId { get; }

    public SparkplugTopics Topics => _node.Topics;

    /// <summary>The bdSeq of the current (or last) MQTT session.</summary>
    public long BirthDeathSequence => Interlocked.Read(ref _bdSeqPublished);

    private long _bdSeqPublished = -1;

    /// <summary>Whether the primary host (if any) said it is online; always true without `primaryHostId`.</summary>
    public bool HostOnline => _hostOnline;

    public HealthProblem? Problem => _outage.Cause is { } cause ? new HealthProblem(cause, _outage.Since ?? _context.TimeProvider.GetUtcNow())
        : !_hostOnline ? new HealthProblem($"primary host '{_options.PrimaryHostId}' is offline; readings wait in the buffer", _context.TimeProvider.GetUtcNow())
        : null;

    private string Endpoint => _connection.Endpoint;

    public void ReportSamples(ICollection<MetricSample> samples)
    {
        samples.Add(MetricSample.Counter("gateway_sink_messages_published_total", "MQTT messages the broker has (Sparkplug births, data and deaths).", Interlocked.Read(ref _messagesPublished)));
        samples.Add(MetricSample.Counter("gateway_sink_sparkplug_metrics_published_total", "Sparkplug metrics in messages the broker has.", Interlocked.Read(ref _metricsPublished)));
        samples.Add(MetricSample.Counter("gateway_sink_sparkplug_births_total", "NBIRTH messages sent (a new session, a rebirth command, a changed metric set, a primary host back).", Interlocked.Read(ref _births)));
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_stopped, this);
        if (!_connectionLoop.Start())
        {
            return;
        }

        var stopping = _connectionLoop.Stopping;
        _birthLoop = Task.Run(() => RunBirthsAsync(stopping), CancellationToken.None);
        await _connectionLoop.WaitForFirstAttemptAsync(cancellationToken);
    }

    public async Task DeliverAsync(IReadOnlyList<Reading> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        await WaitUntilConnectedAsync(cancellationToken);
        await _publishLock.WaitAsync(cancellationToken);
        try
        {
            if (!_hostOnline)
            {
                // Sparkplug 3.0, 5.x: with a primary host, the node publishes only while that host is online.
                throw new RetryLaterException(
                    $"Sparkplug sink '{Name}': primary host '{_options.PrimaryHostId}' is offline; readings wait in the buffer until it is back.",
                    TimeSpan.FromSeconds(1));
            }

            var now = _context.TimeProvider.GetUtcNow().UtcDateTime;
            _messages.Clear();
            var wasBorn = _node.IsBorn;
            MarkHistoricalIfBirthDue(now);
            _node.Encode(batch, now, _historicalBefore, _messages);
            try
            {
                await PublishAsync(_messages, cancellationToken);
            }
            catch (Exception e)
            {
                // Some messages may be gone and some not: seq is no longer trustworthy, so the next delivery re-births.
                _node.RequireRebirth();
                if (e is SparkplugSinkException or OperationCanceledException)
                {
                    throw;
                }

                throw new SparkplugSinkException($"Sparkplug sink '{Name}': delivery to {Endpoint} failed: {Sentence.End(Describe(e))} The batch stays in the buffer and is sent again.", e);
            }

            if (!wasBorn)
            {
                _logger.LogInformation("Sparkplug sink '{Sink}': edge node {Group}/{Node} born (bdSeq {BdSeq}) with {Devices} device(s)", Name, Topics.GroupId, Topics.EdgeNodeId, _bdSeqPublished, _node.Devices.Count);
            }
        }
        finally
        {
            _messages.Clear();
            _publishLock.Release();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!await _connectionLoop.StopAsync(cancellationToken, alongside: _birthLoop))
        {
            return;
        }

        if (_client.IsConnected)
        {
            try
            {
                // Sparkplug 3.0: a node that leaves on purpose publishes its NDEATH itself before disconnecting.
                await _client.PublishAsync(DeathMessage(), cancellationToken);
                await _client.DisconnectAsync(new MqttClientDisconnectOptions(), cancellationToken);
            }
            catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException)
            {
                _logger.LogWarning("Sparkplug sink '{Sink}': could not publish NDEATH to {Endpoint} on stop: {Cause}", Name, Endpoint, Describe(e));
            }
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
            _connectionLoop.Dispose();
        }
    }

    /// <summary>Births that no delivery brings: right after connecting, on a rebirth command, when the primary host is back.</summary>
    private async Task RunBirthsAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _birthSignal.WaitAsync(stopping);
                await BirthAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The connection loop notices a lost connection; the next signal or delivery births again.
                _node.RequireRebirth();
                _logger.LogDebug("Sparkplug sink '{Sink}': birth failed: {Cause}", Name, Describe(e));
            }
        }
    }

    /// <summary>A birth after a time in which readings could not be sent makes the readings older than it historical.</summary>
    private void MarkHistoricalIfBirthDue(DateTime now)
    {
        if (!_node.IsBorn && _waited)
        {
            _historicalBefore = now;
            _waited = false;
        }
    }

    private async Task PublishAsync(List<SparkplugMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var births = 0;
        var metrics = 0;
        foreach (var message in messages)
        {
            // Sparkplug 3.0: NBIRTH, DBIRTH, NDATA, DDATA and DDEATH are QoS 0 and never retained.
            var application = new MqttApplicationMessage
            {
                Topic = message.Topic,
                Payload = new ReadOnlySequence<byte>(message.Payload),
                QualityOfServiceLevel = MqttQualityOfServiceLevel.AtMostOnce,
                Retain = false,
            };
            await _client.PublishAsync(application, cancellationToken);
            metrics += message.Metrics;
            if (ReferenceEquals(message.Topic, Topics.NodeBirth))
            {
                births++;
            }
        }

        // QoS 0 has no acknowledgement; the broker answers a PINGREQ only after it has read every packet before it.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.TimeoutMs);
        try
        {
            await _client.PingAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SparkplugSinkException($"Sparkplug sink '{Name}': {Endpoint} did not answer within {_options.TimeoutMs} ms after a delivery; the batch stays in the buffer and is sent again.");
        }

        Interlocked.Add(ref _messagesPublished, messages.Count);
        Interlocked.Add(ref _metricsPublished, metrics);
        Interlocked.Add(ref _births, births);
    }

    private async ValueTask StartSessionAsync(CancellationToken cancellationToken)
    {
        if (_client.IsConnected)
        {
            // A birth that failed on a connection that still stands: start a clean session (new bdSeq) instead.
            await _client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.DisconnectWithWillMessage }, cancellationToken);
        }

        // A new session, a new bdSeq: the Will carries it, and so does this session's NBIRTH.
        await _publishLock.WaitAsync(cancellationToken);
        try
        {
            _node.RequireRebirth();
            _node.BirthDeathSequence = _birthDeathSequence.Next();
            Interlocked.Exchange(ref _bdSeqPublished, _node.BirthDeathSequence);
        }
        finally
        {
            _publishLock.Release();
        }

    }

    private async ValueTask OnConnectedAsync(MqttClientConnectResult result, CancellationToken cancellationToken)
    {
        // Sparkplug 3.0: the node subscribes to its NCMD (and the primary host's STATE) before it births.
        var subscribe = new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.NodeCommand, MqttQualityOfServiceLevel.AtLeastOnce);
        if (_hostStateTopic is not null)
        {
            subscribe.WithTopicFilter(_hostStateTopic, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await _client.SubscribeAsync(subscribe.Build(), cancellationToken);

        // Born before the sink reports itself connected: readings that arrive from now on are live, not historical.
        if (_hostOnline)
        {
            await BirthAsync(cancellationToken);
        }
    }

    /// <summary>NBIRTH and every DBIRTH, unless the node is born already or may not publish now.</summary>
    private async Task BirthAsync(CancellationToken cancellationToken)
    {
        await _publishLock.WaitAsync(cancellationToken);
        try
        {
            if (_node.IsBorn || !_hostOnline || !_client.IsConnected)
            {
                return;
            }

            var now = _context.TimeProvider.GetUtcNow().UtcDateTime;
            _messages.Clear();
            MarkHistoricalIfBirthDue(now);
            _node.Births(now, _messages);
            try
            {
                await PublishAsync(_messages, cancellationToken);
            }
            catch
            {
                _node.RequireRebirth();
                throw;
            }

            _logger.LogInformation("Sparkplug sink '{Sink}': edge node {Group}/{Node} born (bdSeq {BdSeq}) with {Devices} device(s)", Name, Topics.GroupId, Topics.EdgeNodeId, _bdSeqPublished, _node.Devices.Count);
        }
        finally
        {
            _messages.Clear();
            _publishLock.Release();
        }
    }

    private MqttClientOptions BuildClientOptions()
    {
        // Sparkplug 3.0: Clean Session (3.1.1) / Clean Start with session expiry 0 (5); the Will is NDEATH, QoS 1, not retained.
        return _connection.NewClientOptions(ClientId)
            .WithCleanStart(true)
            .WithSessionExpiryInterval(0)
            .WithWillTopic(Topics.NodeDeath)
            .WithWillPayload(_node.NodeDeath(_context.TimeProvider.GetUtcNow().UtcDateTime))
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain(false)
            .Build();
    }

    private MqttApplicationMessage DeathMessage() => new()
    {
        Topic = Topics.NodeDeath,
        PayloadSegment = _node.NodeDeath(_context.TimeProvider.GetUtcNow().UtcDateTime),
        QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
        Retain = false,
    };

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        var payload = e.ApplicationMessage.Payload.ToArray();
        try
        {
            if (topic == Topics.NodeCommand)
            {
                OnNodeCommand(payload);
            }
            else if (topic == _hostStateTopic)
            {
                OnHostState(payload);
            }
        }
        catch (Exception exception)
        {
            // A command from the network must never stop the sink.
            _logger.LogWarning("Sparkplug sink '{Sink}': ignored a message on '{Topic}': {Cause}", Name, topic, exception.Message);
        }

        return Task.CompletedTask;
    }

    /// <summary>Sparkplug 3.0: NCMD `Node Control/Rebirth` = true asks for NBIRTH and every DBIRTH again; anything else is ignored.</summary>
    private void OnNodeCommand(byte[] payload)
    {
        Payload command;
        try
        {
            command = Payload.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            _logger.LogWarning("Sparkplug sink '{Sink}': ignored an NCMD on '{Topic}' that is not a Sparkplug payload ({Bytes} bytes): {Cause}", Name, Topics.NodeCommand, payload.Length, e.Message);
            return;
        }

        foreach (var metric in command.Metrics)
        {
            if (metric.Name == SparkplugEdgeNode.RebirthMetric && metric.ValueCase == Payload.Types.Metric.ValueOneofCase.BooleanValue)
            {
                if (metric.BooleanValue)
                {
                    _logger.LogInformation("Sparkplug sink '{Sink}': rebirth requested by NCMD", Name);
                    _node.RequireRebirth();
                    _birthSignal.Release();
                }

                continue;
            }

            _logger.LogWarning(
                "Sparkplug sink '{Sink}': ignored NCMD metric '{Metric}' (alias {Alias}): this node accepts only '{Rebirth}' (Boolean)",
                Name, metric.HasName ? metric.Name : "", metric.HasAlias ? metric.Alias : 0, SparkplugEdgeNode.RebirthMetric);
        }
    }

    /// <summary>Sparkplug 3.0: STATE is JSON {"online": bool, "timestamp": ms}; an older timestamp than the last one seen is stale and ignored.</summary>
    private void OnHostState(byte[] payload)
    {
        bool online;
        long timestamp;
        try
        {
            using var document = JsonDocument.Parse(payload);
            online = document.RootElement.GetProperty("online").GetBoolean();
            timestamp = document.RootElement.TryGetProperty("timestamp", out var value) && value.TryGetInt64(out var ms) ? ms : 0;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            _logger.LogWarning("Sparkplug sink '{Sink}': ignored a STATE message on '{Topic}' that is not {{\"online\": bool, \"timestamp\": ms}}: {Cause}", Name, _hostStateTopic, e.Message);
            return;
        }

        lock (_stateLock)
        {
            if (timestamp < _hostStateTimestamp)
            {
                return;
            }

            _hostStateTimestamp = timestamp;
            if (online == _hostOnline)
            {
                return;
            }

            _hostOnline = online;
            if (!online)
            {
                _waited = true;
                _node.RequireRebirth();
            }
        }

        if (online)
        {
            _logger.LogInformation("Sparkplug sink '{Sink}': primary host '{Host}' is online; birthing and sending what waited", Name, _options.PrimaryHostId);
            _birthSignal.Release();
        }
        else
        {
            _logger.LogWarning("Sparkplug sink '{Sink}': primary host '{Host}' is offline; readings wait in the buffer until it is back", Name, _options.PrimaryHostId);
        }
    }

    /// <summary>Readings that wait from now on are historical once the node births again.</summary>
    private void OnConnectionLost()
    {
        lock (_stateLock)
        {
            _waited = true;
        }
    }

    private Task WaitUntilConnectedAsync(CancellationToken cancellationToken) => _connectionLoop.WaitUntilConnectedAsync(cancellationToken);

    private string Describe(Exception exception) => _connection.Describe(exception);
}

/// <summary>A delivery or connection failure of the Sparkplug sink; the message says what happened and what to check.</summary>
public sealed class SparkplugSinkException : Exception
{
    public SparkplugSinkException(string message)
        : base(message)
    {
    }

    public SparkplugSinkException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
