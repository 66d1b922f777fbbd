using System.Collections.Concurrent;
using MQTTnet;

namespace Gateway.Host.Tests;

/// <summary>A test's MQTT subscriber that keeps the last payload of every topic it has received.</summary>
internal sealed class LatestMqttMessages : IDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    private LatestMqttMessages()
    {
        _client.ApplicationMessageReceivedAsync += e =>
        {
            ByTopic[e.ApplicationMessage.Topic] = e.ApplicationMessage.ConvertPayloadToString();
            return Task.CompletedTask;
        };
    }

    /// <summary>Topic to its last payload (UTF-8 text).</summary>
    public ConcurrentDictionary<string, string> ByTopic { get; } = new();

    public static async Task<LatestMqttMessages> SubscribeAsync(int port, string clientId, string topicFilter = "factory/#")
    {
        var subscriber = new LatestMqttMessages();
        await subscriber._client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId).Build());
        await subscriber._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topicFilter).Build());
        return subscriber;
    }

    public void Dispose() => _client.Dispose();
}
