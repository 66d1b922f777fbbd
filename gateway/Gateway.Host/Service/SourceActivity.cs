using System.Collections.Concurrent;
using Gateway.Core;

namespace Gateway.Host.Service;

/// <summary>
/// Sits between a connector and the pipeline and counts what the source produced: readings per machine and the last
/// time each machine sent one ("which machine stopped sending?" is the first question a center engineer asks).
/// </summary>
public sealed class SourceActivity : IReadingWriter
{
    private readonly IReadingWriter _next;
    private readonly ConcurrentDictionary<string, MachineActivity> _machines = new(StringComparer.Ordinal);

    public SourceActivity(string source, IEnumerable<string> machines, IReadingWriter next)
    {
        Source = source;
        _next = next;
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
        for (var i = 0; i < readings.Count; i++)
        {
            var machine = readings[i].Machine;
            if (!ReferenceEquals(machine, lastName))
            {
                last = _machines.GetOrAdd(machine, static _ => new MachineActivity());
                lastName = machine;
            }

            last!.Record(now, readings[i].Quality, readings[i].DataGap);
        }

        return _next.WriteAsync(readings, cancellationToken);
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
