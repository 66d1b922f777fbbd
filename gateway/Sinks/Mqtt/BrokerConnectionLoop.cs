using Gateway.Core;

using Microsoft.Extensions.Logging;

using MQTTnet;

using Polly;

namespace Gateway.Sinks.Mqtt;

/// <summary>
/// Keeps the MQTT client of a sink (`mqtt`, `sparkplug`) connected to its broker: connects with backoff from the
/// first attempt on, connects again after a loss, tracks the state and the outage (one log line per outage and cause),
/// and lets a delivery wait a moment for the connection. What a session is (client options, what happens before and
/// after CONNECT) the sink says through <see cref="BrokerSessionSteps"/>.
/// </summary>
public sealed class BrokerConnectionLoop : IDisposable
{
    private readonly IMqttClient _client;
    private readonly BrokerConnection _connection;
    private readonly BrokerSessionSteps _steps;
    private readonly string _subject;
    private readonly string _clientId;
    private readonly TimeSpan _firstAttemptTimeout;
    private readonly int _reconnectDelayMs;
    private readonly int _reconnectMaxDelayMs;
    private readonly ILogger _logger;
    private readonly OutageEpisode _outage;
    private readonly ResiliencePipeline _reconnect;
    private readonly Lock _stateLock = new();
    private readonly TaskCompletionSource _firstAttempt = NewSignal();

    private CancellationTokenSource? _stopping;
    private Task _loop = Task.CompletedTask;
    private TaskCompletionSource _connected = NewSignal();
    private TaskCompletionSource _connectionLost = NewSignal();
    private volatile ConnectionState _state = ConnectionState.Disconnected;
    private volatile string? _problem;

    /// <param name="subject">Who connects, as log lines and errors start: "MQTT sink 'uns'".</param>
    /// <param name="outage">The sink's outage episode: the loop reports connect failures, losses and recoveries to it.</param>
    public BrokerConnectionLoop(
        IMqttClient client,
        BrokerConnection connection,
        BrokerConnectionOptions options,
        string clientId,
        string subject,
        BrokerSessionSteps steps,
        ILogger logger,
        OutageEpisode outage,
        TimeProvider timeProvider)
    {
        _client = client;
        _connection = connection;
        _steps = steps;
        _subject = subject;
        _clientId = clientId;
        _firstAttemptTimeout = TimeSpan.FromMilliseconds(options.TimeoutMs + 1000);
        _reconnectDelayMs = options.ReconnectDelayMs;
        _reconnectMaxDelayMs = options.ReconnectMaxDelayMs;
        _logger = logger;
        _outage = outage;
        _reconnect = connection.NewReconnectPipeline(timeProvider, ReportConnectFailure);
        _client.DisconnectedAsync += OnDisconnectedAsync;
    }

    public ConnectionState State => _state;

    /// <summary>The cause of the current outage; null while connected.</summary>
    public string? Problem => _problem;

    /// <summary>Cancelled when the sink stops; for the sink's own loops beside this one.</summary>
    public CancellationToken Stopping => _stopping?.Token ?? CancellationToken.None;

    /// <summary>Starts connecting in the background; false when the loop runs already.</summary>
    public bool Start()
    {
        if (_stopping is not null)
        {
            return false;
        }

        _stopping = new CancellationTokenSource();
        _state = ConnectionState.Connecting;
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return true;
    }

    /// <summary>
    /// Waits for the first attempt's outcome (at most `timeoutMs` and a second), so the first delivery does not fail
    /// needlessly; an outage is not fatal here.
    /// </summary>
    public async Task WaitForFirstAttemptAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _firstAttempt.Task.WaitAsync(_firstAttemptTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
    }

    /// <summary>Returns once connected; a reconnect may be a moment away, so it waits a second before it throws the sink's failure.</summary>
    public async Task WaitUntilConnectedAsync(CancellationToken cancellationToken)
    {
        if (_stopping is null)
        {
            throw new InvalidOperationException($"{_subject}: DeliverAsync was called before StartAsync.");
        }

        if (_client.IsConnected && _state == ConnectionState.Connected)
        {
            return;
        }

        try
        {
            await _connected.Task.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
        }
        catch (TimeoutException)
        {
            throw _steps.Failure($"{_subject} is not connected to {_connection.Endpoint}: {Sentence.End(_problem ?? "connecting")}");
        }
    }

