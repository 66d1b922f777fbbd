using System.Text.Json;
using Gateway.Testing;

namespace Gateway.LoadTests.Smoke.Tests;

/// <summary>
/// The harness's smoke scenario end to end: the simulator, a real mosquitto, a real VictoriaMetrics and the gateway as
/// separate processes; 4 machines x 50 tags every 500 ms for 20 s, with the broker cut for 4 s in the middle.
/// </summary>
public sealed class SmokeScenarioTests
{
    [Fact]
    public async Task EveryReadingReachesBothSinksAndTheResultIsWritten()
    {
        var output = RepositoryPaths.NewTempDirectory("load-smoke-results");
        try
        {
            var log = new StringWriter();
            var scenario = LoadScenario.Named("smoke");
            var result = await new LoadRun(scenario, log).RunAsync();
            var file = await LoadResultFile.WriteAsync(result, output);

            var detail = log + JsonSerializer.Serialize(result, LoadResult.Json);
            Assert.True(result.Delivery.Expected >= scenario.Machines * scenario.TagsPerMachine * 20L, detail);
            Assert.Equal(0, result.Delivery.Lost);
            Assert.Equal(0, result.Delivery.SeriesNeverSeen);
            Assert.Equal(0, result.Delivery.MissingSequenceNumbers);
            Assert.Equal(0, result.Delivery.WrongValues);
            Assert.Equal(result.Delivery.UniqueReceived, result.Delivery.VictoriaSamples);
            Assert.True(result.Throughput.DeliveredBySink["mqtt"] > 0, detail);
            Assert.True(result.Throughput.DeliveredBySink["victoria"] > 0, detail);
            Assert.True(result.Fault!.BacklogReadings > 0, "the broker cut left no backlog: " + detail);
            Assert.NotNull(result.Fault.CatchUpSeconds);
            Assert.True(result.Latency.Count > 0 && result.Latency.P50Ms <= result.Latency.P99Ms && result.Latency.P99Ms <= result.Latency.MaxMs + 1, detail);
            Assert.True(result.Gateway.PeakRssMb > 10, detail);

            // The bare MQTTnet baseline ran against the same broker and every figure is divided by it.
            Assert.True(result.Baseline!.PacedMessagesPerSecond > 0 && result.Baseline.FlatOutMessagesPerSecond > 0, detail);
            Assert.True(result.Baseline.PacedCpuMicrosecondsPerMessage > 0, detail);
            Assert.True(result.CostPerReading!.Ratio > 0 && result.CostPerReading.GatewayMicroseconds > 0, detail);
            Assert.True(result.StartToFirstReadingSeconds > 0, detail);
            Assert.DoesNotContain(result.Notes, n => n.Contains("baseline", StringComparison.Ordinal));

            // The JSON on disk is well-formed and says what ran and how it went.
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(file));
            Assert.Equal("smoke", json.RootElement.GetProperty("scenario").GetString());
            Assert.Equal(result.Delivery.UniqueReceived, json.RootElement.GetProperty("delivery").GetProperty("uniqueReceived").GetInt64());
            Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("machine").GetProperty("loadAverageAtStart").GetString()));
            Assert.True(json.RootElement.GetProperty("targets").GetArrayLength() >= 4);
            Assert.True(json.RootElement.GetProperty("passed").GetBoolean(), detail);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
