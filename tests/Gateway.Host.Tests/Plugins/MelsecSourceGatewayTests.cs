using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Host.CommandLine;
using Gateway.Host.Service;
using Gateway.Testing;
using MQTTnet;

namespace Gateway.Host.Tests.Plugins;

/// <summary>
/// The shipped `melsec` source in a real in-process gateway: its simulator serves a MELSEC PLC (`melsecPort`), the
/// source reads machine 0's execution state, a float and a bit from it, the readings reach the embedded MQTT broker,
/// and /status and /metrics show the source with its melsec:// endpoint and its request counter.
/// </summary>
public sealed class MelsecSourceGatewayTests : IDisposable
{
    private readonly string _dir = RepositoryPaths.NewTempDirectory("melsec-gateway");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_gateway_reads_the_simulator_s_melsec_plc_into_mqtt_and_status_and_metrics_show_it()
    {
        var (mqttPort, httpPort, melsecPort) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        var path = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(path, $"""
            gateway:
              name: melsec-test
              labels:
                site: lab
              dataDirectory: data
            simulator:
              port: 0
              melsecPort: {melsecPort}
              rateMs: 200
            http:
              listen: 127.0.0.1:{httpPort}
            sources:
              - name: plc
                type: melsec
                host: 127.0.0.1
                port: {melsecPort}
                machines:
                  - name: cnc-01
                    groups:
                      - name: fast
                        intervalMs: 200
                        tags:
                          - {"{"}name: execution, device: D0{"}"}
                          - {"{"}name: first_value, device: D2, type: float32{"}"}
                          - {"{"}name: clock_year, device: SD210{"}"}
                          - {"{"}name: always_on, device: SM400{"}"}
            sinks:
              - type: mqtt
                name: mqtt
                embedded: true
                port: {mqttPort}
                topic: melsec/{"{"}machine{"}"}/{"{"}tag{"}"}
            """);
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = GatewayHost.RunAsync(path, GatewayPlugins.Create(), output, error, stop.Token);
        try
        {
            var values = new ConcurrentDictionary<string, JsonElement>(StringComparer.Ordinal);
            using var subscriber = new MqttClientFactory().CreateMqttClient();
            subscriber.ApplicationMessageReceivedAsync += e =>
            {
                values[e.ApplicationMessage.Topic] = JsonDocument.Parse(e.ApplicationMessage.ConvertPayloadToString()).RootElement.GetProperty("value").Clone();
                return Task.CompletedTask;
            };
            await WaitUntilAsync(
                async () =>
                {
                    Assert.False(run.IsCompleted, $"the gateway stopped: {error}");
                    try
                    {
                        await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mqttPort).WithClientId("melsec-test").Build());
                        return true;
                    }
                    catch (MQTTnet.Exceptions.MqttCommunicationException)
                    {
                        return false;
                    }
                },
                "the embedded broker accepting a subscriber");
            await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("melsec/#").Build());
            await WaitUntilAsync(() => Task.FromResult(values.Count == 4), "a reading of each of the 4 tags over MQTT");

            Assert.InRange(values["melsec/cnc-01/execution"].GetInt64(), 0, 3);
            Assert.Equal(DateTime.UtcNow.Year, values["melsec/cnc-01/clock_year"].GetInt64(), tolerance: 1);
            Assert.True(values["melsec/cnc-01/always_on"].GetBoolean());
            Assert.Equal(JsonValueKind.Number, values["melsec/cnc-01/first_value"].ValueKind);

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
            var status = JsonDocument.Parse(await http.GetStringAsync(new Uri("/status", UriKind.Relative))).RootElement;
            var source = status.GetProperty("sources").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "plc");
            Assert.Equal($"melsec://127.0.0.1:{melsecPort} (3E binary)", source.GetProperty("endpoint").GetString());
            Assert.Equal("Connected", source.GetProperty("state").GetString());
            var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            var requests = Regex.Match(metrics, "gateway_melsec_requests_total\\{[^}]*source=\"plc\"[^}]*\\} (\\d+)");
            Assert.True(requests.Success && long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture) >= 1, metrics);
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}
