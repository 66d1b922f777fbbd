using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Gateway.Core;

/// <summary>
/// Exponential backoff: the first retry after <see cref="Delay"/>, each next one twice as long, never longer than
/// <see cref="MaxDelay"/> (nor shorter than <see cref="Delay"/>). The values belong to whoever retries (a sink's reconnect, a source's session, the buffer's
/// delivery), so they have no defaults here.
/// </summary>
public sealed record RetryOptions
{
    public required TimeSpan Delay { get; init; }

    public required TimeSpan MaxDelay { get; init; }

    /// <summary>Randomize each wait around the curve (still at most <see cref="MaxDelay"/>), so that clients that lost the same server do not come back in step.</summary>
    public bool UseJitter { get; init; } = true;

    /// <summary>Retries after the first attempt; unbounded unless set (a gateway keeps trying until it is stopped).</summary>
    public int MaxRetryAttempts { get; init; } = int.MaxValue;
}

/// <summary>A circuit breaker: opens when <see cref="FailureRatio"/> of the recent attempts failed, and stays open <see cref="BreakDuration"/>.</summary>
public sealed record CircuitBreakerOptions
{
    public required double FailureRatio { get; init; }

    public required TimeSpan BreakDuration { get; init; }
}

/// <summary>
/// The one place that builds Polly pipelines from options. Every pipeline runs on the caller's <see cref="TimeProvider"/>
/// (the injected one): its waits are timers of that provider and its breaker reads that clock, so a test that controls the
/// time controls the retries, and nothing silently falls back to the system clock.
/// </summary>
public static class Resilience
{
    /// <summary>An empty pipeline builder on <paramref name="time"/>, for strategies that are not a backoff (e.g. a server-given Retry-After).</summary>
    public static ResiliencePipelineBuilder<TResult> Pipeline<TResult>(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return new ResiliencePipelineBuilder<TResult> { TimeProvider = time };
    }

    /// <summary>Retries what <paramref name="handles"/> accepts with <paramref name="retry"/>'s backoff, on <paramref name="time"/>.</summary>
    /// <param name="onRetry">Called before each wait, with the attempt's outcome and the coming delay.</param>
    public static ResiliencePipeline Retry(
        RetryOptions retry,
        TimeProvider time,
        Func<Exception, bool> handles,
        Func<OnRetryArguments<object>, ValueTask>? onRetry = null) =>
        Builder(time).AddBackoffRetry(retry, handles, onRetry).Build();

    /// <summary>
    /// Retries with backoff around a circuit breaker: while the circuit is open an attempt fails at once and the retry
    /// waits its backoff, so a dead peer is asked at most once per <see cref="CircuitBreakerOptions.BreakDuration"/>.
    /// </summary>
    public static ResiliencePipeline RetryThroughBreaker(
        RetryOptions retry,
        CircuitBreakerOptions breaker,
        TimeProvider time,
        Func<Exception, bool> handles,
        Func<OnRetryArguments<object>, ValueTask>? onRetry = null,
        CircuitBreakerStateProvider? circuit = null,
        Func<OnCircuitOpenedArguments<object>, ValueTask>? onOpened = null,
        Func<OnCircuitClosedArguments<object>, ValueTask>? onClosed = null)
    {
        ArgumentNullException.ThrowIfNull(breaker);
        var shouldHandle = new PredicateBuilder().Handle(handles);
        return Builder(time)
            .AddBackoffRetry(retry, handles, onRetry)
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = shouldHandle,
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = 2,
                // Two breaks long: long enough to judge a ratio, short enough that an old failure does not reopen it.
                SamplingDuration = TimeSpan.FromMilliseconds(Math.Max(500, breaker.BreakDuration.TotalMilliseconds * 2)),
                BreakDuration = breaker.BreakDuration,
                StateProvider = circuit,
                OnOpened = onOpened,
                OnClosed = onClosed,
            })
            .Build();
    }

    private static ResiliencePipelineBuilder Builder(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return new ResiliencePipelineBuilder { TimeProvider = time };
    }

    private static ResiliencePipelineBuilder AddBackoffRetry(
        this ResiliencePipelineBuilder builder,
        RetryOptions retry,
        Func<Exception, bool> handles,
        Func<OnRetryArguments<object>, ValueTask>? onRetry)
    {
        ArgumentNullException.ThrowIfNull(retry);
        ArgumentNullException.ThrowIfNull(handles);
        return builder.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle(handles),
            MaxRetryAttempts = retry.MaxRetryAttempts,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = retry.UseJitter,
            Delay = retry.Delay,
            MaxDelay = retry.MaxDelay < retry.Delay ? retry.Delay : retry.MaxDelay,
            OnRetry = onRetry,
        });
    }
}
