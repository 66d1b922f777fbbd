using System.Collections.Concurrent;
using Gateway.Core;
using Gateway.Testing;
using static Gateway.Connectors.OpcUa.Tests.TestSources;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>
/// Poll groups against node-opcua (tests/servers/opcua/server.js): every interval boundary is read at most once, and a
/// boundary not read is counted, whatever the speed of the machine. Nothing here asserts how long anything took.
/// </summary>
public sealed class PollBoundaryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_1000_ms_poll_group_reads_every_boundary_once_for_60_s()
    {
        await using var server = await NodeOpcUaServer.StartAsync(doubles: 10);
        var poll = Group(AcquisitionMode.Poll, 1000);
        var tags = Enumerable.Range(0, 10).Select(i => Tag($"d{i}", $"nsu=urn:gateway:tests;s=Double.{i:D5}", poll)).ToList();
        var cycles = new PollCycles();
        var run = RunningConnector.Start(Source(server.EndpointUrl), tags, beforeStart: cycles.Attach);
        await using (run)
        {
            await Eventually.HoldsAsync(() => cycles.Span >= TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(180), "60 s of poll boundaries");
        }

        cycles.AssertEachBoundaryOnceAndSkipsCounted(TimeSpan.FromSeconds(1), tagsPerCycle: 10);
        Assert.Equal(run.Output.Readings.Count, cycles.Readings);
    }

    [Fact]
    public async Task Timers_that_wake_20_ms_early_never_read_a_boundary_twice()
    {
        await using var server = await NodeOpcUaServer.StartAsync(doubles: 10);
        var poll = Group(AcquisitionMode.Poll, 200);
        var tags = Enumerable.Range(0, 10).Select(i => Tag($"d{i}", $"nsu=urn:gateway:tests;s=Double.{i:D5}", poll)).ToList();
        var cycles = new PollCycles();
        // What .NET timers do now and then against the wall clock (about 1 ms), made certain and larger.
        var early = new ShiftedTimers(due => due >= TimeSpan.FromMilliseconds(50) ? due - TimeSpan.FromMilliseconds(20) : due);
        var run = RunningConnector.Start(Source(server.EndpointUrl), tags, early, cycles.Attach);
        await using (run)
        {
            await Eventually.HoldsAsync(() => cycles.Count >= 20, Patience, "twenty poll cycles");
        }

        cycles.AssertEachBoundaryOnceAndSkipsCounted(TimeSpan.FromMilliseconds(200), tagsPerCycle: 10);
        Assert.Equal(run.Output.Readings.Count, cycles.Readings);
    }

    [Fact]
    public async Task Wakeups_past_further_boundaries_read_the_latest_once_and_count_the_others_as_skipped()
    {
        await using var server = await NodeOpcUaServer.StartAsync(doubles: 10);
        var poll = Group(AcquisitionMode.Poll, 200);
        var tags = Enumerable.Range(0, 10).Select(i => Tag($"d{i}", $"nsu=urn:gateway:tests;s=Double.{i:D5}", poll)).ToList();
        var cycles = new PollCycles();
        // A starved machine: every wait for a boundary ends two and a half intervals late.
        var late = new ShiftedTimers(due => due >= TimeSpan.FromMilliseconds(50) ? due + TimeSpan.FromMilliseconds(500) : due);
        var run = RunningConnector.Start(Source(server.EndpointUrl), tags, late, cycles.Attach);
        await using (run)
        {
            // A loaded machine can also time a Read out and reconnect; boundaries without a session are not skips, so wait
            // for the skips themselves rather than for a number of cycles.
            await Eventually.HoldsAsync(() => cycles.Count >= 6 && run.Connector.PollsSkipped >= 5 * 2, Patience, "six poll cycles and ten skipped boundaries");
        }

        cycles.AssertEachBoundaryOnceAndSkipsCounted(TimeSpan.FromMilliseconds(200), tagsPerCycle: 10);
        Assert.True(run.Connector.PollsSkipped >= 5 * 2, $"{run.Connector.PollsSkipped} skipped");
        Assert.Equal(1, run.Log.Count("gateway_source_polls_skipped_total"));
    }

    [Fact]
    public async Task A_poll_tag_that_is_Bad_at_every_poll_is_named_once_with_its_status_and_its_machine_shows_Bad()
    {
        await using var server = await NodeOpcUaServer.StartAsync(doubles: 10);
        var poll = Group(AcquisitionMode.Poll, 200);
        var tags = new[]
        {
            Tag("d1", "nsu=urn:gateway:tests;s=Double.00001", poll),
            Tag("d2", "nsu=urn:gateway:tests;s=Double.00002", poll),
            Tag("typo", "nsu=urn:gateway:tests;s=Dubble.00003", poll),
            Tag("ghost1", "nsu=urn:gateway:tests;s=NoSuchNode.1", poll, machine: "press-9"),
            Tag("ghost2", "nsu=urn:gateway:tests;s=NoSuchNode.2", poll, machine: "press-9"),
            Tag("ghost3", "nsu=urn:gateway:tests;s=NoSuchNode.3", poll, machine: "press-9"),
        };
        var run = RunningConnector.Start(Source(server.EndpointUrl), tags);
        await using (run)
        {
            await run.WaitUntilAsync(r => r.Count(x => x.Tag == "ghost3") >= 5, Patience, "five polls of the wrong NodeIds");
            Assert.Equal("all 3 tags Bad (BadNodeIdUnknown (0x80340000))", run.Connector.TagHealth.ForMachine("press-9").Describe());
            Assert.Equal("1 of 3 tags Bad (BadNodeIdUnknown (0x80340000))", run.Connector.TagHealth.ForMachine("cell-1").Describe());
            Assert.Equal(4, run.Connector.TagHealth.BadTags);
        }

        foreach (var name in new[] { "cell-1/typo", "press-9/ghost1", "press-9/ghost2", "press-9/ghost3" })
        {
            var line = Assert.Single(run.Log.Lines, l => l.Contains($"tag {name} is not read", StringComparison.Ordinal));
            Assert.Contains("BadNodeIdUnknown (0x80340000)", line, StringComparison.Ordinal);
        }

        Assert.Equal(0, run.Log.Count("cell-1/d1"));
        Assert.All(run.Output.Readings.Where(r => r.Machine == "press-9"), r => Assert.Equal(Quality.Bad, r.Quality));
    }
}

