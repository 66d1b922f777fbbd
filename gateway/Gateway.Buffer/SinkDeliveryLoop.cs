using System.Collections.Concurrent;

using Gateway.Core;

using Microsoft.Extensions.Logging;

using Polly;
using Polly.CircuitBreaker;

namespace Gateway.Buffer;

/// <summary>
/// Delivers one sink's readings: reads a batch through the sink's cursor, hands it to <see cref="ISink.DeliverAsync"/>
/// through the sink's own Polly pipeline (exponential backoff with jitter, then a circuit breaker), and moves the
/// cursor only when the sink accepted the batch. Each sink has its own loop, so one sink being down never holds
/// up another: the other's cursor keeps moving and the buffer keeps what the slow one has not yet taken.
/// </summary>
public sealed class SinkDeliveryLoop
{
    private readonly StoreAndForwardBuffer _buffer;
    private readonly ISink _sink;
    private readonly int _batchSize;
    private readonly TimeSpan _linger;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerStateProvider _circuit = new();
    private readonly ConcurrentDictionary<string, long> _failures = new(StringComparer.Ordinal);
    private readonly OutageEpisode _outage;
    private long _delivered;
    private long _batches;
    private long _retries;
    private long _restarts;
    private long _currentDelayTicks;
    private long _lastSequence;
    private volatile string? _lastError;
    private volatile DeliveryState _state = DeliveryState.Stopped;
    private DateTime? _lastDeliveryUtc;
    private CancellationToken _stopping;

