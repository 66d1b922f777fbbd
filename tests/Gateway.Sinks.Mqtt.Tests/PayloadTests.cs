using System.Text.Json;

using Gateway.Core;
using Gateway.Testing;

namespace Gateway.Sinks.Mqtt.Tests;

/// <summary>Both payload formats, as a subscriber receives them from a real mosquitto, checked against config/schema.</summary>
public sealed class PayloadTests
{
    private static readonly JsonSchemaCheck JsonSchema = new(RepositoryPaths.Combine("config", "schema", "mqtt-json.schema.json"));
    private static readonly JsonSchemaCheck BatchSchema = new(RepositoryPaths.Combine("config", "schema", "mqtt-json-batch.schema.json"));

    [Fact]
    public async Task Json_OneMessagePerReading_MatchesSchemaAndCarriesEveryField()
    {
        await using var broker = await MosquittoServer.StartAsync();
        await using var subscriber = await MqttSubscriber.ConnectAsync(broker.Port, "factory/plant1/cnc1/#");
        await using var sink = TestSinks.Create(TestSinks.Options(broker.Port));
        await sink.StartAsync(CancellationToken.None);

        var readings = new List<Reading>
        {
            TestSinks.Reading(81234, tag: "SpindleSpeed", value: ReadingValue.FromDouble(1234.5), unit: "rpm"),
            TestSinks.Reading(81235, tag: "PartCount", value: ReadingValue.FromInt64(42), unit: null),
            TestSinks.Reading(81236, tag: "Running", value: ReadingValue.FromBoolean(true), unit: null),
            TestSinks.Reading(81237, tag: "Program", value: ReadingValue.FromString("O1234 \"roughing\""), unit: null),
            TestSinks.Reading(81238, tag: "AxisLoad", value: ReadingValue.FromArray([1.5, 2.5, 3.0]), unit: "%"),
            TestSinks.Reading(81239, tag: "Alarms", value: ReadingValue.FromArray(["E1", "E2"]), unit: null),
            TestSinks.Reading(81240, tag: "Broken", value: ReadingValue.FromDouble(double.NaN), unit: "°C") with { Quality = Quality.Bad, StatusCode = 0x80000000, DataGap = true },
            TestSinks.Reading(81241, tag: "Nothing", value: ReadingValue.Null, unit: null) with { Quality = Quality.Uncertain, StatusCode = 0x40000000 },
            TestSinks.Reading(81242, tag: "Tool", value: ReadingValue.FromJson("""{"number":7,"name":"T07 \"drill\"","wear":[0.1,0.2]}"""), unit: null),
            TestSinks.Reading(81243, tag: "FromHistory", value: ReadingValue.FromInt64(7), unit: null) with { Backfilled = true },
        };
        await sink.DeliverAsync(readings, CancellationToken.None);

        var received = await subscriber.WaitForAsync(m => m.Count >= readings.Count, what: "one message per reading");
        Assert.Equal(readings.Count, received.Count);
        foreach (var message in received)
        {
            var problems = JsonSchema.Problems(message.Payload);
            Assert.True(problems.Count == 0, message.Topic + " " + message.Payload + ": " + string.Join("; ", problems));
        }

        var speed = Parse(received, "factory/plant1/cnc1/SpindleSpeed");
        Assert.Equal(1234.5, speed.GetProperty("value").GetDouble());
        Assert.Equal("Good", speed.GetProperty("quality").GetString());
        Assert.Equal(0, speed.GetProperty("status").GetInt64());
        Assert.Equal("2026-11-25T03:00:00.123Z", TestSinks.Reading(0).Timestamp.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"));
        Assert.Equal(TestSinks.Time.AddMilliseconds(81234).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"), speed.GetProperty("timestamp").GetString());
        Assert.Equal("rpm", speed.GetProperty("unit").GetString());
        Assert.Equal(81234, speed.GetProperty("seq").GetInt64());

        Assert.False(Parse(received, "factory/plant1/cnc1/PartCount").TryGetProperty("unit", out _));
        Assert.Equal(42, Parse(received, "factory/plant1/cnc1/PartCount").GetProperty("value").GetInt64());
        Assert.True(Parse(received, "factory/plant1/cnc1/Running").GetProperty("value").GetBoolean());
        Assert.Equal("O1234 \"roughing\"", Parse(received, "factory/plant1/cnc1/Program").GetProperty("value").GetString());
        Assert.Equal([1.5, 2.5, 3.0], Parse(received, "factory/plant1/cnc1/AxisLoad").GetProperty("value").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(["E1", "E2"], Parse(received, "factory/plant1/cnc1/Alarms").GetProperty("value").EnumerateArray().Select(v => v.GetString()));

        var broken = Parse(received, "factory/plant1/cnc1/Broken");
        Assert.Equal(JsonValueKind.Null, broken.GetProperty("value").ValueKind);
        Assert.Equal("Bad", broken.GetProperty("quality").GetString());
        Assert.Equal(0x80000000, broken.GetProperty("status").GetUInt32());
        Assert.True(broken.GetProperty("gap").GetBoolean());
        Assert.True(Parse(received, "factory/plant1/cnc1/FromHistory").GetProperty("backfilled").GetBoolean());
        Assert.False(broken.TryGetProperty("backfilled", out _)); // only when set
        Assert.Equal("°C", broken.GetProperty("unit").GetString());
        Assert.Equal("Uncertain", Parse(received, "factory/plant1/cnc1/Nothing").GetProperty("quality").GetString());

        // A structure is embedded as a JSON object, not as a string holding one.
        var tool = Parse(received, "factory/plant1/cnc1/Tool").GetProperty("value");
        Assert.Equal(JsonValueKind.Object, tool.ValueKind);
        Assert.Equal(7, tool.GetProperty("number").GetInt32());
        Assert.Equal("T07 \"drill\"", tool.GetProperty("name").GetString());
        Assert.Equal([0.1, 0.2], tool.GetProperty("wear").EnumerateArray().Select(v => v.GetDouble()));
    }

    [Fact]
    public async Task JsonBatch_OneMessagePerMachine_MatchesSchemaAndKeepsOrder()
    {
        await using var broker = await MosquittoServer.StartAsync();
        await using var subscriber = await MqttSubscriber.ConnectAsync(broker.Port, "factory/plant1/+");
        var options = TestSinks.Options(broker.Port);
        options.Payload = PayloadFormats.JsonBatch;
        options.MaxReadingsPerMessage = 300;
        await using var sink = TestSinks.Create(options);
        await sink.StartAsync(CancellationToken.None);

        // 500 readings of cnc1 and 200 of cnc2, interleaved: cnc1 splits into 300 + 200.
        var batch = new List<Reading>();
        for (var i = 0; i < 700; i++)
        {
            batch.Add(i % 7 < 5 ? TestSinks.Reading(i + 1, "cnc1", "Tag" + (i % 3)) : TestSinks.Reading(i + 1, "cnc2", "Temp", unit: null));
        }

        await sink.DeliverAsync(batch, CancellationToken.None);

        var received = await subscriber.WaitForAsync(m => m.Count >= 3, what: "three batch messages");
        await Task.Delay(200);
        Assert.Equal(3, subscriber.Count);
        foreach (var message in received)
        {
            var problems = BatchSchema.Problems(message.Payload);
            Assert.True(problems.Count == 0, message.Topic + ": " + string.Join("; ", problems));
        }

        var cnc1 = received.Where(m => m.Topic == "factory/plant1/cnc1").Select(m => JsonDocument.Parse(m.Payload).RootElement).ToList();
        var cnc2 = received.Where(m => m.Topic == "factory/plant1/cnc2").Select(m => JsonDocument.Parse(m.Payload).RootElement).ToList();
        Assert.Equal(2, cnc1.Count);
        Assert.Single(cnc2);
        var cnc1Seqs = cnc1.SelectMany(r => r.GetProperty("readings").EnumerateArray()).Select(r => r.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(batch.Where(r => r.Machine == "cnc1").Select(r => r.Sequence), cnc1Seqs);
        Assert.Equal([300, 200], cnc1.Select(r => r.GetProperty("readings").GetArrayLength()));
        var first = cnc2[0].GetProperty("readings")[0];
        Assert.Equal("Temp", first.GetProperty("tag").GetString());
        Assert.Equal(1006, first.GetProperty("value").GetDouble());
        Assert.Equal("Good", first.GetProperty("quality").GetString());
        Assert.False(first.TryGetProperty("unit", out _));
    }

    private static JsonElement Parse(IReadOnlyList<MqttSubscriber.Received> messages, string topic)
    {
        var message = messages.SingleOrDefault(m => m.Topic == topic) ?? throw new Xunit.Sdk.XunitException($"no message on {topic}: {string.Join(", ", messages.Select(m => m.Topic))}");
        return JsonDocument.Parse(message.Payload).RootElement;
    }
}