    /// <summary>
    /// Stops connecting and waits for the loop (and <paramref name="alongside"/>, a loop of the sink on <see cref="Stopping"/>);
    /// false when the loop was not running. The connection stays open for the sink's goodbye; then <see cref="ReportStopped"/>.
    /// </summary>
    public async Task<bool> StopAsync(CancellationToken cancellationToken, Task? alongside = null)
    {
        if (_stopping is null || _stopping.IsCancellationRequested)
        {
            return false;
        }

        await _stopping.CancelAsync();
        try
        {
            await (alongside is null ? _loop : Task.WhenAll(_loop, alongside)).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        return true;
    }

    public void ReportStopped() => _state = ConnectionState.Disconnected;

    public void Dispose() => _stopping?.Dispose();

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _reconnect.ExecuteAsync(ConnectOnceAsync, stopping);
                ReportConnected();
                await _connectionLost.Task.WaitAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Not expected (the retry handles every failure); never let the loop die.
                _logger.LogError(e, "{Subject}: connection loop failed; restarting it", _subject);
                await Task.Delay(_reconnectDelayMs, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async ValueTask ConnectOnceAsync(CancellationToken cancellationToken)
    {
        if (_steps.BeforeConnect is { } beforeConnect)
        {
            await beforeConnect(cancellationToken);
        }

        // After BeforeConnect: closing a connection that still stands there must not count as losing the new one.
        _connectionLost = NewSignal();
        var result = await _client.ConnectAsync(_steps.ClientOptions(), cancellationToken);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw _steps.Failure(BrokerConnection.DescribeRefusal(result.ResultCode, result.ReasonString));
        }

        if (_steps.AfterConnect is { } afterConnect)
        {
            await afterConnect(result, cancellationToken);
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (!e.ClientWasConnected)
        {
            return Task.CompletedTask;
        }

        lock (_stateLock)
        {
            _connected = NewSignal();
            _steps.Lost?.Invoke();
            if (_stopping?.IsCancellationRequested != true)
            {
                var cause = e.Exception is not null ? _connection.Describe(e.Exception) : $"{e.Reason} {e.ReasonString}".Trim();
                _outage.Failed($"lost the connection to {_connection.Endpoint}: {cause}", "Readings stay in the buffer; reconnecting.", kind: "lost");
                _problem = cause;
                _state = ConnectionState.Connecting;
            }
        }

        _connectionLost.TrySetResult();
        return Task.CompletedTask;
    }

    private void ReportConnectFailure(Exception? exception)
    {
        var cause = exception is null ? "unknown failure" : _connection.Describe(exception);
        lock (_stateLock)
        {
            // One line per outage and cause, not one per retry (OutageEpisode).
            _outage.Failed(
                $"cannot connect to {_connection.Endpoint} as '{_clientId}': {cause}",
                $"Readings stay in the buffer; retrying with backoff up to {_reconnectMaxDelayMs / 1000} s.",
                kind: cause);
            _problem = cause;
            _state = ConnectionState.Faulted;
        }

        _firstAttempt.TrySetResult();
    }

    private void ReportConnected()
    {
        lock (_stateLock)
        {
            if (_outage.Recovered(() => $"connected to {_connection.Endpoint}") is null)
            {
                _steps.LogConnected();
            }

            _problem = null;
            _state = ConnectionState.Connected;
            _connected.TrySetResult();
        }

        _firstAttempt.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>What an MQTT session of a sink is, for <see cref="BrokerConnectionLoop"/>.</summary>
public sealed class BrokerSessionSteps
{
    /// <summary>The CONNECT options (built anew for each attempt: a Will may change from one session to the next).</summary>
    public required Func<MqttClientOptions> ClientOptions { get; init; }

    /// <summary>The sink's own exception, with a message that says what happened and what to check.</summary>
    public required Func<string, Exception> Failure { get; init; }

    /// <summary>Logs the first connection (a recovery from an outage is logged by the outage episode).</summary>
    public required Action LogConnected { get; init; }

    /// <summary>Before each CONNECT, e.g. start the embedded broker; a failure here is retried like a failed CONNECT.</summary>
    public Func<CancellationToken, ValueTask>? BeforeConnect { get; init; }

    /// <summary>After a successful CONNECT, before the sink counts as connected (subscribe, publish a status or a birth).</summary>
    public Func<MqttClientConnectResult, CancellationToken, ValueTask>? AfterConnect { get; init; }

    /// <summary>When an established connection is lost (also while stopping).</summary>
    public Action? Lost { get; init; }
}