    /// <param name="linger">
    /// After a batch that was not full, how long to let readings gather before reading the next one: readings that arrive
    /// in many small groups (one per OPC UA publish) then leave in fewer, larger batches. Zero delivers at once.
    /// </param>
    public SinkDeliveryLoop(StoreAndForwardBuffer buffer, ISink sink, DeliveryRetryOptions retry, int batchSize, ILogger logger, TimeProvider? timeProvider = null, TimeSpan linger = default)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(retry);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _buffer = buffer;
        _sink = sink;
        _batchSize = batchSize;
        _linger = linger < TimeSpan.Zero ? TimeSpan.Zero : linger;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _outage = new OutageEpisode(logger, _time, $"sink {sink.Name}", sink.ReportsOwnOutages ? LogLevel.Debug : LogLevel.Warning);
        _pipeline = BuildPipeline(retry);
    }

    public string Sink => _sink.Name;

    private long PendingReadings() =>
        _buffer.GetStatistics().Sinks.FirstOrDefault(s => s.Sink == _sink.Name)?.Pending ?? 0;

    /// <summary>Counters and state for /status and the metrics.</summary>
    public SinkDeliveryStatus Status => new(
        _sink.Name,
        _state,
        _circuit.CircuitState,
        Interlocked.Read(ref _delivered),
        Interlocked.Read(ref _batches),
        Interlocked.Read(ref _retries),
        Interlocked.Read(ref _restarts),
        new Dictionary<string, long>(_failures, StringComparer.Ordinal),
        TimeSpan.FromTicks(Interlocked.Read(ref _currentDelayTicks)),
        Interlocked.Read(ref _lastSequence),
        _lastDeliveryUtc,
        _lastError);

    /// <summary>
    /// Runs until cancelled. Never throws for a sink fault: it retries, with backoff, for as long as it takes. Anything
    /// else that ends a delivery run (a bug in the sink outside its delivery, an error reading or acknowledging in the
    /// buffer) would leave the sink's readings piling up on a gateway nobody watches: it is logged with its stack and the
    /// run starts again from the durable cursor after 1, 2, 4 ... 60 s (<see cref="RestartBackoff"/>), so nothing handed out but not acknowledged is lost.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // With data on disk and a synchronous sink every await below completes at once: never run the drain on the caller's thread.
        await Task.Yield();
        _stopping = cancellationToken;
        var backoff = new RestartBackoff();
        try
        {
            while (true)
            {
                var started = _time.GetTimestamp();
                try
                {
                    await DeliverUntilStoppedAsync(cancellationToken);
                    return;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    var delay = backoff.AfterRun(_time.GetElapsedTime(started));
                    Interlocked.Increment(ref _restarts);
                    RecordFailure(e);
                    _state = DeliveryState.Restarting;
                    _logger.LogError(
                        e,
                        "sink {Sink}: delivery stopped unexpectedly: {Message}. The readings stay in the buffer; delivery starts again from the last acknowledged reading in {Delay} s (restart {Restart}).",
                        _sink.Name, e.Message, delay.TotalSeconds, Interlocked.Read(ref _restarts));
                    await Task.Delay(delay, _time, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopping
        }
        catch (ObjectDisposedException) when (cancellationToken.IsCancellationRequested)
        {
            // the buffer closed during shutdown
        }
        finally
        {
            _state = DeliveryState.Stopped;
        }
    }

    private async Task DeliverUntilStoppedAsync(CancellationToken cancellationToken)
    {
        _buffer.ReplayBacklog(_sink.Name, _sink.ReplaysBacklog);
        _buffer.Rewind(_sink.Name);
        _state = DeliveryState.Waiting;
        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = await _buffer.ReadBatchAsync(_sink.Name, _batchSize, cancellationToken);
            _state = DeliveryState.Delivering;
            await _pipeline.ExecuteAsync(
                static async (state, token) => await state._sink.DeliverAsync(state.batch, token),
                (_sink, batch),
                cancellationToken);
            var last = batch.AcknowledgeUpTo;
            await _buffer.AcknowledgeAsync(_sink.Name, last, cancellationToken);
            Interlocked.Add(ref _delivered, batch.Count);
            Interlocked.Increment(ref _batches);
            Interlocked.Exchange(ref _lastSequence, last);
            Interlocked.Exchange(ref _currentDelayTicks, 0);
            _lastDeliveryUtc = _time.GetUtcNow().UtcDateTime;
            _state = DeliveryState.Waiting;
            if (_outage.InProgress)
            {
                _outage.Recovered(() => $"{PendingReadings():N0} reading(s) still waiting in the buffer are being sent now");
            }

            if (_linger > TimeSpan.Zero && batch.Count < _batchSize / 2)
            {
                // A backlog (full batches) goes out back to back; live data waits a moment to travel in company.
                await Task.Delay(_linger, _time, cancellationToken);
            }
        }
    }

    /// <summary>Counted by exception type for /metrics; its message is what /status shows.</summary>
    private void RecordFailure(Exception error)
    {
        _failures.AddOrUpdate(error.GetType().Name, 1, (_, n) => n + 1);
        _lastError = error.Message;
    }

    private ResiliencePipeline BuildPipeline(DeliveryRetryOptions retry) => Resilience.RetryThroughBreaker(
        new RetryOptions { Delay = retry.InitialDelay, MaxDelay = retry.MaxDelay },
        new CircuitBreakerOptions { FailureRatio = retry.BreakerFailureRatio, BreakDuration = retry.BreakDuration },
        _time,
        // A cancellation the loop did not ask for is the sink's own timeout (HttpClient throws TaskCanceledException):
        // a failed attempt like any other, retried, not the end of delivery.
        handles: e => e is not OperationCanceledException || !_stopping.IsCancellationRequested,
        onRetry: args =>
        {
            var error = args.Outcome.Exception;
            Interlocked.Increment(ref _retries);
            Interlocked.Exchange(ref _currentDelayTicks, args.RetryDelay.Ticks);
            _state = _circuit.CircuitState == CircuitState.Open ? DeliveryState.CircuitOpen : DeliveryState.Retrying;
            if (error is not null && error is not BrokenCircuitException)
            {
                RecordFailure(error);
            }

            // One warning when the outage starts and one line when it ends (OutageEpisode); each retry at Debug.
            if (error is not null && error is not BrokenCircuitException)
            {
                _outage.Failed($"cannot deliver: {error.Message}", $"The readings wait in the buffer; retrying with backoff up to {retry.MaxDelay.TotalSeconds:0.#} s");
            }

            _logger.LogDebug(
                "sink {Sink}: delivery attempt {Attempt} failed: {Error}; next in {Delay} ms",
                _sink.Name, args.AttemptNumber + 1, error?.Message, (long)args.RetryDelay.TotalMilliseconds);

            return default;
        },
        circuit: _circuit,
        onOpened: args =>
        {
            // Part of the outage already reported: at Debug, or a long outage repeats it every break.
            _logger.LogDebug("sink {Sink}: circuit opened for {Duration} ms after repeated failures", _sink.Name, (long)args.BreakDuration.TotalMilliseconds);
            return default;
        },
        onClosed: _ =>
        {
            _logger.LogDebug("sink {Sink}: circuit closed, delivering again", _sink.Name);
            return default;
        });
}

public enum DeliveryState
{
    Stopped,
    Waiting,
    Delivering,
    Retrying,
    CircuitOpen,

    /// <summary>The delivery run stopped on an unexpected error (logged) and starts again after a delay.</summary>
    Restarting,
}

/// <summary>
/// A delivery loop's counters. <see cref="FailuresByType"/> is keyed by exception type name; <see cref="Restarts"/> counts
/// delivery runs that stopped on an unexpected error and were started again.
/// </summary>
public sealed record SinkDeliveryStatus(
    string Sink,
    DeliveryState State,
    CircuitState Circuit,
    long Delivered,
    long Batches,
    long Retries,
    long Restarts,
    IReadOnlyDictionary<string, long> FailuresByType,
    TimeSpan CurrentDelay,
    long LastAcknowledgedSequence,
    DateTime? LastDeliveryUtc,
    string? LastError);
