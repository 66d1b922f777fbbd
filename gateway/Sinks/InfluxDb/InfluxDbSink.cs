using Gateway.Core;

using Microsoft.Extensions.Logging;

using Polly;
using Polly.Retry;

namespace Gateway.Sinks.InfluxDb;

/// <summary>
/// Delivers readings to InfluxDB (1.x, 2.x, 3.x) or VictoriaMetrics as line protocol. A batch from the buffer is
/// split into writes of <c>batchSize</c> lines, several in flight; <see cref="DeliverAsync"/> completes only when
/// every write was acknowledged or its refused lines went to the dead-letter file, and throws otherwise so that
/// the buffer retries the batch (points are keyed by series and time, so a replay overwrites instead of adding).
/// </summary>
public sealed class InfluxDbSink : ISink, IHealthPointSink
{
    private readonly InfluxDbSinkOptions _options;
    private readonly PointMapping _mapping;
    private readonly DeadLetterFile _deadLetters;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline<WriteResult> _throttleRetry;
    private readonly Func<InfluxDbSinkOptions, IInfluxWriter> _writerFactory;
    private readonly Lock _episodeLock = new();
    private IInfluxWriter? _writer;
    private string? _episode;
    private long _episodeFailures;
    private DateTimeOffset _episodeStart;
    private volatile ConnectionState _state = ConnectionState.Disconnected;

    public InfluxDbSink(string name, InfluxDbSinkOptions options, SinkContext context)
    {
        Name = name;
        _options = options;
        _mapping = new PointMapping(options, context.GatewayName);
        _deadLetters = new DeadLetterFile(context.DataDirectory, name);
        _logger = context.LoggerFactory.CreateLogger<InfluxDbSink>();
        _time = context.TimeProvider;
        _writerFactory = o => o.Api == InfluxApi.V1 ? new InfluxV1Writer(o, _mapping.Precision) : new InfluxV2Writer(o, _mapping.Precision);
        _throttleRetry = BuildThrottleRetry(options, context.TimeProvider);
    }

    public string Name { get; }

    /// <summary>This sink logs its own outage start and end (<see cref="ISink.ReportsOwnOutages"/>).</summary>
    public bool ReportsOwnOutages => true;

    public ConnectionState State => _state;

    public InfluxDbSinkCounters Counters { get; } = new();

