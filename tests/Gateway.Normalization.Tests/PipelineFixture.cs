using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Core;

using Microsoft.Extensions.Logging;

namespace Gateway.Normalization.Tests;

/// <summary>The buffer's place in the tests: keeps a copy of every batch the pipeline passes on.</summary>
internal sealed class RecordingWriter : IReadingWriter
{
    private readonly List<Reading> _readings = [];

    public int Batches { get; private set; }

    public IReadOnlyList<Reading> Readings
    {
        get
        {
            lock (_readings)
            {
                return [.. _readings];
            }
        }
    }

    public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
    {
        lock (_readings)
        {
            Batches++;
            _readings.AddRange(readings);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>A clock the test sets by hand.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

internal sealed record LogEntry(LogLevel Level, string Message);

/// <summary>Keeps every log line, to check what is logged once per episode.</summary>
internal sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly List<LogEntry> _entries = [];

    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries)
        {
            _entries.Add(new LogEntry(logLevel, formatter(state, exception)));
        }
    }
}

/// <summary>A pipeline over one or more tags, a recording writer, a manual clock and a recording logger.</summary>
internal sealed class PipelineFixture
{
    public static readonly DateTime T0 = new(2026, 11, 25, 3, 0, 0, DateTimeKind.Utc);

    public PipelineFixture(params ResolvedTag[] tags)
    {
        Pipeline = new NormalizationPipeline(tags, Output, Clock, Logger);
    }

    public PipelineFixture(NormalizeConfig rules)
        : this(Tag("cnc1", "M1", "speed", rules))
    {
    }

    public RecordingWriter Output { get; } = new();

    public ManualClock Clock { get; } = new(new DateTimeOffset(T0));

    public RecordingLogger<NormalizationPipeline> Logger { get; } = new();

    public NormalizationPipeline Pipeline { get; }

    public static ResolvedTag Tag(string source, string machine, string tag, NormalizeConfig rules, LabelSet? labels = null, string? measurement = null) =>
        new(source, machine, "g1", tag, new { NodeId = $"ns=2;s={machine}.{tag}" }, new { }, 1000,
            measurement ?? source, rules, labels ?? LabelSet.From([new("site", "changwon")]), new SourceLocation("gateway.yaml", 12, 7));

    public static Reading Reading(ReadingValue value, uint status = 0, DateTime? source = null, string tag = "speed", string machine = "M1") => new()
    {
        Source = "cnc1",
        Machine = machine,
        Tag = tag,
        Value = value,
        StatusCode = status,
        SourceTimestamp = source ?? T0,
        ServerTimestamp = (source ?? T0).AddMilliseconds(5),
    };

    /// <summary>Writes one reading and returns what came out (null when dropped).</summary>
    public Reading? Write(Reading reading)
    {
        var before = Output.Readings.Count;
        Pipeline.WriteAsync([reading], CancellationToken.None).AsTask().GetAwaiter().GetResult();
        var after = Output.Readings;
        return after.Count > before ? after[^1] : null;
    }

    public Reading? Write(double value, uint status = 0) => Write(Reading(ReadingValue.FromDouble(value), status));

    /// <summary>Writes the values one by one; the values that came out, as text ("x" for a dropped one).</summary>
    public string WriteAll(params double[] values) =>
        string.Join(" ", values.Select(v => Write(v)?.Value.ToString() ?? "x"));
}

internal static class StatusCodes
{
    public const uint Good = 0;
    public const uint BadCommunicationError = 0x80050000;
    public const uint BadNoCommunication = 0x80310000;
    public const uint UncertainLastUsableValue = 0x40900000;
    public const uint BadTypeMismatch = 0x80740000;
}
