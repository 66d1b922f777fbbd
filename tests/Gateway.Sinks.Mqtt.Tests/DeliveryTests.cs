using System.Text.Json;

using Gateway.Buffer;
using Gateway.Core;
using Gateway.Testing;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

using MQTTnet.Protocol;

namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>Quality of service, protocol versions and outages, against a real mosquitto.</summary>
public sealed class DeliveryTests
{
    [Theory]
    [InlineData(0, true)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(1, false)]
    public async Task EveryQos_DeliversEveryReading_WithThatQos(int qos, bool coalesceWrites)
    {
        await using var broker = await MosquittoServer.StartAsync();
        await using var subscriber = await MqttSubscriber.ConnectAsync(broker.Port, "factory/#");
        var options = TestSinks.Options(broker.Port);
        options.Qos = qos;
        options.CoalesceWrites = coalesceWrites;
        options.StatusTopic = "";
        await using var sink = TestSinks.Create(options);
        await sink.StartAsync(CancellationToken.None);

        for (var round = 0; round < 4; round++)
        {
            await sink.DeliverAsync(TestSinks.Readings(round * 500 + 1, 500, tags: 50), CancellationToken.None);
        }

        var received = await subscriber.WaitForAsync(m => m.Count >= 2000, what: "2000 readings");
        Assert.All(received, m => Assert.Equal((MqttQualityOfServiceLevel)qos, m.Qos));
        Assert.All(received, m => Assert.False(m.Retain));
        var seqs = received.Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("seq").GetInt64()).ToHashSet();
        Assert.Equal(2000, seqs.Count);
        Assert.Equal(Enumerable.Range(1, 2000).Select(i => (long)i), seqs.Order());
    }

    [Fact]
    public async Task Mqtt311_Delivers_AndRetainFlagIsKept()
    {
        await using var broker = await MosquittoServer.StartAsync();
        var options = TestSinks.Options(broker.Port);
        options.ProtocolVersion = "3.1.1";
        options.Retain = true;
        await using var sink = TestSinks.Create(options);
        await sink.StartAsync(CancellationToken.None);
        Assert.Equal(ConnectionState.Connected, sink.State);
        await sink.DeliverAsync([TestSinks.Reading(7, tag: "Speed")], CancellationToken.None);

        // Subscribed after the publish: only a retained message can arrive.
        await using var subscriber = await MqttSubscriber.ConnectAsync(broker.Port, "factory/plant1/cnc1/Speed");
        var received = await subscriber.WaitForAsync(m => m.Count >= 1, what: "the retained reading");
        Assert.True(received[0].Retain);
        Assert.Equal(7, JsonDocument.Parse(received[0].Payload).RootElement.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task BrokerDown30Seconds_Under5000ReadingsPerSecond_EveryReadingArrivesThroughTheDurableBuffer()
    {
        // After the restart the buffer drains 150,000 readings far faster than one test subscriber takes them; mosquitto
        // would drop what exceeds its per-client queue (1,000 by default) for that subscriber, not for the sink. Its
        // defaults also send to the subscriber 20 messages at a time with Nagle on, which meets the subscriber's delayed
        // ACKs: about 500 messages/s, too slow to receive the backlog within the test's time.
        await using var broker = await MosquittoServer.StartAsync(new MosquittoSettings
        {
            ExtraLines = ["max_queued_messages 0", "max_inflight_messages 1000", "set_tcp_nodelay true"],
        });

        // The subscriber talks to mosquitto directly; the sink goes through a relay that the test keeps closed until the
        // subscriber is back, so nothing published after the restart can slip past it (mosquitto keeps no state here).
        await using var relay = TcpRelay.Start(broker.Port);
        var subscriber = await MqttSubscriber.ConnectAsync(broker.Port, "factory/#", MqttQualityOfServiceLevel.AtLeastOnce);
        var log = new TestLog();
        var options = TestSinks.Options(relay.Port);
        options.StatusTopic = "";
        await using var sink = TestSinks.Create(options, log);
        await sink.StartAsync(CancellationToken.None);

        // The product's path: a producer commits 5,000 readings/s to the durable buffer (the pipeline's role); the
        // sink's delivery loop drains it, moving the sink's cursor only when the broker acknowledged a batch.
        var directory = RepositoryPaths.NewTempDirectory("mqtt-outage");
        await using var buffer = StoreAndForwardBuffer.Open(new BufferOptions { Directory = directory }, [sink.Name], NullLogger.Instance);
        var produced = 0L;
        using var stopProducing = new CancellationTokenSource();
        var producer = Task.Run(async () =>
        {
            var started = DateTime.UtcNow;
            while (!stopProducing.IsCancellationRequested)
            {
                var due = (long)((DateTime.UtcNow - started).TotalSeconds * 5000);
                var batch = new List<Reading>();
                while (produced + batch.Count < due)
                {
                    var seq = produced + batch.Count + 1;
                    batch.Add(TestSinks.Reading(seq, "cnc" + (seq % 5), "Tag" + (seq % 100)));
                }

                if (batch.Count > 0)
                {
                    produced = await buffer.AppendAsync(batch);
                }

                await Task.Delay(10);
            }
        });
        var loop = new SinkDeliveryLoop(buffer, sink, new DeliveryRetryOptions { InitialDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromMilliseconds(2000), BreakDuration = TimeSpan.FromMilliseconds(2000) }, 2000, NullLogger.Instance);
        using var stopDelivering = new CancellationTokenSource();
        var delivery = loop.RunAsync(stopDelivering.Token);

        await Task.Delay(TimeSpan.FromSeconds(3));
        relay.Closed = true;
        await broker.StopAsync();
        await subscriber.DisposeAsync();
        await TestSinks.WaitForStateAsync(sink, ConnectionState.Faulted);
        await Task.Delay(TimeSpan.FromSeconds(30));
        await broker.StartAgainAsync();
        subscriber = await MqttSubscriber.ConnectAsync(broker.Port, "factory/#", MqttQualityOfServiceLevel.AtLeastOnce);
        relay.Closed = false;
        await TestSinks.WaitForStateAsync(sink, ConnectionState.Connected, TimeSpan.FromSeconds(20));
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stopProducing.CancelAsync();
        await producer;
        var drained = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (loop.Status.Delivered < produced && DateTime.UtcNow < drained)
        {
            await Task.Delay(100);
        }

        await stopDelivering.CancelAsync();
        await delivery.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(produced > 5000 * 34, $"only {produced} readings produced");
        Assert.Equal(produced, loop.Status.Delivered);
        Assert.Equal(0, buffer.GetStatistics().Sinks.Single().Pending);

        // Readings delivered before the outage went to the first subscriber session; the rest (at least the 150,000 of
        // the outage) must all reach the second one: every sequence number after the first it saw, none missing.
        var received = await subscriber.WaitForAsync(
            m => m.Count > 0 && m[^1].Seq == produced || m.Count > 0 && m.Max(Seq) == produced, TimeSpan.FromSeconds(120), "the last reading");
        await Task.Delay(500);
        var seqs = subscriber.Messages.Select(Seq).ToHashSet();
        var firstAfterRestart = seqs.Min();
        var missing = Enumerable.Range((int)firstAfterRestart, (int)(produced - firstAfterRestart + 1)).Where(s => !seqs.Contains(s)).Take(10).ToList();
        Assert.True(missing.Count == 0, $"missing after restart: {string.Join(",", missing)}");
        Assert.True(produced - firstAfterRestart > 5000 * 30, $"the outage's readings were not redelivered (first seq after restart {firstAfterRestart} of {produced})");

        // One log line for the outage, not one per retry: the lost connection opens it (a warning), the failed
        // reconnects add one line for their cause, the retries go to Debug.
        var outageLines = log.Lines.Where(l => l.Level >= LogLevel.Information && l.Text.Contains("cannot connect", StringComparison.Ordinal)).Select(l => l.Text).ToList();
        Assert.True(outageLines.Count == 1, string.Join("\n", outageLines));
        await subscriber.DisposeAsync();
    }

    private static long Seq(MqttSubscriber.Received message) => message.Seq ?? -1;
}
