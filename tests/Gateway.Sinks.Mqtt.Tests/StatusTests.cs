using System.Text.Json;

using Gateway.Core;
using Gateway.Testing;

namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>The retained status topic and the Last Will, against a real mosquitto.</summary>
public sealed class StatusTests
{
    private const string StatusTopic = "factory/plant1/gw1/status";

    [Fact]
    public async Task Online_IsRetainedOnConnect_OfflineOnGracefulStop()
    {
        await using var broker = await MosquittoServer.StartAsync();
        var sink = TestSinks.Create(TestSinks.Options(broker.Port));
        await sink.StartAsync(CancellationToken.None);
        Assert.Equal(StatusTopic, sink.StatusTopic);

        // Subscribing afterwards: the retained message is there.
        await using (var late = await MqttSubscriber.ConnectAsync(broker.Port, StatusTopic))
        {
            var online = (await late.WaitForAsync(m => m.Count >= 1, what: "retained online status"))[0];
            Assert.True(online.Retain);
            var json = JsonDocument.Parse(online.Payload).RootElement;
            Assert.Equal("online", json.GetProperty("status").GetString());
            Assert.Equal("gw1", json.GetProperty("gateway").GetString());
            Assert.False(string.IsNullOrEmpty(json.GetProperty("version").GetString()));
            Assert.True(DateTime.Parse(json.GetProperty("startedAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > DateTime.UtcNow.AddMinutes(-5));
        }

        await using var subscriber = await MqttSubscriber.ConnectAsync(broker.Port, StatusTopic);
        await subscriber.WaitForAsync(m => m.Count >= 1);
        await sink.StopAsync(CancellationToken.None);
        Assert.Equal(ConnectionState.Disconnected, sink.State);
        var messages = await subscriber.WaitForAsync(m => m.Any(x => x.Payload.Contains("\"offline\"", StringComparison.Ordinal)), what: "offline status");
        Assert.Equal("offline", JsonDocument.Parse(messages[^1].Payload).RootElement.GetProperty("status").GetString());
        await sink.DisposeAsync();

        // Still offline for the next one to look: retained.
        await using var afterwards = await MqttSubscriber.ConnectAsync(broker.Port, StatusTopic);
        var retained = await afterwards.WaitForAsync(m => m.Count >= 1);
        Assert.Contains("\"offline\"", retained[0].Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AbruptConnectionLoss_BrokerPublishesLastWillOffline()
    {
        await using var broker = await MosquittoServer.StartAsync();
        await using var relay = TcpRelay.Start(broker.Port);
        await using var subscriber = await MqttSubscriber.ConnectAsync(broker.Port, StatusTopic);
        var options = TestSinks.Options(relay.Port);
        options.ReconnectDelayMs = 60_000;
        options.ReconnectMaxDelayMs = 60_000;
        await using var sink = TestSinks.Create(options);
        await sink.StartAsync(CancellationToken.None);
        await subscriber.WaitForAsync(m => m.Any(x => x.Payload.Contains("\"online\"", StringComparison.Ordinal)), what: "online status");

        // As when the gateway is killed (kill -9) or its network cable pulled: the socket resets without DISCONNECT.
        relay.Closed = true;
        relay.AbortAll();

        var messages = await subscriber.WaitForAsync(m => m.Any(x => x.Payload.Contains("\"offline\"", StringComparison.Ordinal)), what: "Last Will");
        var will = messages.Last(x => x.Payload.Contains("\"offline\"", StringComparison.Ordinal));
        Assert.Equal(StatusTopic, will.Topic);
        Assert.Equal("gw1", JsonDocument.Parse(will.Payload).RootElement.GetProperty("gateway").GetString());

        // The broker may publish the Will before the sink's client has read the reset of its own socket (a busy machine).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (sink.State == ConnectionState.Connected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.NotEqual(ConnectionState.Connected, sink.State);
        Assert.NotNull(sink.Problem);
    }
}
