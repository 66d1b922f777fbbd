using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Testing;

namespace Gateway.Host.Tests.Service;

/// <summary>
/// The real `gateway` process with one secret from `${file:}` used as MQTT host, user name and password, InfluxDB token
/// and inside the InfluxDB url, at Debug level, with both sinks failing to connect (nothing listens on their ports):
/// the secret's text must never reach stdout, stderr, any file the gateway writes, nor /status and /readyz. Starts no
/// server: the failures are the point. The simulator inside the gateway gives the sinks readings to fail on.
/// </summary>
public sealed partial class SecretsInLogsTests : IDisposable
{
    // A loopback address (any 127.x.y.z reaches this machine only), so the failing connects never leave it.
    private const string Secret = "127.83.41.207";

    private readonly string _dir = RepositoryPaths.NewTempDirectory("secrets-in-logs");
    private readonly int _httpPort = FreePort.Next();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    public async Task A_file_secret_used_as_host_user_password_and_token_never_appears_in_output_or_files(string format)
    {
        var config = WriteConfig(format, level: "Debug");

        using var gateway = GatewayProcess.Start("run", "--config", config);
        await gateway.WaitForOutputAsync("Gateway secret-test running", TimeSpan.FromSeconds(60));

        // Both sinks must have failed, InfluxDB several times (its repeats are logged at Debug), before we look.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline && !(HasFailedEnough(gateway.Output)))
        {
            await Task.Delay(200);
        }

        Assert.True(HasFailedEnough(gateway.Output), $"the sinks did not fail as expected:\n{gateway.Output}");

        // The monitoring endpoint quotes the sinks' last errors: masked there too.
        using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}") })
        {
            foreach (var path in new[] { "/status", "/readyz" })
            {
                var body = await (await http.GetAsync(new Uri(path, UriKind.Relative))).Content.ReadAsStringAsync();
                Assert.Contains("***", body, StringComparison.Ordinal);
                Assert.DoesNotContain(Secret, body, StringComparison.Ordinal);
            }
        }

        RunningProgram.Signal(gateway.Id, "TERM");
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        var output = gateway.Output;
        Assert.DoesNotContain(Secret, output, StringComparison.Ordinal);
        Assert.Contains("***", output, StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "secret.txt"))
        {
            var text = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file));
            Assert.False(text.Contains(Secret, StringComparison.Ordinal), $"{file} holds the secret");
        }
    }

    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    public async Task Log_timestamps_are_local_time_with_their_offset(string format)
    {
        var config = WriteConfig(format, level: "Information");

        // Korea has no daylight saving time: the offset is +09:00 all year.
        using var gateway = GatewayProcess.Start(new Dictionary<string, string> { ["TZ"] = "Asia/Seoul" }, "run", "--config", config);
        await gateway.WaitForOutputAsync("Gateway secret-test running", TimeSpan.FromSeconds(60));
        RunningProgram.Signal(gateway.Id, "TERM");
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        var line = gateway.Output.Split('\n').First(l => l.Contains("Gateway secret-test running", StringComparison.Ordinal));
        var stamp = TextTimestamp().Match(format == "json" ? JsonDocument.Parse(line).RootElement.GetProperty("Timestamp").GetString()! : line);
        Assert.True(stamp.Success, $"no ISO 8601 timestamp with offset in: {line}");
        var logged = DateTimeOffset.ParseExact(stamp.Groups["t"].Value, "yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromHours(9), logged.Offset);

        // The real instant (not UTC labelled as Korean time, 9 hours off): within a few minutes of now.
        Assert.True((DateTimeOffset.UtcNow - logged).Duration() < TimeSpan.FromMinutes(5), $"{logged} is not now ({DateTimeOffset.UtcNow:O})");
    }

    private static bool HasFailedEnough(string output) =>
        output.Contains("cannot connect to", StringComparison.Ordinal)
        && Regex.Count(output, "cannot write to bucket") >= 3;

    private string WriteConfig(string format, string level)
    {
        File.WriteAllText(Path.Combine(_dir, "secret.txt"), Secret + "\n");
        return GatewayYaml.Named("secret-test")
            .GatewayKey("shutdownTimeoutSeconds: 10")
            .SimulatedSource(FreePort.Next())
            .Sink($$"""
                - type: mqtt
                  name: broker
                  host: ${file:secret.txt}
                  port: {{FreePort.Next()}}
                  username: ${file:secret.txt}
                  password: ${file:secret.txt}
                """)
            .Sink($$"""
                - type: influxdb
                  name: influx
                  url: http://${file:secret.txt}:{{FreePort.Next()}}
                  token: ${file:secret.txt}
                  org: test
                  bucket: test
                """)
            .Http(_httpPort)
            .Section($"""
                logging:
                  level: {level}
                  format: {format}
                """)
            .WriteTo(_dir);
    }

    [GeneratedRegex(@"^(?<t>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2})( |$)")]
    private static partial Regex TextTimestamp();
}
