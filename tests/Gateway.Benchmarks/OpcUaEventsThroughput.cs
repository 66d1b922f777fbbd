using System.Diagnostics;
using System.Globalization;
using Gateway.Connectors.OpcUa;
using Gateway.Core;
using Gateway.Sinks.Mqtt;
using Gateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace Gateway.Benchmarks;

/// <summary>
/// Events per second through to MQTT with 1,000 alarm conditions changing at once, against a baseline in the same run:
/// 1,000 data changes at once, on the same node-opcua server (tests/servers/opcua/alarms-server.js), through the same
/// path (the OPC UA connector, the MQTT `json` payload writer, QoS 1 publishes to a real mosquitto, each awaited).
/// Run: dotnet run -c Release --project tests/Gateway.Benchmarks -- opcua-events [rounds]
/// </summary>
public static class OpcUaEventsThroughput
{
    private const int Changes = 1000;

    public static async Task RunAsync(int rounds)
    {
        await using var server = await NodeOpcUaAlarmsServer.StartAsync(alarms: Changes, values: Changes);
        await using var broker = await MosquittoServer.StartAsync();
        using var mqtt = new MqttClientFactory().CreateMqttClient();
        await mqtt.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("events-bench").Build());
        var publisher = new PublishingWriter(mqtt);
        var source = new OpcUaSourceOptions { Endpoint = server.EndpointUrl, RequestTimeoutMs = 60_000 };
        var labels = LabelSet.From([]);
        var events = new SourceTag("bench", "m1", "alarms", "events", TimeSpan.FromMilliseconds(100), new OpcUaGroupOptions { Mode = AcquisitionMode.Events, EventQueueSize = 10_000 }, new OpcUaTagAddress { NodeId = "i=2253" }, "bench", labels);
        var valueGroup = new OpcUaGroupOptions { Mode = AcquisitionMode.Subscribe, SamplingIntervalMs = 0, QueueSize = 10 };
        var values = Enumerable.Range(1, Changes)
            .Select(i => new SourceTag("bench", "m1", "values", $"v{i:D5}", TimeSpan.FromMilliseconds(100), valueGroup, new OpcUaTagAddress { NodeId = $"nsu=urn:gateway:tests:alarms;s=Machine.V{i:D5}" }, "bench", labels))
            .ToList();
        var connector = new OpcUaSourceConnector("bench", source, [events, .. values], NullLogger.Instance, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var run = connector.RunAsync(publisher, stop.Token);
        while (publisher.DataChanges < Changes || connector.State != ConnectionState.Connected)
        {
            await Task.Delay(100);
        }

        var eventTimes = new List<double>();
        var valueTimes = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            // Alternating, so that a slower moment of the machine hits both arms alike.
            valueTimes.Add(await TimeAsync(() => server.RunAsync("values"), () => publisher.DataChanges, Changes));
            eventTimes.Add(await TimeAsync(() => server.RunAsync($"flap {Changes}"), () => publisher.Events, Changes));
        }

        await stop.CancelAsync();
        await run;
        var eventRate = Changes / Median(eventTimes);
        var valueRate = Changes / Median(valueTimes);
        Console.WriteLine(FormattableString.Invariant($"{rounds} rounds of {Changes} changes, medians: events {eventRate:N0}/s, data changes {valueRate:N0}/s (baseline, same run); ratio events/data changes = {eventRate / valueRate:0.00}"));
    }

    private static async Task<double> TimeAsync(Func<Task> change, Func<long> count, int expected)
    {
        var start = count();
        var clock = Stopwatch.StartNew();
        await change();
        while (count() < start + expected)
        {
            await Task.Delay(5);
        }

        return clock.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>Each reading as the MQTT sink's `json` payload, published at QoS 1 and awaited; counts events and data changes.</summary>
    private sealed class PublishingWriter(IMqttClient mqtt) : IReadingWriter
    {
        private readonly PooledBufferWriter _buffer = new(64 * 1024);
        private long _events;
        private long _dataChanges;

        public long Events => Interlocked.Read(ref _events);

        public long DataChanges => Interlocked.Read(ref _dataChanges);

        public async ValueTask WriteAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
        {
            foreach (var reading in readings)
            {
                byte[] payload;
                lock (_buffer)
                {
                    _buffer.Clear();
                    using var writer = new JsonPayloadWriter(_buffer);
                    var (start, length) = writer.WriteReading(reading);
                    payload = _buffer.WrittenMemory.Slice(start, length).ToArray();
                }

                await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"bench/{reading.Machine}/{reading.Tag}").WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
                if (reading.Tag == "events")
                {
                    Interlocked.Increment(ref _events);
                }
                else if (reading.Tag.StartsWith('v'))
                {
                    Interlocked.Increment(ref _dataChanges);
                }
            }
        }
    }
}