    /// <summary>Where refused readings are appended.</summary>
    public string DeadLetterPath => _deadLetters.Path;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _writer ??= _writerFactory(_options);
        _state = ConnectionState.Connecting;
        return Task.CompletedTask;
    }

    public async Task DeliverAsync(IReadOnlyList<Reading> batch, CancellationToken cancellationToken)
    {
        _writer ??= _writerFactory(_options);
        var size = _options.BatchSize;
        var writes = (batch.Count + size - 1) / size;
        if (writes <= 1)
        {
            await DeliverSliceAsync(batch, 0, batch.Count, cancellationToken);
            return;
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxWritesInFlight, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, writes), parallel, async (index, token) =>
        {
            var start = index * size;
            await DeliverSliceAsync(batch, start, Math.Min(size, batch.Count - start), token);
        });
    }

    public TimeSpan HealthInterval => string.IsNullOrEmpty(_options.HealthMeasurement) ? TimeSpan.Zero : TimeSpan.FromSeconds(_options.HealthIntervalSeconds);

    /// <summary>Writes the gateway's health points in writes of batchSize lines; throws (as a delivery would) to have them handed again.</summary>
    public async Task WriteHealthAsync(IReadOnlyList<HealthPoint> points, CancellationToken cancellationToken)
    {
        _writer ??= _writerFactory(_options);
        var lines = new InfluxLine[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            lines[i] = _mapping.MapHealth(points[i]);
        }

        for (var start = 0; start < lines.Length; start += _options.BatchSize)
        {
            await WriteAsync(new ArraySegment<InfluxLine>(lines, start, Math.Min(_options.BatchSize, lines.Length - start)), cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // Nothing is queued inside the sink: every write belongs to a DeliverAsync the buffer awaits.
        _state = ConnectionState.Disconnected;
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _writer?.Dispose();
        _writer = null;
        return ValueTask.CompletedTask;
    }

    private async Task DeliverSliceAsync(IReadOnlyList<Reading> batch, int start, int count, CancellationToken cancellationToken)
    {
        var lines = new List<InfluxLine>(count);
        List<(Reading, string?)>? notFinite = null;
        for (var i = start; i < start + count; i++)
        {
            var reading = batch[i];
            var line = _mapping.Map(reading, out var skipped);
            if (line is not null)
            {
                lines.Add(line);
                if (reading.Quality != Quality.Good)
                {
                    Counters.AddNotGoodWritten();
                }

                continue;
            }

            switch (skipped)
            {
                case SkipReason.BadQualityDropped:
                    Counters.AddNotGoodDropped();
                    break;
                case SkipReason.NullValue:
                    Counters.AddNullValueSkipped();
                    break;
                case SkipReason.NotFinite:
                    (notFinite ??= []).Add((reading, null));
                    break;
            }
        }

        if (notFinite is not null)
        {
            await _deadLetters.AppendAsync(notFinite, 0, "NaN or infinite value: InfluxDB cannot store it", cancellationToken);
            Counters.AddDeadLettered(notFinite.Count);
        }

        await WriteAsync(lines.ToArray(), cancellationToken);
    }

    private async Task WriteAsync(ArraySegment<InfluxLine> lines, CancellationToken cancellationToken)
    {
        if (lines.Count == 0)
        {
            return;
        }

        var writer = _writer!;
        WriteResult result;
        try
        {
            result = await _throttleRetry.ExecuteAsync(
                static async (state, token) => await state.writer.WriteAsync(state.lines, token),
                (writer, lines),
                cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            // Refused connection, timeout, DNS, TLS: the buffer retries with backoff.
            var reason = e is OperationCanceledException ? $"no answer within {_options.TimeoutMs} ms" : e.GetBaseException().Message;
            throw Fail("unreachable", $"InfluxDB sink '{Name}': cannot write to {writer.Target}: {reason}. Readings stay in the buffer and are retried.", e);
        }

        if (result.Succeeded)
        {
            Counters.AddPointsWritten(lines.Count);
            Recovered();
            return;
        }

        switch (result.Status)
        {
            case 400 or 422 when !RejectedLines.IsRequestLevel(result.Message):
                await HandleRefusedLinesAsync(lines, result, cancellationToken);
                return;
            case 413:
                Counters.AddSplitForSize();
                if (lines.Count == 1)
                {
                    await DeadLetterAsync(lines, result, cancellationToken);
                    return;
                }

                await WriteHalvesAsync(lines, cancellationToken);
                return;
            case 401 or 403:
                throw Fail("credentials", $"InfluxDB sink '{Name}': {writer.Target} refused the credentials ({result.Status}: {result.Message}). Check `{writer.CredentialsKeys}` of sink '{Name}' and the user's write permission. Readings stay in the buffer.");
            case 404:
                throw Fail("missing", $"InfluxDB sink '{Name}': {writer.Target} does not exist ({result.Message}). Create it, or fix `{writer.ContainerKey}` of sink '{Name}'. Readings stay in the buffer.");
            case 429 or 503 when result.RetryAfter is { } retryAfter:
                Counters.AddThrottled();
                Fail("throttled", $"InfluxDB sink '{Name}': {writer.Target} is busy ({result.Status}: {result.Message}); retrying after {retryAfter.TotalSeconds:0.#} s as it asked.");
                throw new RetryLaterException($"InfluxDB sink '{Name}': {writer.Target} asked to retry after {retryAfter.TotalSeconds:0.#} s ({result.Status}).", retryAfter);
            default:
                if (result.Status is 429 or 503)
                {
                    Counters.AddThrottled();
                }

                throw Fail("status" + result.Status, $"InfluxDB sink '{Name}': {writer.Target} answered {result.Status}: {result.Message}. Readings stay in the buffer and are retried.");
        }
    }

    /// <summary>
    /// 400/422: dead-letter the lines the server's message names and write the rest again (a partial write
    /// already stored them; writing them again overwrites the same points). When the message names no line,
    /// split the write in halves until the refused line stands alone.
    /// </summary>
    private async Task HandleRefusedLinesAsync(ArraySegment<InfluxLine> lines, WriteResult result, CancellationToken cancellationToken)
    {
        var rejected = RejectedLines.Find(result.Message, lines);
        if (rejected.Count > 0)
        {
            var refused = new InfluxLine[rejected.Count];
            var rest = new List<InfluxLine>(lines.Count - rejected.Count);
            var next = 0;
            for (var i = 0; i < lines.Count; i++)
            {
                if (next < rejected.Count && rejected[next] == i)
                {
                    refused[next++] = lines[i];
                }
                else
                {
                    rest.Add(lines[i]);
                }
            }

            await DeadLetterAsync(refused, result, cancellationToken);
            await WriteAsync(rest.ToArray(), cancellationToken);
            return;
        }

        if (lines.Count == 1)
        {
            await DeadLetterAsync(lines, result, cancellationToken);
            return;
        }

        await WriteHalvesAsync(lines, cancellationToken);
    }

    private async Task WriteHalvesAsync(ArraySegment<InfluxLine> lines, CancellationToken cancellationToken)
    {
        var half = lines.Count / 2;
        await WriteAsync(lines[..half], cancellationToken);
        await WriteAsync(lines[half..], cancellationToken);
    }

    private async Task DeadLetterAsync(IReadOnlyList<InfluxLine> lines, WriteResult result, CancellationToken cancellationToken)
    {
        await _deadLetters.AppendAsync(lines, result.Status, result.Message, cancellationToken);
        Counters.AddDeadLettered(lines.Count);
        _logger.LogWarning(
            "InfluxDB sink '{Sink}': {Count} reading(s) refused by {Target} ({Status}: {Message}), e.g. {Source}/{Machine}/{Tag}; written to {DeadLetterFile}. "
            + "For a type conflict, give the tag one type (normalize.type: double) or set integersAsFloat.",
            Name, lines.Count, _writer?.Target, result.Status, result.Message, lines[0].Reading.Source, lines[0].Reading.Machine, lines[0].Reading.Tag, _deadLetters.Path);
    }

    /// <summary>Logs the first failure of an episode as a warning, repeats of it at debug; returns the exception to throw.</summary>
    private InfluxWriteException Fail(string kind, string message, Exception? inner = null)
    {
        Counters.AddFailedWrite();
        _state = ConnectionState.Faulted;
        bool first;
        lock (_episodeLock)
        {
            first = !string.Equals(_episode, kind, StringComparison.Ordinal);
            if (_episode is null)
            {
                _episodeStart = _time.GetUtcNow();
                _episodeFailures = 0;
            }

            _episode = kind;
            _episodeFailures++;
        }

        if (first)
        {
            _logger.LogWarning("{Message}", message);
        }
        else
        {
            _logger.LogDebug("{Message}", message);
        }

        return new InfluxWriteException(message, inner);
    }

    private void Recovered()
    {
        _state = ConnectionState.Connected;
        if (Volatile.Read(ref _episode) is null)
        {
            return;
        }

        long failures;
        TimeSpan duration;
        lock (_episodeLock)
        {
            if (_episode is null)
            {
                return;
            }

            failures = _episodeFailures;
            duration = _time.GetUtcNow() - _episodeStart;
            _episode = null;
        }

        _logger.LogInformation("InfluxDB sink '{Sink}': writing to {Target} again after {Failures} failed write(s) over {Seconds:0.#} s.", Name, _writer?.Target, failures, duration.TotalSeconds);
    }

    // 429/503 with a short Retry-After: wait inside the sink (a Polly retry whose delay is the server's);
    // a longer one goes back to the buffer through RetryLaterException.
    private static ResiliencePipeline<WriteResult> BuildThrottleRetry(InfluxDbSinkOptions options, TimeProvider time)
    {
        var maxWait = TimeSpan.FromMilliseconds(options.MaxRetryAfterWaitMs);
        var builder = Resilience.Pipeline<WriteResult>(time);
        if (maxWait > TimeSpan.Zero)
        {
            builder.AddRetry(new RetryStrategyOptions<WriteResult>
            {
                MaxRetryAttempts = 3,
                ShouldHandle = new PredicateBuilder<WriteResult>().HandleResult(r =>
                    r.Status is 429 or 503 && r.RetryAfter is { } wait && wait <= maxWait),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result.RetryAfter),
            });
        }

        return builder.Build();
    }
}

/// <summary>A write that failed as a whole; the buffer retries the batch.</summary>
public sealed class InfluxWriteException(string message, Exception? innerException = null) : Exception(message, innerException);
