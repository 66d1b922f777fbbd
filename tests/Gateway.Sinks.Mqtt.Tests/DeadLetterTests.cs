using System.Text.Json;

using Gateway.Core;
using Gateway.Testing;

namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>
/// Messages a real mosquitto refuses for good (its ACL forbids the topic: MQTT 5 PUBACK 0x87 Not authorized) go to the
/// one dead-letter format every sink shares, one line per reading, and are counted; the rest arrives.
/// </summary>
public sealed class DeadLetterTests
{
    [Theory]
    [InlineData(PayloadFormats.Json)]
    [InlineData(PayloadFormats.JsonBatch)]
    public async Task Readings_on_a_forbidden_topic_land_in_the_dead_letter_file_and_are_counted(string payload)
    {
        var directory = RepositoryPaths.NewTempDirectory("mosquitto-acl");
        var aclFile = Path.Combine(directory, "acl");
        // Lines before any `user` line apply to anonymous clients: machine cnc1 may publish, cnc9 may not.
        await File.WriteAllTextAsync(aclFile, "topic write factory/plant1/cnc1/#\ntopic write factory/plant1/cnc1\ntopic read #\n");
        // mosquitto 2.0.11 drops the publisher's connection after a denied QoS 1 publish when max_queued_messages is 0
        // (unlimited, the fixture's default); its own default of 1000 answers 0x87 and keeps the connection.
        await using var broker = await MosquittoServer.StartAsync(new MosquittoSettings { MaxQueuedMessages = 1000, ExtraLines = [$"acl_file {aclFile}"] });
        await using var subscriber = await MqttSubscriber.ConnectAsync(broker.Port, "factory/#");
        var options = TestSinks.Options(broker.Port);
        options.StatusTopic = "";
        options.Payload = payload;
        var log = new TestLog();
        await using var sink = TestSinks.Create(options, log, name: "plant-broker");
        await sink.StartAsync(CancellationToken.None);
        await TestSinks.WaitForStateAsync(sink, ConnectionState.Connected);

        List<Reading> batch = [TestSinks.Reading(1, "cnc1", "Speed"), TestSinks.Reading(2, "cnc9", "Speed"), TestSinks.Reading(3, "cnc1", "Load"), TestSinks.Reading(4, "cnc9", "Load")];
        var delivery = await Record.ExceptionAsync(() => sink.DeliverAsync(batch, CancellationToken.None));
        Assert.True(delivery is null, delivery + "\n" + broker.Output + "\n" + string.Join("\n", log.Lines.Select(l => l.Level + " " + l.Text)));

        // The allowed readings arrive; the refused ones do not block the delivery.
        var received = await subscriber.WaitForAsync(m => m.Count >= (payload == PayloadFormats.Json ? 2 : 1), what: "the allowed readings");
        Assert.All(received, m => Assert.StartsWith("factory/plant1/cnc1", m.Topic, StringComparison.Ordinal));

        Assert.EndsWith(Path.Combine("dead-letters", "plant-broker.jsonl"), sink.DeadLetterPath, StringComparison.Ordinal);
        var entries = File.ReadAllLines(sink.DeadLetterPath).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, entries.Count);
        foreach (var entry in entries)
        {
            Assert.Equal("plant-broker", entry.GetProperty("sink").GetString());
            Assert.EndsWith("Z", entry.GetProperty("time").GetString(), StringComparison.Ordinal);
            Assert.Equal("NotAuthorized", entry.GetProperty("status").GetString());
            Assert.StartsWith("NotAuthorized", entry.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.StartsWith("factory/plant1/cnc9", entry.GetProperty("sent").GetString(), StringComparison.Ordinal);
            Assert.Equal("cnc9", entry.GetProperty("reading").GetProperty("machine").GetString());
        }

        Assert.Equal([2L, 4L], entries.Select(e => e.GetProperty("reading").GetProperty("sequence").GetInt64()).Order());

        var samples = new List<MetricSample>();
        sink.ReportSamples(samples);
        Assert.Equal(2, samples.Single(s => s.Name == "gateway_sink_dead_lettered_total").Value);
        Assert.Equal(payload == PayloadFormats.Json ? 2 : 1, samples.Single(s => s.Name == "gateway_sink_messages_published_total").Value);
    }
}
