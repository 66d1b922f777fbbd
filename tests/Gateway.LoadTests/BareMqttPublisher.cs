using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Gateway.Core;
using Gateway.Sinks.Mqtt;
using MQTTnet;
using MQTTnet.Protocol;

namespace Gateway.LoadTests;

/// <summary>
/// The baseline every gateway figure is divided by (issue 26): a plain MQTTnet client, in a process of its own, that
/// publishes the messages the `json` sink would send for the scenario's shop (topics and payloads rendered once
/// beforehand by the sink's own <see cref="JsonPayloadWriter"/> and <see cref="TopicTemplate"/>) at QoS 1, with the
/// sink's in-flight window, to the same mosquitto. What it costs is MQTTnet plus the kernel: the wire's price.
/// Two phases: <em>paced</em> at the scenario's rate (one tick of every tag each rate-ms, like the server's publishes),
/// giving CPU per message at that rate; then <em>flat out</em>, giving the loop's top rate (the outage catch-up target).
/// </summary>
public static class BareMqttPublisher
{
    /// <summary>Topics start with this instead of "factory": the harness's subscriber counts them apart.</summary>
    public const string TopicPrefix = "baseline";

    public const string ResultMarker = "bare-result: ";

    /// <summary>Runs in the child process: publishes, then prints one line <see cref="ResultMarker"/> + JSON.</summary>
    public static async Task<int> RunAsync(int port, int machines, int tagsPerMachine, int rateMs, int inflight, int pacedSeconds, int flatOutSeconds)
    {
        var messages = Messages(machines, tagsPerMachine);
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId("bare-mqttnet-baseline")
            .WithCleanStart(true)
            .Build());

        // Warm-up at the paced rate (JIT, TCP windows), not measured.
        var warmup = Math.Max(3, pacedSeconds / 6);
        await PacedAsync(client, messages, rateMs, inflight, TimeSpan.FromSeconds(warmup));
        var (pacedCount, pacedCpu, pacedWall) = await MeasureAsync(() => PacedAsync(client, messages, rateMs, inflight, TimeSpan.FromSeconds(pacedSeconds)));
        var (flatCount, flatCpu, flatWall) = await MeasureAsync(() => FlatOutAsync(client, messages, inflight, TimeSpan.FromSeconds(flatOutSeconds)));
        await client.DisconnectAsync();

