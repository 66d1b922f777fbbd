using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

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
            var payload = Encoding.UTF8.GetString(message.Payload);
            _received.Enqueue(new Received(message.Topic, payload, message.QualityOfServiceLevel, message.Retain, SeqOf(payload)));
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

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync();
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
                // The broker was stopped a moment ago and the client has not noticed yet: there is nobody to say goodbye to.
            }
        }

        _client.Dispose();
    }

    // Parsed once on arrival: tests that wait for the last of 100,000s of readings must not re-parse them on every poll.
    private static long? SeqOf(string payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("seq", out var seq) ? seq.GetInt64() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public sealed record Received(string Topic, string Payload, MqttQualityOfServiceLevel Qos, bool Retain, long? Seq);
}
