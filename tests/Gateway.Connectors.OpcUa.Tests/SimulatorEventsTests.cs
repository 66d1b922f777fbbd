using System.Text.Json;
using Gateway.Core;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;
using Gateway.Simulator;
using Gateway.Simulator.Machines;
using static Gateway.Connectors.OpcUa.Tests.TestSources;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>
/// `mode: events` against the built-in simulator's own OPC UA server: a CNC driven into alarm raises its condition
/// `{machine}/AlarmCondition` (active, then inactive), and after a reconnect ConditionRefresh reports the alarm still active.
/// </summary>
public sealed class SimulatorEventsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static SourceTag EventsTag() => new(
        "sim",
        "shop",
        "alarms",
        "events",
        TimeSpan.FromMilliseconds(100),
        new OpcUaGroupOptions { Mode = AcquisitionMode.Events, Fields = ["AlarmNumber"], Where = new EventWhereOptions { OfType = ["AlarmConditionType"] } },
        new OpcUaTagAddress { NodeId = "i=2253" },
        "sim",
        LabelSet.From([new("site", "test")]));

    private static async Task<(SimulatorServer Server, CncMachine Cnc)> StartSimulatorAsync()
    {
        var server = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, Machines = 1, RateMs = 100 });
        return (server, server.Machines.OfType<CncMachine>().Single());
    }

    private static IEnumerable<JsonElement> AlarmEvents(IEnumerable<Reading> readings, string text) =>
        readings.Where(r => r.Tag == "events" && r.Value.Kind == ValueKind.Json)
            .Select(r => JsonDocument.Parse(r.Value.AsJson()).RootElement)
            .Where(e => e.TryGetProperty("message", out var m) && (m.GetString() ?? "").Contains(text, StringComparison.Ordinal));

    [Fact]
    public async Task A_CNC_alarm_becomes_active_then_inactive_as_condition_events_and_one_episode()
    {
        var (simulator, cnc) = await StartSimulatorAsync();
        await using var _ = simulator;
        var run = RunningConnector.Start(Source(simulator.EndpointUrl), [EventsTag()]);
        try
        {
            await run.WaitUntilAsync(r => r.Any(x => x.Tag == "active_alarms"), Patience, "the refresh at connect");

            cnc.RaiseAlarm(2);
            await run.WaitUntilAsync(r => AlarmEvents(r, "SP1241").Any(e => e.GetProperty("activeState").GetBoolean()), Patience, "the spindle alarm active");
            var raised = AlarmEvents(run.Output.Readings, "SP1241").First(e => e.GetProperty("activeState").GetBoolean());
            Assert.Equal("1003 SP1241 SPINDLE OVERHEAT", raised.GetProperty("message").GetString());
            Assert.Equal(700, raised.GetProperty("severity").GetInt32());
            Assert.Equal("cnc-01", raised.GetProperty("sourceName").GetString());
            Assert.Equal("Alarm", raised.GetProperty("conditionName").GetString());
            Assert.EndsWith(";s=cnc-01/AlarmCondition", raised.GetProperty("conditionId").GetString(), StringComparison.Ordinal);
            Assert.True(raised.GetProperty("retain").GetBoolean());
            Assert.False(raised.GetProperty("ackedState").GetBoolean());
            Assert.Equal(1003, raised.GetProperty("fields").GetProperty("AlarmNumber").GetInt32());

            cnc.ClearAlarm();
            await run.WaitUntilAsync(r => AlarmEvents(r, "SP1241").Any(e => !e.GetProperty("activeState").GetBoolean()), Patience, "the spindle alarm inactive");
            var cleared = AlarmEvents(run.Output.Readings, "SP1241").First(e => !e.GetProperty("activeState").GetBoolean());
            Assert.Equal("1003 SP1241 SPINDLE OVERHEAT (cleared)", cleared.GetProperty("message").GetString());
            Assert.True(cleared.GetProperty("retain").GetBoolean()); // not acknowledged yet
            await run.WaitUntilAsync(r => r.Any(x => x.Tag == "alarm_episode" && x.Value.AsJson().Contains("SP1241", StringComparison.Ordinal)), Patience, "the episode");
        }
        finally
        {
            await run.DisposeAsync();
        }
    }

    [Fact]
    public async Task After_a_reconnect_ConditionRefresh_reports_the_CNC_alarm_still_active()
    {
        var (simulator, cnc) = await StartSimulatorAsync();
        await using var _ = simulator;
        var first = RunningConnector.Start(Source(simulator.EndpointUrl), [EventsTag()]);
        try
        {
            await first.WaitUntilAsync(r => r.Any(x => x.Tag == "active_alarms"), Patience, "connected");
            cnc.RaiseAlarm(4);
            await first.WaitUntilAsync(r => AlarmEvents(r, "EX1020").Any(), Patience, "the coolant alarm before the reconnect");
        }
        finally
        {
            await first.DisposeAsync();
        }

        var second = RunningConnector.Start(Source(simulator.EndpointUrl), [EventsTag()]);
        try
        {
            await second.WaitUntilAsync(r => AlarmEvents(r, "EX1020").Any(), Patience, "the coolant alarm from the refresh");
            var reported = AlarmEvents(second.Output.Readings, "EX1020").First();
            Assert.True(reported.GetProperty("refresh").GetBoolean());
            Assert.True(reported.GetProperty("activeState").GetBoolean());
            Assert.Equal("1005 EX1020 COOLANT LEVEL LOW", reported.GetProperty("message").GetString());
            await second.WaitUntilAsync(r => r.Any(x => x.Tag == "active_alarms" && x.Value.AsInt64() >= 1), Patience, "an active alarm counted");
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task Acknowledging_the_cleared_CNC_alarm_raises_an_acknowledged_event_and_a_stale_EventId_is_refused()
    {
        var (simulator, cnc) = await StartSimulatorAsync();
        await using var _ = simulator;
        var run = RunningConnector.Start(Source(simulator.EndpointUrl), [EventsTag()]);
        try
        {
            await run.WaitUntilAsync(r => r.Any(x => x.Tag == "active_alarms"), Patience, "connected");
            cnc.RaiseAlarm(0);
            await run.WaitUntilAsync(r => AlarmEvents(r, "SV0401").Any(e => e.GetProperty("activeState").GetBoolean()), Patience, "the servo alarm active");
            var active = AlarmEvents(run.Output.Readings, "SV0401").First(e => e.GetProperty("activeState").GetBoolean());
            cnc.ClearAlarm();
            await run.WaitUntilAsync(r => AlarmEvents(r, "SV0401").Any(e => !e.GetProperty("activeState").GetBoolean()), Patience, "the servo alarm inactive");
            var cleared = AlarmEvents(run.Output.Readings, "SV0401").First(e => !e.GetProperty("activeState").GetBoolean());

            await using var client = await OpcUaClient.ConnectAsync(simulator.EndpointUrl);
            var condition = client.ResolveNodeId(cleared.GetProperty("conditionId").GetString()!);
            Variant[] Arguments(JsonElement e) =>
                [Variant.FromObject(BuiltInType.ByteString, Convert.FromBase64String(e.GetProperty("eventId").GetString()!)), Variant.FromObject(BuiltInType.LocalizedText, new LocalizedText("seen"))];

            // Part 9, 5.7.3: only the EventId of the condition's latest state may be acknowledged.
            var stale = await Assert.ThrowsAsync<UaServiceException>(() => client.CallAsync(condition, EventTypes.Acknowledge, Arguments(active)));
            Assert.Equal(StatusCodes.BadEventIdUnknown, stale.StatusCode);
            await client.CallAsync(condition, EventTypes.Acknowledge, Arguments(cleared));
            await run.WaitUntilAsync(r => AlarmEvents(r, "SV0401").Any(e => e.GetProperty("ackedState").GetBoolean()), Patience, "the servo alarm acknowledged");
            var acked = AlarmEvents(run.Output.Readings, "SV0401").First(e => e.GetProperty("ackedState").GetBoolean());
            Assert.False(acked.GetProperty("retain").GetBoolean()); // inactive and acknowledged: nothing left to refresh
            Assert.Equal("seen", acked.GetProperty("comment").GetString());
        }
        finally
        {
            await run.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_full_event_queue_on_our_server_sends_an_EventQueueOverflow_event_that_the_gateway_flags_as_a_data_gap()
    {
        var (simulator, _) = await StartSimulatorAsync();
        await using var __ = simulator;
        // A long publishing interval and no where clause: the burst below fills the item's queue (1000) between two publishes.
        var tag = EventsTag() with
        {
            Interval = TimeSpan.FromSeconds(5),
            GroupOptions = new OpcUaGroupOptions { Mode = AcquisitionMode.Events, EventQueueSize = 1000 },
        };
        var run = RunningConnector.Start(Source(simulator.EndpointUrl), [tag]);
        try
        {
            await run.WaitUntilAsync(r => r.Any(x => x.Tag == "active_alarms"), Patience, "the refresh at connect");
            const int burst = 2500;
            var events = simulator.Server.AddressSpace.Events;
            for (var i = 0; i < burst; i++)
            {
                events.Raise(new Gateway.OpcUa.Server.Events.ServerEvent(EventTypes.BaseEventType, new NodeId(0, 2253u), "Server", DateTime.UtcNow, "burst " + i, 10));
            }

            await run.WaitUntilAsync(r => r.Any(x => x.DataGap), Patience, "the overflow flagged");
            // Once the newest event of the burst is here, the whole queue it was in is here.
            await run.WaitUntilAsync(r => r.Any(x => x.Tag == "events" && x.Value.AsJson().Contains($"\"burst {burst - 1}\"", StringComparison.Ordinal)), Patience, "the last event of the burst");
            var gap = run.Output.Readings.First(r => r.DataGap);
            Assert.Equal("events", gap.Tag);
            Assert.Equal(Quality.Uncertain, gap.Quality);
            Assert.Equal("i=3035", JsonDocument.Parse(gap.Value.AsJson()).RootElement.GetProperty("eventType").GetString());
            Assert.True(run.Connector.EventOverflows >= 1);
            Assert.True(run.Log.Count("event queue overflowed") >= 1);

            // Part 4, 5.12.1.5: the oldest events are the ones lost, and the overflow event stands before the kept ones.
            var received = run.Output.Readings.Where(r => r.Tag == "events" && r.Value.AsJson().Contains("\"burst ", StringComparison.Ordinal)).ToList();
            Assert.InRange(received.Count, 999, burst - 1);
            var afterGap = run.Output.Readings.SkipWhile(r => !r.DataGap).Skip(1).First(r => r.Tag == "events");
            var firstKept = int.Parse(JsonDocument.Parse(afterGap.Value.AsJson()).RootElement.GetProperty("message").GetString()!["burst ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(firstKept > 0, $"the event after the overflow event is burst {firstKept}: the oldest ones were dropped");
        }
        finally
        {
            await run.DisposeAsync();
        }
    }
}
