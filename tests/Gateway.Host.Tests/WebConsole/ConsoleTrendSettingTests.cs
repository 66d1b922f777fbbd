using System.Text.Json;
using Gateway.Testing;

namespace Gateway.Host.Tests.WebConsole;

/// <summary>
/// `http.console.trendMinutes` in a running `gateway` (child process) reading node-opcua: two gateways on the same
/// server, one with the default ten minutes and one with none, compared on the console's machine API.
/// </summary>
public sealed class ConsoleTrendSettingTests : IDisposable
{
    private readonly string _dir = RepositoryPaths.NewTempDirectory("console-trend");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task With_trendMinutes_0_the_machine_page_shows_the_value_and_keeps_no_trend()
    {
        await using var server = await NodeOpcUaServer.StartAsync(doubles: 2);
        var withTrend = Start("trend-default", server.EndpointUrl, console: null);
        var withoutTrend = Start("trend-off", server.EndpointUrl, console: "trendMinutes: 0");
        using (withTrend.Gateway)
        using (withoutTrend.Gateway)
        {
            var kept = await WaitForValueAsync(withTrend.Gateway, withTrend.HttpPort);
            var none = await WaitForValueAsync(withoutTrend.Gateway, withoutTrend.HttpPort);

            Assert.NotEmpty(kept.GetProperty("trend").EnumerateArray());
            Assert.Equal(JsonValueKind.Number, none.GetProperty("numeric").ValueKind); // a numeric value, which would have a trend
            Assert.Empty(none.GetProperty("trend").EnumerateArray());
        }
    }

    private (RunningProgram Gateway, int HttpPort) Start(string name, string endpoint, string? console)
    {
        var httpPort = FreePort.Next();
        var directory = Path.Combine(_dir, name);
        Directory.CreateDirectory(directory);
        var config = GatewayYaml.Named(name)
            .Source($$"""
                - name: plc
                  endpoint: {{endpoint}}
                  security: { mode: none }
                  machines:
                    - name: cell-1
                      groups:
                        - name: slow
                          mode: poll
                          intervalMs: 500
                          tags:
                            - { name: d1, nodeId: "nsu=urn:gateway:tests;s=Double.00001" }
                """)
            .Sink($"""
                - type: mqtt
                  name: up
                  embedded: true
                  port: {FreePort.Next()}
                """)
            .Http(httpPort, console)
            .WriteTo(directory);
        return (GatewayProcess.Start("run", "--config", config), httpPort);
    }

    /// <summary>The tag d1 as the machine API shows it, once it has a value.</summary>
    private static async Task<JsonElement> WaitForValueAsync(RunningProgram gateway, int httpPort)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var machine = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/machines/cell-1", UriKind.Relative))).RootElement;
                var tag = machine.GetProperty("tags").EnumerateArray().FirstOrDefault(t => t.GetProperty("name").GetString() == "d1");
                if (tag.ValueKind == JsonValueKind.Object && tag.TryGetProperty("value", out var value) && value.ValueKind != JsonValueKind.Null)
                {
                    return tag.Clone();
                }
            }
            catch (HttpRequestException)
            {
                // the listener is not up yet
            }

            await Task.Delay(200);
        }

        throw new Xunit.Sdk.XunitException("d1 got no value on the machine page within 90 s:\n" + gateway.Output);
    }
}
