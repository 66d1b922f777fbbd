using System.Collections.Concurrent;

using Gateway.Configuration.Model;
using Gateway.Core;

using Microsoft.Extensions.Logging;

using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

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
    private long _delivered;
    private long _batches;
    private long _retries;
    private long _currentDelayTicks;
    private long _lastSequence;
    private volatile string? _lastError;
    private volatile DeliveryState _state = DeliveryState.Stopped;
    private DateTime? _lastDeliveryUtc;

    /// <param name="linger">
    /// After a batch that was not full, how long to let readings gather before reading the next one: readings that arrive
    /// in many small groups (one per OPC UA publish) then leave in fewer, larger batches. Zero delivers at once.
    /// </param>
    public SinkDeliveryLoop(StoreAndForwardBuffer buffer, ISink sink, RetryConfig retry, int batchSize, ILogger logger, TimeProvider? timeProvider = null, TimeSpan linger = default)
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
        _pipeline = BuildPipeline(retry);
    }

    public string Sink => _sink.Name;

    /// <summary>Counters and state for /status and the metrics.</summary>
    public SinkDeliveryStatus Status => new(
        _sink.Name,
        _state,
        _circuit.CircuitState,
        Interlocked.Read(ref _delivered),
        Interlocked.Read(ref _batches),
        Interlocked.Read(ref _retries),
        new Dictionary<string, long>(_failures, StringComparer.Ordinal),
        TimeSpan.FromTicks(Interlocked.Read(ref _currentDelayTicks)),
        Interlocked.Read(ref _lastSequence),
        _lastDeliveryUtc,
        _lastError);

    /// <summary>Runs until cancelled. Never throws for a sink fault: it retries, with backoff, for as long as it takes.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // With data on disk and a synchronous sink every await below completes at once: never run the drain on the caller's thread.
        await Task.Yield();
        _buffer.Rewind(_sink.Name);
        _state = DeliveryState.Waiting;
        try
        {
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
                if (_linger > TimeSpan.Zero && batch.Count < _batchSize / 2)
                {
                    // A backlog (full batches) goes out back to back; live data waits a moment to travel in company.
                    await Task.Delay(_linger, _time, cancellationToken);
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

    private ResiliencePipeline BuildPipeline(RetryConfig retry)
    {
        var handled = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException);
        return new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = handled,
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(retry.InitialDelayMs),
                MaxDelay = TimeSpan.FromMilliseconds(retry.MaxDelayMs),
                OnRetry = args =>
                {
                    var error = args.Outcome.Exception;
                    Interlocked.Increment(ref _retries);
                    Interlocked.Exchange(ref _currentDelayTicks, args.RetryDelay.Ticks);
                    _state = _circuit.CircuitState == CircuitState.Open ? DeliveryState.CircuitOpen : DeliveryState.Retrying;
                    if (error is not null && error is not BrokenCircuitException)
                    {
                        _failures.AddOrUpdate(error.GetType().Name, 1, (_, n) => n + 1);
                        _lastError = error.Message;
                    }

                    // One warning per episode, then a reminder every 10th attempt, so a long outage does not flood the log.
                    var level = args.AttemptNumber == 0 ? LogLevel.Warning : args.AttemptNumber % 10 == 0 ? LogLevel.Information : LogLevel.Debug;
                    _logger.Log(
                        level,
                        "sink {Sink}: delivery failed (attempt {Attempt}): {Error}; retrying in {Delay} ms; readings stay in the buffer",
                        _sink.Name, args.AttemptNumber + 1, error?.Message, (long)args.RetryDelay.TotalMilliseconds);

                    return default;
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = handled,
                FailureRatio = retry.BreakerFailureRatio,
                MinimumThroughput = 2,
                SamplingDuration = TimeSpan.FromMilliseconds(Math.Max(500, retry.BreakDurationMs * 2)),
                BreakDuration = TimeSpan.FromMilliseconds(retry.BreakDurationMs),
                StateProvider = _circuit,
                OnOpened = args =>
                {
                    _logger.LogWarning("sink {Sink}: circuit opened for {Duration} ms after repeated failures", _sink.Name, (long)args.BreakDuration.TotalMilliseconds);
                    return default;
                },
                OnClosed = _ =>
                {
                    _logger.LogInformation("sink {Sink}: circuit closed, delivering again", _sink.Name);
                    return default;
                },
            })
            .Build();
    }
}

public enum DeliveryState
{
    Stopped,
    Waiting,
    Delivering,
    Retrying,
    CircuitOpen,
}

/// <summary>A delivery loop's counters. <see cref="FailuresByType"/> is keyed by exception type name.</summary>
public sealed record SinkDeliveryStatus(
    string Sink,
    DeliveryState State,
    CircuitState Circuit,
    long Delivered,
    long Batches,
    long Retries,
    IReadOnlyDictionary<string, long> FailuresByType,
    TimeSpan CurrentDelay,
    long LastAcknowledgedSequence,
    DateTime? LastDeliveryUtc,
    string? LastError);
