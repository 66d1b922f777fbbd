using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Testing;
using MQTTnet;

namespace Gateway.Host.Tests.Service;

/// <summary>
/// The real `gateway` process with its data directory on a 5 MiB tmpfs (mounted by the test as root), the built-in
/// simulator polled every 100 ms (100 tags) and the embedded MQTT broker. Another program fills the disk, then frees it.
/// </summary>
public sealed partial class FullDiskTests : IAsyncLifetime
{
    private TmpfsMount _disk = null!;
    private readonly string _configDirectory = RepositoryPaths.NewTempDirectory("full-disk-config");

    public async Task InitializeAsync() => _disk = await TmpfsMount.MountAsync("gateway-full-disk", "5m");

    public async Task DisposeAsync()
    {
        await _disk.DisposeAsync(); // the gateway has exited: a busy mount would be a leaked process
        Directory.Delete(_configDirectory, recursive: true);
    }

    [Fact]
    public async Task A_full_disk_makes_the_gateway_not_ready_and_counts_what_it_refuses_and_ingest_resumes_when_space_is_freed()
    {
        var httpPort = FreePort.Next();
        var mqttPort = FreePort.Next();
        var simulatorPort = FreePort.Next();
        var config = await WriteConfigAsync(httpPort, mqttPort, simulatorPort);

        using var gateway = GatewayProcess.Start("run", "--config", config);
        await gateway.WaitForOutputAsync("Gateway full-disk running", TimeSpan.FromSeconds(60));
        var sequences = new ConcurrentDictionary<long, bool>();
        using var subscriber = new MqttClientFactory().CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            try
            {
                if (JsonDocument.Parse(e.ApplicationMessage.ConvertPayloadToString()).RootElement.TryGetProperty("seq", out var seq))
                {
                    sequences[seq.GetInt64()] = true;
                }
            }
            catch (JsonException)
            {
                // not a reading (the gateway's status topic)
            }

            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mqttPort).WithClientId("full-disk-test").Build());
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("#", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        await WaitUntilAsync(async () => Counter(await MetricsAsync(http), "gateway_buffer_appended_total") > 1000, "readings are stored", gateway);

        // Another program fills the disk: the buffer cannot store, says so, and counts what it refuses.
        var filler = _disk.Fill();
        await WaitUntilAsync(async () => (await ReadyAsync(http)).Reasons.Any(r => r.Contains("disk", StringComparison.Ordinal)), "/readyz names the full disk", gateway);
        var (status, reasons) = await ReadyAsync(http);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains(reasons, r => r.StartsWith("buffer: ", StringComparison.Ordinal) && r.Contains("full", StringComparison.Ordinal));
        await WaitUntilAsync(async () => Counter(await MetricsAsync(http), "gateway_buffer_refused_total", "reason=\"disk_full\"") > 0, "refused readings are counted", gateway);
        var statusDocument = JsonDocument.Parse(await http.GetStringAsync(new Uri("/status", UriKind.Relative))).RootElement;
        Assert.False(statusDocument.GetProperty("ready").GetBoolean());
        Assert.True(statusDocument.GetProperty("buffer").GetProperty("refused").GetInt64() > 0, statusDocument.ToString());
        var (exit, table, _) = await CommandLine.CommandLineRunner.RunAsync("status", "--url", $"http://127.0.0.1:{httpPort}");
        Assert.Equal(0, exit);
        Assert.Contains("NOT READY", table, StringComparison.Ordinal);
        Assert.Matches("! buffer: .*disk.*full", table);
        Assert.Matches("[1-9][0-9]* refused \\(disk_full [1-9]", table);

        // Space is freed: ingest resumes by itself and the gateway is ready again, without a restart.
        File.Delete(filler);
        await WaitUntilAsync(async () => (await ReadyAsync(http)).Status == HttpStatusCode.OK, "the gateway is ready again", gateway);
        var refusedAtResume = Counter(await MetricsAsync(http), "gateway_buffer_refused_total", "reason=\"disk_full\"");
        var resumedAfter = Counter(await MetricsAsync(http), "gateway_buffer_appended_total");
        await WaitUntilAsync(async () => Counter(await MetricsAsync(http), "gateway_buffer_appended_total") > resumedAfter + 5000, "readings are stored again", gateway);
        var storedUpTo = Counter(await MetricsAsync(http), "gateway_buffer_appended_total");

        // Every reading stored after the space came back reaches the subscriber (stored readings have consecutive
        // sequence numbers: a refused reading gives its number back).
        var since = Enumerable.Range(1, (int)(storedUpTo - resumedAfter)).Select(i => resumedAfter + i).ToList();
        await WaitUntilAsync(
            () => Task.FromResult(since.All(sequences.ContainsKey)),
            () => $"every reading stored since is delivered; missing {string.Join(",", since.Where(s => !sequences.ContainsKey(s)).Take(20))} of {resumedAfter + 1}..{storedUpTo}",
            gateway);
        Assert.Equal(refusedAtResume, Counter(await MetricsAsync(http), "gateway_buffer_refused_total", "reason=\"disk_full\""));

        // The shutdown summary says how many readings were lost, not that every reading is in the buffer.
        RunningProgram.Signal(gateway.Id, "TERM");
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var lost = StoppedLine().Match(gateway.Output);
        Assert.True(lost.Success, gateway.Output);
        Assert.Equal(refusedAtResume, long.Parse(lost.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.DoesNotContain("Gateway stopped: every reading read is in the buffer", gateway.Output, StringComparison.Ordinal);
    }

    private async Task<string> WriteConfigAsync(int httpPort, int mqttPort, int simulatorPort)
    {
        var tags = new StringBuilder();
        for (var i = 1; i <= 100; i++)
        {
            tags.Append(CultureInfo.InvariantCulture, $"              - {{ name: t{i:D3}, nodeId: \"nsu=urn:changwon-gateway:simulator;s={{machine}}/Generated/Tag{i:D5}\" }}\n");
        }

        var config = Path.Combine(_configDirectory, "gateway.yaml");
        await File.WriteAllTextAsync(config, $"""
            gateway:
              name: full-disk
              labels: {"{"} site: test-site {"}"}
              dataDirectory: {_disk.Path}
            simulator:
              enabled: true
              bind: 127.0.0.1
              port: {simulatorPort}
              machines: 1
              tagsPerMachine: 150
            sources:
              - name: sim
                endpoint: opc.tcp://127.0.0.1:{simulatorPort}
                security: {"{"} mode: none {"}"}
                reconnect: {"{"} initialDelayMs: 200, maxDelayMs: 1000 {"}"}
                machines:
                  - name: cnc-01
                    groups:
                      - name: fast
                        mode: poll
                        intervalMs: 100
                        tags:
            {tags}
            sinks:
              - type: mqtt
                name: mqtt
                embedded: true
                port: {mqttPort}
            http:
              listen: 127.0.0.1:{httpPort}
            """);

        return config;
    }

    private static async Task<string> MetricsAsync(HttpClient http) => await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));

    private static async Task<(HttpStatusCode Status, List<string> Reasons)> ReadyAsync(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (response.StatusCode, body.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToList());
    }

    /// <summary>The value of a metric line (with a label filter when given); -1 when absent.</summary>
    private static long Counter(string metrics, string name, string label = "")
    {
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith(name + "{", StringComparison.Ordinal) && line.Contains(label, StringComparison.Ordinal))
            {
                return (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }

    private static Task WaitUntilAsync(Func<Task<bool>> condition, string what, RunningProgram gateway) =>
        WaitUntilAsync(condition, () => what, gateway);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> what, RunningProgram gateway)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail($"timed out waiting until {what()}\n{gateway.Output}");
            }

            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task A_write_error_that_is_not_a_full_disk_stops_the_gateway_with_exit_code_3_and_says_what_was_lost()
    {
        // A real write error: the process may write files of at most 300 KiB (ulimit -f, SIGXFSZ ignored, so the
        // kernel answers EFBIG), and the first segment is larger. Write^Execute off: the runtime's double-mapped
        // code memory is a file too.
        var config = await WriteConfigAsync(FreePort.Next(), FreePort.Next(), FreePort.Next());
        using var gateway = RunningProgram.Start(
            "bash",
            ["-c", "trap '' XFSZ; ulimit -f 300; exec dotnet \"$0\" run --config \"$1\"", Path.Combine(AppContext.BaseDirectory, "gateway.dll"), config],
            RepositoryPaths.Root,
            new Dictionary<string, string> { ["DOTNET_EnableWriteXorExecute"] = "0" });

        Assert.Equal(3, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(120)));
        Assert.Contains("Gateway stopping with exit code 3: the buffer cannot write", gateway.Output, StringComparison.Ordinal);
        var lost = StoppedLine().Match(gateway.Output);
        Assert.True(lost.Success, gateway.Output);
        Assert.Matches("write_error [1-9]", gateway.Output);
    }

    [GeneratedRegex("Gateway stopped: ([0-9]+) reading\\(s\\) read could not be stored")]
    private static partial Regex StoppedLine();
}
