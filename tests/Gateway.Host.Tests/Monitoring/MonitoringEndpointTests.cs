using System.Net;
using System.Text.Json;
using Gateway.Host.CommandLine;
using Gateway.Host.Tests.CommandLine;
using Gateway.Testing;

namespace Gateway.Host.Tests.Monitoring;

/// <summary>Scrapes a running `gateway` process (child process, embedded MQTT broker) over its loopback HTTP listener.</summary>
public sealed class MonitoringEndpointTests : IDisposable
{
    private readonly string _dir = RepositoryPaths.NewTempDirectory("monitoring");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Metrics_health_and_status_describe_a_healthy_sink_and_a_sink_that_is_down()
    {
        var httpPort = FreePort.Next();
        var deadPort = FreePort.Next(); // nothing listens here: the sink "down" cannot connect
        var config = GatewayYaml.Named("monitor-test")
            .IdleSource()
            .Sink($"""
                - type: mqtt
                  name: up
                  embedded: true
                  port: {FreePort.Next()}
                """)
            .Sink($"""
                - type: mqtt
                  name: down
                  host: 127.0.0.1
                  port: {deadPort}
                  timeoutMs: 500
                """)
            .Http(httpPort)
            .WriteTo(_dir);
        using var gateway = GatewayProcess.Start("run", "--config", config);
        await gateway.WaitForOutputAsync("Gateway monitor-test running", TimeSpan.FromSeconds(60));
        Assert.True(gateway.Output.Contains($"http://127.0.0.1:{httpPort}/metrics", StringComparison.Ordinal), gateway.Output);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        var health = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        // The dead sink keeps the gateway from being ready, and /readyz says which sink and why.
        JsonElement ready = default;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
            ready = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && ready.GetProperty("reasons").EnumerateArray().Any(r => r.GetString()!.Contains("sink down", StringComparison.Ordinal)))
            {
                break;
            }

