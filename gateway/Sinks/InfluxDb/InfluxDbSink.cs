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
    private readonly OutageEpisode _outage;
    private IInfluxWriter? _writer;
    private volatile ConnectionState _state = ConnectionState.Disconnected;

    public InfluxDbSink(string name, InfluxDbSinkOptions options, SinkContext context)
    {
        Name = name;
        _options = options;
        _mapping = new PointMapping(options, context.GatewayName);
        _deadLetters = new DeadLetterFile(context.DataDirectory, name, context.TimeProvider);
        _logger = context.LoggerFactory.CreateLogger<InfluxDbSink>();
        _time = context.TimeProvider;
        _outage = new OutageEpisode(_logger, _time, $"InfluxDB sink '{name}'");
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
        List<DeadLetter>? notFinite = null;
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
                    (notFinite ??= []).Add(new DeadLetter(reading, "NaN or infinite value: InfluxDB cannot store it"));
                    break;
            }
        }

        if (notFinite is not null)
        {
            await _deadLetters.AppendAsync(notFinite, cancellationToken);
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
            throw Fail("unreachable", $"cannot write to {writer.Target}: {reason}", "Readings stay in the buffer and are retried.", e);
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
                throw Fail("credentials", $"{writer.Target} refused the credentials ({result.Status}: {result.Message}). Check `{writer.CredentialsKeys}` of sink '{Name}' and the user's write permission", "Readings stay in the buffer.");
            case 404:
                throw Fail("missing", $"{writer.Target} does not exist ({result.Message}). Create it, or fix `{writer.ContainerKey}` of sink '{Name}'", "Readings stay in the buffer.");
            case 429 or 503 when result.RetryAfter is { } retryAfter:
                Counters.AddThrottled();
                Fail("throttled", $"{writer.Target} is busy ({result.Status}: {result.Message})", $"Retrying after {retryAfter.TotalSeconds:0.#} s as it asked.");
                throw new RetryLaterException($"InfluxDB sink '{Name}': {writer.Target} asked to retry after {retryAfter.TotalSeconds:0.#} s ({result.Status}).", retryAfter);
            default:
                if (result.Status is 429 or 503)
                {
                    Counters.AddThrottled();
                }

                throw Fail("status" + result.Status, $"{writer.Target} answered {result.Status}: {result.Message}", "Readings stay in the buffer and are retried.");
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
        var status = result.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await _deadLetters.AppendAsync([.. lines.Select(l => new DeadLetter(l.Reading, result.Message, status, l.Text))], cancellationToken);
        Counters.AddDeadLettered(lines.Count);
        _logger.LogWarning(
            "InfluxDB sink '{Sink}': {Count} reading(s) refused by {Target} ({Status}: {Message}), e.g. {Source}/{Machine}/{Tag}; written to {DeadLetterFile}. "
            + "For a type conflict, give the tag one type (normalize.type: double) or set integersAsFloat.",
            Name, lines.Count, _writer?.Target, result.Status, result.Message, lines[0].Reading.Source, lines[0].Reading.Machine, lines[0].Reading.Tag, _deadLetters.Path);
    }

    /// <summary>Counts a failed write and adds it to the running outage (one warning per outage and cause); returns the exception to throw.</summary>
    /// <param name="kind">What counts as the same cause: a failure of another kind is logged again.</param>
    private InfluxWriteException Fail(string kind, string cause, string meanwhile, Exception? inner = null)
    {
        Counters.AddFailedWrite();
        _state = ConnectionState.Faulted;
        _outage.Failed(cause, meanwhile, kind);
        return new InfluxWriteException($"InfluxDB sink '{Name}': {Sentence.End(cause)} {meanwhile}", inner);
    }

    private void Recovered()
    {
        _state = ConnectionState.Connected;
        if (_outage.InProgress)
        {
            _outage.Recovered(() => $"writing to {_writer?.Target}");
        }
    }

    /// <summary>The sink's counters, for /metrics and the `gateway` measurement.</summary>
    public void ReportSamples(ICollection<MetricSample> samples)
    {
        samples.Add(MetricSample.Counter("gateway_sink_points_written_total", "Points the InfluxDB server acknowledged.", Counters.PointsWritten));
        samples.Add(MetricSample.Counter("gateway_sink_writes_total", "HTTP writes to InfluxDB that succeeded.", Counters.Writes));
        samples.Add(MetricSample.Counter("gateway_sink_failed_writes_total", "Writes to InfluxDB that failed as a whole (unreachable, credentials, missing database or bucket, 5xx); retried.", Counters.FailedWrites));
        samples.Add(MetricSample.Counter("gateway_sink_throttled_total", "429/503 answers of InfluxDB (busy); retried after the time it asked.", Counters.Throttled));
        samples.Add(MetricSample.Counter("gateway_sink_splits_for_size_total", "Writes split in two after InfluxDB answered 413 (request too large).", Counters.SplitsForSize));
        samples.Add(MetricSample.Counter("gateway_sink_not_good_written_total", "Uncertain or Bad readings written with the quality tag.", Counters.NotGoodWritten));
        samples.Add(MetricSample.Counter("gateway_sink_not_good_dropped_total", "Uncertain or Bad readings dropped (badQuality: drop).", Counters.NotGoodDropped));
        samples.Add(MetricSample.Counter("gateway_sink_null_values_skipped_total", "Readings without a value (nothing to write).", Counters.NullValuesSkipped));
        samples.Add(_deadLetters.Sample());
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
