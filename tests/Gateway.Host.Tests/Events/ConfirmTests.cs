using System.Collections.Concurrent;
using System.Text.Json;
using Gateway.Connectors.OpcUa;
using Gateway.Core;
using Gateway.Host.CommandLine;
using Gateway.Host.Tests.CommandLine;
using Gateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Host.Tests.Events;

/// <summary>
/// `gateway ack --confirm` (Part 9, 5.7.4) against node-opcua's Alarms and Conditions with ConfirmedState
/// (tests/servers/opcua/alarms-server.js): after Acknowledge the alarm waits for confirmation (ConfirmedState false,
/// Retain true); Confirm sets ConfirmedState and lets it go. An events group with `episodeEnd: acknowledged`, read by
/// the OPC UA connector itself, ends the episode at the acknowledgement and not again at the confirmation.
/// </summary>
public sealed class ConfirmTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly string _dir = RepositoryPaths.NewTempDirectory("confirm");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Readings : IReadingWriter
    {
        public ConcurrentQueue<Reading> All { get; } = new();

        public ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
        {
            foreach (var reading in readings)
            {
                All.Enqueue(reading);
            }

            return ValueTask.CompletedTask;
        }

        public List<JsonElement> Events(string alarm) => All.Where(r => r.Tag == "events" && r.Value.Kind == ValueKind.Json)
            .Select(r => JsonDocument.Parse(r.Value.AsJson()).RootElement)
            .Where(e => e.TryGetProperty("conditionName", out var n) && n.GetString() == alarm)
            .ToList();
    }

    [Fact]
    public async Task Confirm_after_acknowledge_sets_ConfirmedState_and_the_acknowledged_episode_ends_once()
    {
        await using var server = await NodeOpcUaAlarmsServer.StartAsync(alarms: 1);
        var config = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(config, $$"""
            gateway:
              name: confirm
              labels: { site: test }
              dataDirectory: data
            sources:
              - name: cnc
                endpoint: {{server.EndpointUrl}}
                security: { mode: none }
                allowAck: true
                machines:
                  - name: cnc-01
                    groups:
                      - name: alarms
                        mode: events
                        intervalMs: 100
                        episodeEnd: acknowledged
            sinks:
              - type: mqtt
                name: broker
                host: 127.0.0.1
                port: 1
            http:
              enabled: false
            """);

        var group = new OpcUaGroupOptions { Mode = AcquisitionMode.Events, EpisodeEnd = "acknowledged" };
        var tag = new SourceTag("cnc", "cnc-01", "alarms", "events", TimeSpan.FromMilliseconds(100), group, new OpcUaTagAddress { NodeId = "i=2253" }, "cnc", LabelSet.From([new("site", "test")]));
        var options = new OpcUaSourceOptions { Endpoint = server.EndpointUrl, Reconnect = new OpcUaReconnectOptions { InitialDelayMs = 200, MaxDelayMs = 1000 } };
        await using var connector = new OpcUaSourceConnector("cnc", options, [tag], NullLogger.Instance, TimeProvider.System);
        var output = new Readings();
        using var stop = new CancellationTokenSource();
        var running = connector.RunAsync(output, stop.Token);
        try
        {
            await WaitAsync(() => output.All.Any(r => r.Tag == "active_alarms"), "connected", output);
            await server.RunAsync("raise Alarm001 700 Spindle overload");
            await server.RunAsync("clear Alarm001");
            await WaitAsync(() => output.Events("Alarm001").Any(e => !e.GetProperty("activeState").GetBoolean()), "Alarm001 inactive", output);
            // episodeEnd: acknowledged: inactive but not acknowledged, the episode goes on.
            Assert.DoesNotContain(output.All, r => r.Tag == "alarm_episode");

            var cleared = output.Events("Alarm001").Last();
            var conditionId = cleared.GetProperty("conditionId").GetString()!;
            var (exit, said, error) = await CommandLineRunner.RunAsync("ack", "cnc", conditionId, cleared.GetProperty("eventId").GetString()!, "--comment", "seen", "--config", config);
            Assert.True(exit == ExitCodes.Ok, error + said);
            await WaitAsync(() => output.Events("Alarm001").Any(e => e.GetProperty("ackedState").GetBoolean()), "Alarm001 acknowledged", output);
            var acked = output.Events("Alarm001").First(e => e.GetProperty("ackedState").GetBoolean());
            // Part 9, 5.7.4: acknowledged, now waiting for confirmation, so still retained.
            Assert.False(acked.GetProperty("confirmedState").GetBoolean());
            Assert.True(acked.GetProperty("retain").GetBoolean());
            await WaitAsync(() => output.All.Any(r => r.Tag == "alarm_episode"), "the episode ended by the acknowledgement", output);

            var (confirmExit, confirmSaid, confirmError) = await CommandLineRunner.RunAsync("ack", "cnc", conditionId, acked.GetProperty("eventId").GetString()!, "--comment", "checked", "--confirm", "--config", config);
            Assert.True(confirmExit == ExitCodes.Ok, confirmError + confirmSaid);
            Assert.Contains("confirmed", confirmSaid, StringComparison.Ordinal);
            await WaitAsync(() => server.Output.Contains("confirmed Alarm001 checked", StringComparison.Ordinal), "the server's confirmation", output);
            await WaitAsync(() => output.Events("Alarm001").Any(e => e.GetProperty("confirmedState").GetBoolean()), "Alarm001 confirmed", output);
            var confirmed = output.Events("Alarm001").First(e => e.GetProperty("confirmedState").GetBoolean());
            Assert.False(confirmed.GetProperty("retain").GetBoolean());
            Assert.Equal("checked", confirmed.GetProperty("comment").GetString());

            // Confirming twice: the server refuses, the operator is told it is confirmed already.
            var (againExit, _, againError) = await CommandLineRunner.RunAsync("ack", "cnc", conditionId, confirmed.GetProperty("eventId").GetString()!, "--comment", "twice", "--confirm", "--config", config);
            Assert.Equal(ExitCodes.ConnectionError, againExit);
            Assert.Contains("gateway ack:", againError, StringComparison.Ordinal);
            Assert.Single(output.All, r => r.Tag == "alarm_episode");
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
    }

    private static async Task WaitAsync(Func<bool> condition, string what, Readings output)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {Patience}: {what}; events: {string.Join("\n", output.All.Where(r => r.Tag == "events").Select(r => r.Value.AsJson()))}");
            await Task.Delay(100);
        }
    }
}
