using System.Text.Json;
using Gateway.Core;
using Gateway.Testing;
using static Gateway.Connectors.OpcUa.Tests.TestSources;

namespace Gateway.Connectors.OpcUa.Tests;

/// <summary>
/// `mode: events` against node-opcua's Alarms and Conditions (tests/servers/opcua/alarms-server.js): each event a
/// reading with the event's fields as JSON, alarm episodes, ConditionRefresh after a restart reporting an active alarm
/// once, the where clause, and an EventQueueOverflow event flagged as a data gap.
/// </summary>
public sealed class EventsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static SourceTag EventsTag(OpcUaGroupOptions options, string machine = "cell-1") => new(
        "plc",
        machine,
        "alarms",
        "events",
        TimeSpan.FromMilliseconds(100),
        options,
        new OpcUaTagAddress { NodeId = "i=2253" },
        "plc",
        LabelSet.From([new("site", "test")]));

    private static OpcUaGroupOptions EventsGroup(ushort ns, params string[] ofType) => new()
    {
        Mode = AcquisitionMode.Events,
        Fields = [$"{ns}:AlarmNumber"],
        Where = new EventWhereOptions { OfType = [.. ofType] },
    };

    // ActiveState/TransitionTime is optional (node-opcua has none): then the event's Time is when the alarm became active.
    private static DateTime ActiveSince(JsonElement raised) =>
        (raised.TryGetProperty("activeSince", out var since) ? since : raised.GetProperty("time")).GetDateTime();

    private static JsonElement Json(Reading reading) => JsonDocument.Parse(reading.Value.AsJson()).RootElement;

    // The condition's own events carry BranchId null (node-opcua sends the null NodeId, i=0); a branch's, another NodeId.
    private static bool IsBranch(JsonElement e) =>
        e.TryGetProperty("branchId", out var branch) && branch.ValueKind == JsonValueKind.String && branch.GetString() is not ("i=0" or "ns=0;i=0" or "");

    private static IEnumerable<JsonElement> EventsOf(IEnumerable<Reading> readings, string condition) =>
        readings.Where(r => r.Tag == "events" && r.Value.Kind == ValueKind.Json).Select(Json)
            .Where(e => e.TryGetProperty("conditionName", out var name) && name.GetString() == condition);

    [Fact]
    public async Task An_alarm_raised_cleared_and_acknowledged_arrives_as_events_and_one_episode()
    {
        await using var server = await NodeOpcUaAlarmsServer.StartAsync();
        var run = RunningConnector.Start(Source(server.EndpointUrl), [EventsTag(EventsGroup(server.Namespace))]);
        try
        {
            // The refresh at connect (no alarm active) ends with the count of active alarms: 0.
            await run.WaitUntilAsync(r => r.Any(x => x.Tag == "active_alarms"), Patience, "the first active_alarms");
            Assert.Equal(0, run.Output.Readings.Last(r => r.Tag == "active_alarms").Value.AsInt64());
            Assert.True(run.Connector.ConditionRefreshes >= 1);

            await server.RunAsync("raise Alarm001 700 Spindle overload");
            await run.WaitUntilAsync(r => EventsOf(r, "Alarm001").Any(e => e.GetProperty("activeState").GetBoolean()), Patience, "Alarm001 active");
            var raised = EventsOf(run.Output.Readings, "Alarm001").Single(e => e.GetProperty("activeState").GetBoolean());
            Assert.Equal("Spindle overload", raised.GetProperty("message").GetString());
            Assert.Equal(700, raised.GetProperty("severity").GetInt32());
            Assert.Equal($"{server.Namespace}:Machine", raised.GetProperty("sourceName").GetString()); // node-opcua's SourceName: the browse name
            Assert.False(raised.GetProperty("ackedState").GetBoolean());
            Assert.True(raised.GetProperty("retain").GetBoolean());
            Assert.Equal(1001, raised.GetProperty("fields").GetProperty($"{server.Namespace}:AlarmNumber").GetInt32());
            Assert.EndsWith(";s=Machine.Alarm001", raised.GetProperty("conditionId").GetString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(raised.GetProperty("eventId").GetString()));
            var eventReading = run.Output.Readings.First(r => r.Tag == "events" && r.Value.AsJson().Contains("Spindle overload", StringComparison.Ordinal));
            Assert.Equal("events", eventReading.Measurement);
            Assert.Equal("700", eventReading.Labels.Pairs.Single(l => l.Key == "severity").Value);
            Assert.Equal($"{server.Namespace}:Machine", eventReading.Labels.Pairs.Single(l => l.Key == "event_source").Value);
            Assert.Equal(raised.GetProperty("time").GetDateTime(), eventReading.Timestamp);
            await run.WaitUntilAsync(r => r.Any(x => x.Tag == "active_alarms" && x.Value.AsInt64() == 1), Patience, "one active alarm");
            Assert.Equal("Spindle overload", run.Output.Readings.Last(r => r.Tag == "active_alarm_text").Value.AsString());

            await server.RunAsync("clear Alarm001");
            await run.WaitUntilAsync(r => r.Any(x => x.Tag == "alarm_episode"), Patience, "the episode");
            var episode = Json(run.Output.Readings.Single(r => r.Tag == "alarm_episode"));
            Assert.Equal("Alarm001", episode.GetProperty("alarm").GetString());
            Assert.Equal("1001", episode.GetProperty("number").GetString());
            Assert.Equal("Spindle overload", episode.GetProperty("text").GetString());
            var start = episode.GetProperty("start").GetDateTime();
            var end = episode.GetProperty("end").GetDateTime();
            Assert.Equal(ActiveSince(raised), start);
            Assert.True(end > start, $"the episode ends ({end:O}) after it starts ({start:O})");
            var duration = run.Output.Readings.Single(r => r.Tag == "alarm_duration_s");
            Assert.Equal((end - start).TotalSeconds, duration.Value.AsDouble(), 3);
            Assert.Equal("alarm_episodes", duration.Measurement);
            Assert.Equal(start, duration.Timestamp);
            await run.WaitUntilAsync(r => r.Last(x => x.Tag == "active_alarms").Value.AsInt64() == 0, Patience, "no active alarm");

            await server.RunAsync("ack Alarm001 seen by the operator");
            await run.WaitUntilAsync(r => EventsOf(r, "Alarm001").Any(e => e.GetProperty("ackedState").GetBoolean()), Patience, "Alarm001 acknowledged");
            Assert.Single(run.Output.Readings, r => r.Tag == "alarm_episode");
        }
        finally
        {
            await run.DisposeAsync();
        }
    }

    [Fact]
    public async Task After_a_restart_during_an_active_alarm_ConditionRefresh_reports_it_once_and_its_episode_ends_later()
    {
        await using var server = await NodeOpcUaAlarmsServer.StartAsync();
        var tag = EventsTag(EventsGroup(server.Namespace));
        var first = RunningConnector.Start(Source(server.EndpointUrl), [tag]);
        try
        {
            await first.WaitUntilAsync(r => r.Any(x => x.Tag == "active_alarms"), Patience, "connected");
            await server.RunAsync("raise Alarm002 500 Coolant low");
            await first.WaitUntilAsync(r => EventsOf(r, "Alarm002").Any(), Patience, "Alarm002 before the restart");
        }
        finally
        {
            await first.DisposeAsync();
        }

        // The gateway restarts (a new connector knows nothing); the alarm is still active on the server.
        var second = RunningConnector.Start(Source(server.EndpointUrl), [tag]);
        try
        {
            await second.WaitUntilAsync(r => EventsOf(r, "Alarm002").Any(), Patience, "Alarm002 from the refresh");
            // A plain event after the refresh: once it is here, everything the refresh sent is here too.
            await server.RunAsync("event 1");
            await second.WaitUntilAsync(r => r.Any(x => x.Tag == "events" && x.Value.AsJson().Contains("burst 0", StringComparison.Ordinal)), Patience, "the marker event");
            var reported = EventsOf(second.Output.Readings, "Alarm002").ToList();
            Assert.Single(reported);
            Assert.True(reported[0].GetProperty("refresh").GetBoolean());
            Assert.True(reported[0].GetProperty("activeState").GetBoolean());
            Assert.Equal("Coolant low", reported[0].GetProperty("message").GetString());
            Assert.Equal(1, second.Output.Readings.Last(r => r.Tag == "active_alarms").Value.AsInt64());

            // The episode known from the refresh ends with the alarm, from its real start.
            await server.RunAsync("clear Alarm002");
            await second.WaitUntilAsync(r => r.Any(x => x.Tag == "alarm_episode"), Patience, "the episode");
            var episode = Json(second.Output.Readings.Single(r => r.Tag == "alarm_episode"));
            Assert.Equal(ActiveSince(reported[0]), episode.GetProperty("start").GetDateTime());
            Assert.False(episode.GetProperty("endedUnseen").GetBoolean());
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_where_clause_keeps_alarm_types_with_their_subtypes_and_the_overflow_event_is_a_data_gap()
    {
        await using var server = await NodeOpcUaAlarmsServer.StartAsync();
        // OfType AlarmConditionType keeps MachineAlarmType (a subtype) and drops the plain BaseEventType events; the
        // refresh brackets and the overflow event pass any where clause the gateway writes.
        var options = EventsGroup(server.Namespace, "AlarmConditionType", "SystemEventType");
        options.Where.MinSeverity = 400;
        var run = RunningConnector.Start(Source(server.EndpointUrl), [EventsTag(options) with { Interval = TimeSpan.FromMilliseconds(200) }]);
        try
        {
            await run.WaitUntilAsync(r => r.Any(x => x.Tag == "active_alarms"), Patience, "connected");
            await server.RunAsync("event 3");
            await server.RunAsync("raise Alarm003 300 below the severity limit");
            await server.RunAsync("raise Alarm001 800 Door open");
            await run.WaitUntilAsync(r => EventsOf(r, "Alarm001").Any(), Patience, "Alarm001");
            Assert.Empty(EventsOf(run.Output.Readings, "Alarm003"));
            Assert.DoesNotContain(run.Output.Readings, r => r.Tag == "events" && r.Value.AsJson().Contains("burst", StringComparison.Ordinal));

            await server.RunAsync("overflow");
            await run.WaitUntilAsync(r => r.Any(x => x.DataGap), Patience, "the overflow flagged");
            var gap = run.Output.Readings.Single(r => r.DataGap);
            Assert.Equal("events", gap.Tag);
            Assert.Equal("i=3035", Json(gap).GetProperty("eventType").GetString());
            Assert.Equal(Quality.Uncertain, gap.Quality);
            Assert.Equal(1, run.Connector.EventOverflows);
            Assert.Equal(1, run.Log.Count("event queue overflowed"));
        }
        finally
        {
            await run.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_branch_event_is_reported_with_its_branchId_and_leaves_the_condition_episode_alone()
    {
        await using var server = await NodeOpcUaAlarmsServer.StartAsync();
        var run = RunningConnector.Start(Source(server.EndpointUrl), [EventsTag(EventsGroup(server.Namespace))]);
        try
        {
            await run.WaitUntilAsync(r => r.Any(x => x.Tag == "active_alarms"), Patience, "connected");
            await server.RunAsync("raise Alarm001 700 Spindle overload");
            await run.WaitUntilAsync(r => r.Any(x => x.Tag == "active_alarms" && x.Value.AsInt64() == 1), Patience, "one active alarm");

            // Part 9, 5.5.2: a branch (a previous state kept for acknowledgement), here inactive. Its event must not end
            // the condition's episode: the condition itself is still active.
            await server.RunAsync("branch Alarm001");
            await run.WaitUntilAsync(r => EventsOf(r, "Alarm001").Any(IsBranch), Patience, "the branch's event");
            var branch = EventsOf(run.Output.Readings, "Alarm001").Single(IsBranch);
            Assert.False(branch.GetProperty("activeState").GetBoolean());
            Assert.False(string.IsNullOrEmpty(branch.GetProperty("branchId").GetString()));
            await server.RunAsync("event 1");
            await run.WaitUntilAsync(r => r.Any(x => x.Tag == "events" && x.Value.AsJson().Contains("burst 0", StringComparison.Ordinal)), Patience, "the marker event");
            Assert.DoesNotContain(run.Output.Readings, r => r.Tag == "alarm_episode");
            Assert.Equal(1, run.Output.Readings.Last(r => r.Tag == "active_alarms").Value.AsInt64());

            // The condition's own clear ends the episode, once.
            await server.RunAsync("clear Alarm001");
            await run.WaitUntilAsync(r => r.Any(x => x.Tag == "alarm_episode"), Patience, "the episode");
            Assert.Single(run.Output.Readings, r => r.Tag == "alarm_episode");
        }
        finally
        {
            await run.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_shelved_alarm_is_reported_with_suppressedOrShelved_and_its_shelving_state()
    {
        await using var server = await NodeOpcUaAlarmsServer.StartAsync();
        var run = RunningConnector.Start(Source(server.EndpointUrl), [EventsTag(EventsGroup(server.Namespace))]);
        try
        {
            await run.WaitUntilAsync(r => r.Any(x => x.Tag == "active_alarms"), Patience, "connected");
            await server.RunAsync("raise Alarm002 600 Chip conveyor jammed");
            await run.WaitUntilAsync(r => EventsOf(r, "Alarm002").Any(), Patience, "Alarm002 active");
            var raised = EventsOf(run.Output.Readings, "Alarm002").First();
            Assert.False(raised.GetProperty("suppressedOrShelved").GetBoolean());

            await server.RunAsync("shelve Alarm002");
            await run.WaitUntilAsync(r => EventsOf(r, "Alarm002").Any(e => e.GetProperty("suppressedOrShelved").GetBoolean()), Patience, "Alarm002 shelved");
            var shelved = EventsOf(run.Output.Readings, "Alarm002").First(e => e.GetProperty("suppressedOrShelved").GetBoolean());
            // ShelvingState/CurrentState is optional (Part 9, 5.8.10); where the server sends it, it names the state.
            if (shelved.TryGetProperty("shelvingState", out var state))
            {
                Assert.Equal("OneShotShelved", state.GetString());
            }

            Assert.True(shelved.GetProperty("activeState").GetBoolean());
            // Shelving hides the alarm from operators; it is still active, so its episode goes on.
            Assert.DoesNotContain(run.Output.Readings, r => r.Tag == "alarm_episode");
            Assert.Equal(1, run.Output.Readings.Last(r => r.Tag == "active_alarms").Value.AsInt64());
        }
        finally
        {
            await run.DisposeAsync();
        }
    }
}
