using System.Text.Json;

using Gateway.Buffer;
using Gateway.Core;
using Gateway.Testing;

using MQTTnet.Protocol;

namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>`replayTopic`: a replayed backlog as json-batch messages on its own topic, fresh readings on the usual one (real mosquitto).</summary>
public sealed class ReplayTopicTests
{
    [Theory]
    [InlineData("json")]
    [InlineData("json-batch")]
    public async Task AReplayedBacklogGoesToTheReplayTopicAndFreshReadingsToTheUsualOne_EachInSequenceOrderPerTag(string payload)
    {
        await using var broker = await MosquittoServer.StartAsync();
        await using var subscriber = await MqttSubscriber.ConnectAsync(broker.Port, "#", MqttQualityOfServiceLevel.AtLeastOnce);
        var options = TestSinks.Options(broker.Port);
        options.Qos = 1;
        options.Payload = payload;
        options.StatusTopic = "";
        options.ReplayTopic = "replay/{site}/{machine}";
        await using var sink = TestSinks.Create(options);
        Assert.True(sink.ReplaysBacklog);
        await sink.StartAsync(CancellationToken.None);

        // Three deliveries as the buffer hands them during a catch-up: backlog (seq 1..) first, then fresh (seq 10,001..).
        for (var round = 0; round < 3; round++)
        {
            var backlog = TestSinks.Readings(1 + (round * 300), 300, tags: 10);
            var fresh = TestSinks.Readings(10_001 + (round * 10), 10, tags: 10);
            await sink.DeliverAsync(new ReadingBatch([.. backlog, .. fresh], acknowledgeUpTo: backlog[^1].Sequence, liveCount: fresh.Count, replayedCount: backlog.Count), CancellationToken.None);
        }

        // Then the lanes merged: an ordinary batch, all on the usual topic.
        await sink.DeliverAsync(TestSinks.Readings(10_031, 10, tags: 10), CancellationToken.None);

        var received = await subscriber.WaitForAsync(m => Readings(m).Count >= 940, what: "940 readings");
        var readings = Readings(received);
        var replayed = readings.Where(r => r.Topic == "replay/plant1/cnc1").ToList();
        var live = readings.Where(r => r.Topic != "replay/plant1/cnc1").ToList();
        Assert.Equal(Enumerable.Range(1, 900).Select(i => (long)i), replayed.Select(r => r.Seq));
        Assert.Equal(Enumerable.Range(10_001, 40).Select(i => (long)i), live.Select(r => r.Seq).Order());
        Assert.All(live, r => Assert.StartsWith(payload == "json" ? "factory/plant1/cnc1/Tag" : "factory/plant1/cnc1", r.Topic));

        // Per tag, each topic's stream is in sequence order, as it arrived.
        foreach (var stream in new[] { replayed, live })
        {
            foreach (var tag in stream.GroupBy(r => r.Tag))
            {
                var sequences = tag.Select(r => r.Seq).ToList();
                Assert.Equal(sequences.Order(), sequences);
            }
        }

        // A fresh reading of Tag0 reached the broker before the rest of Tag0's backlog did.
        var firstFresh = readings.FindIndex(r => r.Seq == 10_001);
        Assert.Contains(readings.Skip(firstFresh + 1), r => r.Tag == "Tag0" && r.Seq < 10_001);
    }

    [Fact]
    public async Task WithoutAReplayTopicTheSinkKeepsOneStream()
    {
        await using var broker = await MosquittoServer.StartAsync();
        var options = TestSinks.Options(broker.Port);
        await using var sink = TestSinks.Create(options);
        Assert.False(sink.ReplaysBacklog);
    }

    [Fact]
    public void AReplayTopicWithATagPlaceholderIsRefused()
    {
        var options = TestSinks.Options(1883);
        options.ReplayTopic = "replay/{machine}/{tag}";
        var problems = new MqttSinkPlugin().Validate(options).ToList();
        Assert.Contains(problems, p => p.Key == "replayTopic" && p.Message.Contains("{tag}", StringComparison.Ordinal));
    }

    /// <summary>Every reading of every message, in arrival order (a batch message's readings in their order).</summary>
    private static List<(string Topic, string Tag, long Seq)> Readings(IReadOnlyList<MqttSubscriber.Received> messages)
    {
        var readings = new List<(string, string, long)>();
        foreach (var message in messages)
        {
            var root = JsonDocument.Parse(message.Payload).RootElement;
            if (root.TryGetProperty("readings", out var array))
            {
                readings.AddRange(array.EnumerateArray().Select(r => (message.Topic, r.GetProperty("tag").GetString()!, r.GetProperty("seq").GetInt64())));
            }
            else if (root.TryGetProperty("seq", out var seq))
            {
                readings.Add((message.Topic, message.Topic.Split('/')[^1], seq.GetInt64()));
            }
        }

        return readings;
    }
}