        var result = new BareBaseline
        {
            Inflight = inflight,
            PayloadBytesAverage = Math.Round(messages.Average(m => (double)m.Payload.Length), 1),
            PacedMessagesPerSecond = Math.Round(pacedCount / pacedWall),
            PacedCpuPercentOfOneCore = Math.Round(100 * pacedCpu / pacedWall, 2),
            PacedCpuMicrosecondsPerMessage = Math.Round(1e6 * pacedCpu / pacedCount, 2),
            FlatOutMessagesPerSecond = Math.Round(flatCount / flatWall),
            FlatOutCpuMicrosecondsPerMessage = Math.Round(1e6 * flatCpu / flatCount, 2),
        };
        Console.WriteLine(ResultMarker + JsonSerializer.Serialize(result, LoadResult.Json).ReplaceLineEndings(" "));
        return 0;
    }

    /// <summary>Starts the baseline process (the harness's own dll) and waits for its figures.</summary>
    public static async Task<BareBaseline> MeasureInChildAsync(int port, LoadScenario scenario, int inflight, TextWriter log)
    {
        var harness = Path.Combine(AppContext.BaseDirectory, "Gateway.LoadTests.dll");
        string I(int value) => value.ToString(CultureInfo.InvariantCulture);
        using var child = Gateway.Testing.RunningProgram.Start("dotnet",
        [
            harness, "--bare-publisher", I(port), "--machines", I(scenario.Machines), "--tags", I(scenario.TagsPerMachine),
            "--rate-ms", I(scenario.RateMs), "--inflight", I(inflight), "--paced-seconds", I(scenario.BaselineSeconds),
            "--flat-out-seconds", I(Math.Max(5, scenario.BaselineSeconds / 3)),
        ]);
        var code = await child.WaitForExitAsync(TimeSpan.FromSeconds(120 + (2 * scenario.BaselineSeconds)));
        var output = child.Output;
        var at = output.LastIndexOf(ResultMarker, StringComparison.Ordinal);
        if (code != 0 || at < 0)
        {
            throw new InvalidOperationException($"the bare MQTTnet baseline failed ({code}):\n{output}");
        }

        var line = output[(at + ResultMarker.Length)..].Split('\n')[0];
        var baseline = JsonSerializer.Deserialize<BareBaseline>(line, LoadResult.Json)!;
        log.WriteLine($"{DateTime.UtcNow:HH:mm:ss} bare MQTTnet baseline: paced {baseline.PacedMessagesPerSecond:N0}/s at {baseline.PacedCpuMicrosecondsPerMessage} µs CPU/message; flat out {baseline.FlatOutMessagesPerSecond:N0}/s at {baseline.FlatOutCpuMicrosecondsPerMessage} µs");
        return baseline;
    }

    /// <summary>One tick of the shop as the `json` sink renders it (same writer, topic template, labels and value kinds).</summary>
    private static List<MqttApplicationMessage> Messages(int machines, int tagsPerMachine)
    {
        var labels = LabelSet.From([new("site", "load")]);
        var template = TopicTemplate.Parse(TopicPrefix + "/{site}/{machine}/{tag}");
        var now = DateTime.UtcNow;
        using var buffer = new PooledBufferWriter();
        using var writer = new JsonPayloadWriter(buffer);
        var messages = new List<MqttApplicationMessage>(machines * tagsPerMachine);
        long sequence = 1;
        var names = Gateway.Simulator.SimulatorServer.DescribeTags(new Gateway.Simulator.SimulatorOptions { Machines = machines, TagsPerMachine = 0 })
            .Select(t => t.Machine).Distinct().ToList();
        for (var m = 0; m < machines; m++)
        {
            for (var t = 1; t <= tagsPerMachine; t++)
            {
                var reading = new Reading
                {
                    Source = "simulator",
                    Machine = names[m],
                    Tag = $"t{t:D5}",
                    Measurement = GatewayConfigFile.Measurement,
                    Value = ReadingValue.FromDouble(12345 + (m * 0.001) + (t * 0.000001)),
                    Quality = Quality.Good,
                    Timestamp = now.AddTicks(t * 13),
                    Labels = labels,
                    Sequence = sequence++,
                };
                buffer.Clear();
                var (start, length) = writer.WriteReading(reading);
                messages.Add(new MqttApplicationMessage
                {
                    Topic = template.Render(TopicValues.Of(reading, "load-gateway")),
                    Payload = new ReadOnlySequence<byte>(buffer.Slice(start, length).ToArray()),
                    QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
                });
            }
        }

        return messages;
    }

    private static async Task<(long Count, double CpuSeconds, double WallSeconds)> MeasureAsync(Func<Task<long>> phase)
    {
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var count = await phase();
        var wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return (count, (process.TotalProcessorTime - cpuBefore).TotalSeconds, wall);
    }

    /// <summary>Every rate-ms, one tick's messages, with at most <paramref name="inflight"/> unacknowledged.</summary>
    private static async Task<long> PacedAsync(IMqttClient client, List<MqttApplicationMessage> messages, int rateMs, int inflight, TimeSpan length)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(rateMs));
        var clock = Stopwatch.StartNew();
        long count = 0;
        do
        {
            count += await PublishAsync(client, messages, inflight, TimeSpan.MaxValue);
        }
        while (clock.Elapsed < length && await timer.WaitForNextTickAsync());

        return count;
    }

    private static async Task<long> FlatOutAsync(IMqttClient client, List<MqttApplicationMessage> messages, int inflight, TimeSpan length)
    {
        var clock = Stopwatch.StartNew();
        long count = 0;
        while (clock.Elapsed < length)
        {
            count += await PublishAsync(client, messages, inflight, length - clock.Elapsed);
        }

        return count;
    }

    /// <summary>Publishes the messages (or as many as fit in <paramref name="budget"/>) with <paramref name="inflight"/> lanes, each awaiting its PUBACK.</summary>
    private static async Task<long> PublishAsync(IMqttClient client, List<MqttApplicationMessage> messages, int inflight, TimeSpan budget)
    {
        var next = -1;
        long published = 0;
        var clock = Stopwatch.StartNew();
        async Task LaneAsync()
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < messages.Count && clock.Elapsed < budget)
            {
                await client.PublishAsync(messages[index]);
                Interlocked.Increment(ref published);
            }
        }

        var lanes = new Task[Math.Min(inflight, messages.Count)];
        for (var i = 0; i < lanes.Length; i++)
        {
            lanes[i] = LaneAsync();
        }

        await Task.WhenAll(lanes);
        return published;
    }
}

/// <summary>The bare MQTTnet client's figures in a run (<see cref="BareMqttPublisher"/>).</summary>
public sealed record BareBaseline
{
    public int Inflight { get; init; }

    public double PayloadBytesAverage { get; init; }

    public double PacedMessagesPerSecond { get; init; }

    public double PacedCpuPercentOfOneCore { get; init; }

    public double PacedCpuMicrosecondsPerMessage { get; init; }

    public double FlatOutMessagesPerSecond { get; init; }

    public double FlatOutCpuMicrosecondsPerMessage { get; init; }
}