            await Task.Delay(200);
        }

        var reasons = ready.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToList();
        Assert.False(ready.GetProperty("ready").GetBoolean());
        Assert.Contains(reasons, r => r.StartsWith("sink down", StringComparison.Ordinal));
        Assert.DoesNotContain(reasons, r => r.StartsWith("sink up ", StringComparison.Ordinal));

        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("gateway_build_info{", metrics, StringComparison.Ordinal);
        Assert.Contains("gateway=\"monitor-test\"", metrics, StringComparison.Ordinal);
        Assert.Matches("gateway_sink_connected\\{[^}]*sink=\"up\"[^}]*\\} 1", metrics);
        Assert.Matches("gateway_sink_connected\\{[^}]*sink=\"down\"[^}]*\\} 0", metrics);
        Assert.Matches("gateway_buffer_pending\\{[^}]*sink=\"down\"", metrics);
        // A sink that is down is retried, not restarted: restarts count only unexpected errors (SinkDeliveryLoopTests).
        Assert.Matches("gateway_sink_restarts_total\\{[^}]*sink=\"down\"[^}]*\\} 0", metrics);
        Assert.Contains("gateway_process_resident_memory_bytes", metrics, StringComparison.Ordinal);

        // `gateway status` prints the same as a table.
        var (exit, output, _) = await CommandLineRunner.RunAsync("status", "--url", $"http://127.0.0.1:{httpPort}");
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("NOT READY", output, StringComparison.Ordinal);
        Assert.Contains("down", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_source_that_cannot_connect_shows_why_and_since_when_and_an_optional_sink_does_not_hold_readiness()
    {
        var httpPort = FreePort.Next();
        var sourcePort = FreePort.Next(); // nothing listens: the source's connection is refused
        var config = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(config, $"""
            gateway:
              name: why-test
              labels: {"{"} site: test-site {"}"}
              dataDirectory: data
            sources:
              - name: lathe
                endpoint: opc.tcp://127.0.0.1:{sourcePort}
                machines:
                  - name: lathe-1
                    groups:
                      - name: g
                        tags:
                          - name: t
                            nodeId: i=2258
            sinks:
              - type: mqtt
                name: local
                embedded: true
                port: {FreePort.Next()}
              - type: mqtt
                name: archive
                optional: true
                host: 127.0.0.1
                port: {FreePort.Next()}
                timeoutMs: 500
            http:
              listen: 127.0.0.1:{httpPort}
            """);
        using var gateway = GatewayProcess.Start("run", "--config", config);
        await gateway.WaitForOutputAsync("Gateway why-test running", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };

        string[] reasons = [];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && !reasons.Any(r => r.Contains("connection refused", StringComparison.Ordinal)))
        {
            using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative)); // 503 while not ready
            var ready = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            reasons = ready.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToArray();
            await Task.Delay(200);
        }

        // Not just "Connecting": the cause, and since when (local time with its offset).
        var reason = Assert.Single(reasons, r => r.StartsWith("source lathe", StringComparison.Ordinal));
        Assert.Matches(@"^source lathe \(opc\.tcp://127\.0\.0\.1:\d+\) is Connecting: .*connection refused.* \(since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d\)$", reason);
        // The optional sink cannot connect either, but it does not hold readiness.
        Assert.DoesNotContain(reasons, r => r.Contains("archive", StringComparison.Ordinal));

        var status = JsonDocument.Parse(await http.GetStringAsync(new Uri("/status", UriKind.Relative))).RootElement;
        var source = status.GetProperty("sources")[0];
        Assert.Contains("connection refused", source.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.True(source.GetProperty("lastErrorSince").GetDateTimeOffset() <= DateTimeOffset.UtcNow);
        var archive = status.GetProperty("sinks").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "archive");
        Assert.True(archive.GetProperty("optional").GetBoolean());

        var (exit, output, _) = await CommandLineRunner.RunAsync("status", "--url", $"http://127.0.0.1:{httpPort}");
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains(output.Split('\n'), l => l.Contains("lathe: ", StringComparison.Ordinal) && l.Contains("connection refused", StringComparison.Ordinal) && l.Contains("(since ", StringComparison.Ordinal));
        Assert.Contains(output.Split('\n'), l => l.StartsWith("archive", StringComparison.Ordinal) && l.Contains("(optional: does not hold readiness)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_connected_machine_whose_poll_tags_are_all_Bad_is_shown_as_such_in_status_metrics_and_the_log()
    {
        // node-opcua (tests/servers/opcua/server.js) has Double.00001...; the NoSuchNode ids are what a typo looks like.
        await using var server = await NodeOpcUaServer.StartAsync(doubles: 10);
        var httpPort = FreePort.Next();
        var config = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(config, $"""
            gateway:
              name: bad-tags-test
              labels: {"{"} site: test-site {"}"}
              dataDirectory: data
            sources:
              - name: plc
                endpoint: {server.EndpointUrl}
                security: {"{"} mode: none {"}"}
                machines:
                  - name: cell-1
                    groups:
                      - name: slow
                        mode: poll
                        intervalMs: 500
                        tags:
                          - {"{"} name: d1, nodeId: "nsu=urn:gateway:tests;s=Double.00001" {"}"}
                          - {"{"} name: d2, nodeId: "nsu=urn:gateway:tests;s=Double.00002" {"}"}
                          - {"{"} name: typo, nodeId: "nsu=urn:gateway:tests;s=Dubble.00003" {"}"}
                  - name: press-9
                    groups:
                      - name: slow
                        mode: poll
                        intervalMs: 500
                        tags:
                          - {"{"} name: ghost1, nodeId: "nsu=urn:gateway:tests;s=NoSuchNode.1" {"}"}
                          - {"{"} name: ghost2, nodeId: "nsu=urn:gateway:tests;s=NoSuchNode.2" {"}"}
                          - {"{"} name: ghost3, nodeId: "nsu=urn:gateway:tests;s=NoSuchNode.3" {"}"}
            sinks:
              - type: mqtt
                name: up
                embedded: true
                port: {FreePort.Next()}
            http:
              listen: 127.0.0.1:{httpPort}
            """);
        using var gateway = GatewayProcess.Start("run", "--config", config);
        await gateway.WaitForOutputAsync("Gateway bad-tags-test running", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };

        JsonElement source = default;
        for (var attempt = 0; attempt < 300; attempt++)
        {
            source = JsonDocument.Parse(await http.GetStringAsync(new Uri("/status", UriKind.Relative))).RootElement.GetProperty("sources")[0];
            if (source.GetProperty("state").GetString() == "Connected" && source.GetProperty("machines").GetProperty("press-9").GetProperty("badTags").GetInt32() == 3
                && source.GetProperty("machines").GetProperty("cell-1").GetProperty("badTags").GetInt32() == 1)
            {
                break;
            }

            await Task.Delay(200);
        }

        var press = source.GetProperty("machines").GetProperty("press-9");
        Assert.Equal("all 3 tags Bad (BadNodeIdUnknown (0x80340000))", press.GetProperty("summary").GetString());
        Assert.Equal("BadNodeIdUnknown (0x80340000)", press.GetProperty("firstBadStatus").GetString());
        Assert.Equal("1 of 3 tags Bad (BadNodeIdUnknown (0x80340000))", source.GetProperty("machines").GetProperty("cell-1").GetProperty("summary").GetString());

        var (exit, output, _) = await CommandLineRunner.RunAsync("status", "--url", $"http://127.0.0.1:{httpPort}");
        Assert.Equal(ExitCodes.Ok, exit);
        var line = Assert.Single(output.Split('\n'), l => l.Contains("press-9", StringComparison.Ordinal));
        Assert.Contains("Connected", line, StringComparison.Ordinal);
        Assert.EndsWith("all 3 tags Bad (BadNodeIdUnknown (0x80340000))", line.TrimEnd(), StringComparison.Ordinal);

        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Matches("gateway_source_tags_bad\\{[^}]*source=\"plc\"[^}]*\\} 4\\b", metrics);
        Assert.Matches("gateway_source_polls_skipped_total\\{[^}]*source=\"plc\"", metrics);

        // Each wrong NodeId named once in the log, with the status, though it is read twice a second.
        foreach (var tag in new[] { "cell-1/typo", "press-9/ghost1", "press-9/ghost2", "press-9/ghost3" })
        {
            Assert.Single(gateway.Output.Split('\n'), l => l.Contains($"tag {tag} is not read", StringComparison.Ordinal) && l.Contains("BadNodeIdUnknown", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Every_oee_machine_has_its_late_parts_counter_by_outcome_at_zero_from_the_first_scrape()
    {
        // No source answers: the machines of the oee: section are tracked from the start all the same.
        var httpPort = FreePort.Next();
        var config = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(config, $$"""
            gateway:
              name: oee-metrics-test
              labels: { site: test-site }
              dataDirectory: data
            templates:
              press:
                groups:
                  - name: g
                    tags:
                      - { name: execution, nodeId: "i=2259" }
                      - { name: parts, nodeId: "i=2258" }
            sources:
              - name: line
                endpoint: opc.tcp://127.0.0.1:{{FreePort.Next()}}
                machines:
                  - { name: press-01, template: press }
                  - { name: press-02, template: press }
            oee:
              timeZone: Etc/UTC
              calendar:
                shifts:
                  - { name: day, start: "06:00", end: "14:00" }
              templates:
                press:
                  executionTag: execution
                  partCountTag: parts
            sinks:
              - type: mqtt
                name: local
                embedded: true
                port: {{FreePort.Next()}}
            http:
              listen: 127.0.0.1:{{httpPort}}
            """);
        using var gateway = GatewayProcess.Start("run", "--config", config);
        await gateway.WaitForOutputAsync("Gateway oee-metrics-test running", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };

        // The data path may still be starting at the first scrape: wait for its metrics, then every series is there.
        var metrics = "";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && !metrics.Contains("gateway_oee_late_parts_total{", StringComparison.Ordinal))
        {
            metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            await Task.Delay(200);
        }

        foreach (var machine in new[] { "press-01", "press-02" })
        {
            foreach (var outcome in new[] { "revised", "too_late" })
            {
                Assert.Matches($"gateway_oee_late_parts_total\\{{[^}}]*machine=\"{machine}\"[^}}]*outcome=\"{outcome}\"[^}}]*\\}} 0\\b", metrics);
            }
        }

        var status = JsonDocument.Parse(await http.GetStringAsync(new Uri("/status", UriKind.Relative))).RootElement;
        var press = status.GetProperty("machineStates").EnumerateArray().Single(m => m.GetProperty("machine").GetString() == "press-01");
        Assert.Equal(0, press.GetProperty("revisedParts").GetInt64());
        Assert.Equal(0, press.GetProperty("tooLateParts").GetInt64());
        Assert.Equal(0, press.GetProperty("lateReadings").GetInt64());
    }

    [Fact]
    public async Task Status_against_no_gateway_is_a_connection_error_with_the_address()
    {
        var port = FreePort.Next();
        var (exit, _, error) = await CommandLineRunner.RunAsync("status", "--url", $"http://127.0.0.1:{port}");
        Assert.Equal(ExitCodes.ConnectionError, exit);
        Assert.Contains($"127.0.0.1:{port}", error, StringComparison.Ordinal);
    }
}
