using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Gateway.Core;
using Gateway.OpcUa.Status;
using Gateway.Simulator;
using Microsoft.Extensions.Logging;
using static Gateway.Connectors.OpcUa.Tests.TestSources;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>
/// Values that come with the Overflow bit (Part 4, 5.12.1.5) are said in the log at most once a minute per group, with
/// the count since the last line, against the simulator's own OPC UA server: its values change every 50 ms, the group
/// samples them every 50 ms into queues of 2 and publishes every 2 s, so every publish carries overflowed values.
/// The minute passes on a clock the test moves; nothing waits for it.
/// </summary>
public sealed partial class OverflowWarningTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Overflowed_values_are_warned_of_once_a_minute_per_group_with_the_count_since_the_last_line()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, Machines = 1, TagsPerMachine = 60, RateMs = 50, TickValues = true });
        var group = Group(AcquisitionMode.Subscribe, 2000, samplingMs: 50, queueSize: 2);
        var tags = simulator.Tags.Where(t => t.Path.Contains("/Generated/", StringComparison.Ordinal))
            .Select(t => Tag(t.Path, t.ExpandedNodeId, group, machine: t.Machine, source: "sim")).ToList();
        Assert.NotEmpty(tags);
        var clock = new MovableClock();
        var record = new OrderedRecord();
        var connector = Connector(Source(simulator.EndpointUrl, "sim"), tags, record, clock);
        using var stop = new CancellationTokenSource();
        var run = connector.RunAsync(record, stop.Token);
        try
        {
            await Eventually.HoldsAsync(() => record.Lines == 1, Patience, "the first warning");
            // More publishes with overflowed values within the minute: counted, not said.
            await Eventually.HoldsAsync(() => record.OverflowBatchesAfterLine(1) >= 3, Patience, "three more notifications with overflowed values");
            Assert.Equal(1, record.Lines);

            clock.Advance(TimeSpan.FromSeconds(61));
            await Eventually.HoldsAsync(() => record.Lines == 2 && record.OverflowBatchesAfterLine(2) >= 1, Patience, "the second warning a minute later and the values it was said for");
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }

        var events = record.Events.ToArray();
        var lines = events.Select((e, i) => (e, i)).Where(x => x.e is string).Select(x => (Text: (string)x.e, At: x.i)).ToArray();
        Assert.Equal(2, lines.Length);
        var machine = tags[0].Machine;
        Assert.All(lines, l => Assert.Contains($"group {machine}/{tags[0].Group}:", l.Text, StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Contains("queueSize 2 values sampled every 50 ms", l.Text, StringComparison.Ordinal));

        // The warning comes just before the readings of the notification that caused it (a batch of Bad readings at a
        // reconnect has none with the bit): the first line counts that notification's overflowed values; the second
        // every one after them up to and with its own notification's.
        var first = events.Skip(lines[0].At + 1).OfType<int>().First(c => c > 0);
        var between = events.Skip(lines[0].At + 1).Take(lines[1].At - lines[0].At - 1).OfType<int>().Sum() - first;
        var second = events.Skip(lines[1].At + 1).OfType<int>().First(c => c > 0);
        Assert.Equal(first, CountIn(lines[0].Text));
        Assert.Equal(between + second, CountIn(lines[1].Text));
        Assert.True(between > 0, "overflowed values came between the two lines");
    }

    private static int CountIn(string line) => int.Parse(CountPattern().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@": (\d+) value\(s\) came with the OPC UA Overflow bit")]
    private static partial Regex CountPattern();

    /// <summary>The system's clock, moved forward by the test; timers and timestamps for intervals stay the system's.</summary>
    private sealed class MovableClock : TimeProvider
    {
        private long _offsetTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));
    }

    /// <summary>The overflow warnings and, per written batch, its readings with the Overflow bit, in the order they came.</summary>
    private sealed class OrderedRecord : ILogger, IReadingWriter
    {
        public ConcurrentQueue<object> Events { get; } = new();

        public int Lines => Events.Count(e => e is string);

        /// <summary>Written batches with overflowed readings after the <paramref name="line"/>-th warning.</summary>
        public int OverflowBatchesAfterLine(int line)
        {
            var seen = 0;
            var batches = 0;
            foreach (var e in Events)
            {
                seen += e is string ? 1 : 0;
                batches += seen >= line && e is int count && count > 0 ? 1 : 0;
            }

            return batches;
        }

        public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
        {
            Events.Enqueue(readings.Count(r => new StatusCode(r.StatusCode).Overflow));
            return ValueTask.CompletedTask;
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = formatter(state, exception);
            if (text.Contains("Overflow bit", StringComparison.Ordinal))
            {
                Events.Enqueue(text);
            }
        }
    }
}