/// <summary>The poll cycles a connector reported, each with the connector's skipped counter right after it.</summary>
internal sealed class PollCycles
{
    private readonly ConcurrentQueue<(PollCycle Cycle, long SkippedSoFar)> _seen = new();

    public int Count => _seen.Count;

    public int Readings => _seen.Sum(s => s.Cycle.Readings.Count);

    /// <summary>From the first boundary read to the last.</summary>
    public TimeSpan Span => _seen.IsEmpty ? TimeSpan.Zero : _seen.Last().Cycle.Boundary - _seen.First().Cycle.Boundary;

    public void Attach(OpcUaSourceConnector connector) => connector.PollCompleted += cycle => _seen.Enqueue((cycle, connector.PollsSkipped));

    /// <summary>
    /// What must hold at any speed, for a connector with one poll group: no (tag, boundary) pair read twice, no Read
    /// started before its boundary, boundaries whole multiples of the interval and strictly increasing (also across
    /// reconnects), and every boundary missing from the sequence of a session counted as skipped.
    /// </summary>
    public void AssertEachBoundaryOnceAndSkipsCounted(TimeSpan interval, int tagsPerCycle)
    {
        var seen = _seen.ToList();
        Assert.NotEmpty(seen);
        var twice = seen.SelectMany(s => s.Cycle.Readings.Select(r => (r.Machine, r.Tag, s.Cycle.Boundary)))
            .GroupBy(k => k)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.Machine}/{g.Key.Tag} at {g.Key.Boundary:HH:mm:ss.fff} read {g.Count()} times")
            .ToList();
        Assert.True(twice.Count == 0, $"{twice.Count} (tag, boundary) pairs read more than once, e.g.\n{string.Join("\n", twice.Take(5))}");
        Assert.All(seen, s => Assert.Equal(tagsPerCycle, s.Cycle.Readings.Select(r => r.Tag).Distinct().Count()));
        Assert.All(seen, s => Assert.Equal(0, s.Cycle.Boundary.UtcTicks % interval.Ticks));
        // On the connector's own clock: a timer that ends a little early must not start the boundary's Read early.
        var early = seen.Where(s => s.Cycle.ReadStarted < s.Cycle.Boundary).ToList();
        Assert.True(
            early.Count == 0,
            $"{early.Count} of {seen.Count} Reads started before their boundary, e.g. {string.Join(", ", early.Take(3).Select(s => $"{(s.Cycle.Boundary - s.Cycle.ReadStarted).TotalMilliseconds:0.000} ms before {s.Cycle.Boundary:HH:mm:ss.fff}"))}");

        var skippedSoFar = 0L;
        for (var i = 0; i < seen.Count; i++)
        {
            var (cycle, counter) = seen[i];
            if (i > 0)
            {
                var previous = seen[i - 1].Cycle.Boundary;
                Assert.True(cycle.Boundary > previous, $"boundary {cycle.Boundary:HH:mm:ss.fff} after {previous:HH:mm:ss.fff}");
                // Across a reconnect (a busy machine can time a Read out) the boundaries without a session are not skips.
                var missing = (cycle.Boundary - previous).Ticks / interval.Ticks - 1;
                Assert.True(cycle.FirstOfSession || missing == cycle.Skipped, $"{missing} boundaries missing before {cycle.Boundary:HH:mm:ss.fff}, {cycle.Skipped} counted as skipped");
            }

            skippedSoFar += cycle.Skipped;
            Assert.Equal(skippedSoFar, counter);
        }
    }
}

/// <summary>The system's clock with timers that fire earlier or later than asked, by a rule the test gives.</summary>
internal sealed class ShiftedTimers(Func<TimeSpan, TimeSpan> shift) : TimeProvider
{
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(callback, state, dueTime == Timeout.InfiniteTimeSpan ? dueTime : shift(dueTime), period);
}
