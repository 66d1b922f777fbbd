using System.Diagnostics;
using System.Text.Json;
using Gateway.Simulator.Machines;
using Gateway.Testing;

namespace Gateway.Simulator.Tests;

/// <summary>
/// node-opcua's client (tests/servers/opcua-client/subscribe-events.js) subscribes to a CNC's events on our server
/// with its own EventFilter (OfType AlarmConditionType) and receives the alarm the CNC raises: the independent check
/// that our event monitored items, filter and EventNotificationList are what a standard client expects.
/// </summary>
public sealed class NodeOpcuaEventsTests
{
    private static readonly string ScriptDirectory = RepositoryPaths.Combine("tests", "servers", "opcua-client");

    [Fact]
    public async Task NodeOpcuaReceivesTheAlarmEventOfACnc()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Port = 0, Machines = 2, RateMs = 100 });
        var cnc = simulator.Machines.OfType<CncMachine>().Single(m => m.Name == "cnc-02");
        Assert.True(Directory.Exists(Path.Combine(ScriptDirectory, "node_modules", "node-opcua")), "node-opcua is missing: run bash tests/servers/install.sh");
        var start = new ProcessStartInfo("node") { WorkingDirectory = ScriptDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "subscribe-events.js", simulator.EndpointUrl, "ns=2;s=cnc-02", "OT0500" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            string? report = null;
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line == "SUBSCRIBED")
                {
                    cnc.RaiseAlarm(1);
                }
                else if (line.StartsWith("REPORT ", StringComparison.Ordinal))
                {
                    report = line["REPORT ".Length..];
                }
            }

            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0 && report is not null, $"node-opcua client failed ({process.ExitCode}): {await error}");
            var received = JsonDocument.Parse(report!).RootElement;
            Assert.Equal("1002 OT0500 +X OVERTRAVEL (SOFT 1)", received.GetProperty("Message").GetString());
            Assert.Equal("cnc-02", received.GetProperty("SourceName").GetString());
            Assert.Equal(800, received.GetProperty("Severity").GetInt32());
            Assert.Equal("Alarm", received.GetProperty("ConditionName").GetString());
            Assert.Equal("ns=0;i=2915", received.GetProperty("EventType").GetString());
            Assert.True(received.GetProperty("ActiveState.Id").GetBoolean());
            Assert.False(received.GetProperty("AckedState.Id").GetBoolean());
            Assert.True(received.GetProperty("Retain").GetBoolean());
            Assert.Equal(32, received.GetProperty("EventId").GetString()!.Length); // 16 bytes as hex
            Assert.Equal(JsonValueKind.Null, received.GetProperty("NoSuchField").ValueKind); // Part 4, 7.22.3
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node-opcua client did not finish in 120 s: {await error}");
        }
    }
}
