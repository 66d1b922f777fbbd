using System.Collections.Concurrent;

using Gateway.Core;

using Microsoft.Extensions.Logging;

namespace Gateway.Host.Service;

/// <summary>
/// Sits between a connector and the pipeline and counts what the source produced: readings per machine and the last
/// time each machine sent one ("which machine stopped sending?" is the first question a center engineer asks).
/// Readings that follow a data gap (values dropped before they reached the gateway) are also logged, at most once a
/// minute per source with the count since the last line: a loss must be seen in the log, not only in a metric.
/// </summary>
public sealed class SourceActivity : IReadingWriter
{
    /// <summary>The shortest time between two log lines about data gaps of one source.</summary>
    public static readonly TimeSpan GapLogInterval = TimeSpan.FromMinutes(1);

    private readonly IReadingWriter _next;
    private readonly ConcurrentDictionary<string, MachineActivity> _machines = new(StringComparer.Ordinal);
    private readonly ILogger? _logger;
    private readonly TimeProvider _time;
    private readonly ThrottledCount _gapsToLog = new();

    public SourceActivity(string source, IEnumerable<string> machines, IReadingWriter next, ILogger? logger = null, TimeProvider? time = null)
    {
        Source = source;
        _next = next;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        foreach (var machine in machines)
        {
            _machines.TryAdd(machine, new MachineActivity());
        }
    }

    public string Source { get; }

    public IReadOnlyDictionary<string, MachineActivity> Machines => _machines;

    public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        MachineActivity? last = null;
        string? lastName = null;
        var gaps = 0;
        string? gapMachine = null;
        for (var i = 0; i < readings.Count; i++)
        {
            var machine = readings[i].Machine;
            if (!ReferenceEquals(machine, lastName))
            {
                last = _machines.GetOrAdd(machine, static _ => new MachineActivity());
                lastName = machine;
            }

            last!.Record(now, readings[i].Quality, readings[i].DataGap);
            if (readings[i].DataGap)
            {
                gaps++;
                gapMachine = machine;
            }
        }

        if (gaps > 0 && _logger is not null)
        {
            LogGaps(gaps, gapMachine!);
        }

        return _next.WriteAsync(readings, cancellationToken);
    }

    private void LogGaps(int gaps, string machine)
    {
        var count = _gapsToLog.Add(gaps, _time.GetUtcNow(), GapLogInterval);
        if (count == 0)
        {
            return; // logged within the last minute (or by another writer just now): counted for the next line
        }

        _logger!.LogWarning(
            "Source {Source}: {Count} reading(s) came after a data gap since the last such line (latest: machine {Machine}): values were dropped before they reached the gateway, e.g. an OPC UA server's item queue overflowed because the gateway fell behind or the group's queueSize is small for its sampling. The readings are flagged `gap`; gateway_source_overflows_total counts them. Logged at most once a minute",
            Source,
            count,
            machine);
    }
}

/// <summary>Counters of one machine, updated without locks on the hot path.</summary>
public sealed class MachineActivity
{
    private long _readings;
    private long _bad;
    private long _gaps;
    private long _lastTicks;

    public long Readings => Interlocked.Read(ref _readings);

    public long BadReadings => Interlocked.Read(ref _bad);

    /// <summary>Readings whose status had the Overflow bit: the server dropped values before this one (a data gap).</summary>
    public long DataGaps => Interlocked.Read(ref _gaps);

    public DateTime? LastReadingUtc
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastTicks);
            return ticks == 0 ? null : new DateTime(ticks, DateTimeKind.Utc);
        }
    }

    internal void Record(DateTime now, Quality quality, bool dataGap)
    {
        Interlocked.Increment(ref _readings);
        if (quality == Quality.Bad)
        {
            Interlocked.Increment(ref _bad);
        }

        if (dataGap)
        {
            Interlocked.Increment(ref _gaps);
        }

        Interlocked.Exchange(ref _lastTicks, now.Ticks);
    }
}
