using System.Text.Json;

using Gateway.Core;
using Gateway.Testing;

namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>`embedded: true`: the sink runs its own MQTTnet broker; any MQTT client can subscribe to it.</summary>
public sealed class EmbeddedBrokerTests
{
    [Fact]
    public async Task EmbeddedBroker_EndToEnd_SubscriberSeesStatusAndReadings_BothPayloads()
    {
        var port = FreePort.Next();
        var options = TestSinks.Options(port);
        options.Embedded = true;
        await using var sink = TestSinks.Create(options);
        await sink.StartAsync(CancellationToken.None);
        Assert.Equal(ConnectionState.Connected, sink.State);

        await using var subscriber = await MqttSubscriber.ConnectAsync(port, "factory/#");
        await sink.DeliverAsync(TestSinks.Readings(1, 100, tags: 100), CancellationToken.None);
        var received = await subscriber.WaitForAsync(m => m.Count(x => x.Topic.StartsWith("factory/plant1/cnc1/", StringComparison.Ordinal)) >= 100, what: "100 readings");
        Assert.Contains(received, m => m.Topic == "factory/plant1/gw1/status" && m.Retain && m.Payload.Contains("\"online\"", StringComparison.Ordinal));
        var tag5 = received.Single(m => m.Topic == "factory/plant1/cnc1/Tag5");
        Assert.Equal(6, JsonDocument.Parse(tag5.Payload).RootElement.GetProperty("seq").GetInt64());

        // A plain MQTT tool sees it too.
        var output = await MosquittoSubAsync(port, "factory/plant1/gw1/status");
        Assert.True(output.Contains("\"online\"", StringComparison.Ordinal), output);

        await sink.StopAsync(CancellationToken.None);
        await Assert.ThrowsAnyAsync<Exception>(() => MqttSubscriber.ConnectAsync(port, "#"));
    }

    [Fact]
    public async Task EmbeddedBroker_PortTaken_FailsWithTheReason_NotACrash()
    {
        await using var broker = await MosquittoServer.StartAsync();
        var log = new TestLog();
        var options = TestSinks.Options(broker.Port);
        options.Embedded = true;
        await using var sink = TestSinks.Create(options, log);
        await sink.StartAsync(CancellationToken.None);
        await TestSinks.WaitForStateAsync(sink, ConnectionState.Faulted);
        Assert.Contains("cannot listen", sink.Problem, StringComparison.Ordinal);
        Assert.Contains(log.Warnings, w => w.Contains("another broker may hold the port", StringComparison.Ordinal));
    }

    private static async Task<string> MosquittoSubAsync(int port, string topic)
    {
        var info = new System.Diagnostics.ProcessStartInfo(ServerProcess.Which("mosquitto_sub")!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", topic, "-C", "1", "-W", "10", "-V", "mqttv5" })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return await output + error;
    }
}
