using System.Collections.Concurrent;
using System.Text;

using MQTTnet;
using MQTTnet.Protocol;

namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>An in-process MQTTnet subscriber that records what the broker delivers.</summary>
public sealed class MqttSubscriber : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly ConcurrentQueue<Received> _received = new();

    private MqttSubscriber(IMqttClient client)
    {
        _client = client;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var message = e.ApplicationMessage;
            _received.Enqueue(new Received(message.Topic, Encoding.UTF8.GetString(message.Payload), message.QualityOfServiceLevel, message.Retain));
            return Task.CompletedTask;
        };
    }

    public IReadOnlyList<Received> Messages => [.. _received];

    public int Count => _received.Count;

    public static async Task<MqttSubscriber> ConnectAsync(int port, string filter = "#", MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.ExactlyOnce, Action<MqttClientOptionsBuilder>? configure = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var subscriber = new MqttSubscriber(client);
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId("test-subscriber-" + Guid.NewGuid().ToString("N")[..8])
            .WithCleanStart(true);
        configure?.Invoke(options);
        await client.ConnectAsync(options.Build());
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, qos).Build());
        return subscriber;
    }

    /// <summary>Waits until <paramref name="condition"/> holds over the messages received, or fails after the timeout.</summary>
    public async Task<IReadOnlyList<Received>> WaitForAsync(Func<IReadOnlyList<Received>, bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var messages = Messages;
            if (condition(messages))
            {
                return messages;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited for {what ?? "messages"}; received {messages.Count}: {string.Join(" | ", messages.Take(5).Select(m => m.Topic + " " + m.Payload))}");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }

    public sealed record Received(string Topic, string Payload, MqttQualityOfServiceLevel Qos, bool Retain);
}
