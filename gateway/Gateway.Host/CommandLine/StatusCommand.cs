using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Host.Monitoring;

namespace Gateway.Host.CommandLine;

/// <summary>`gateway status [--url]`: fetches /status from a running gateway and prints it as a table.</summary>
public static class StatusCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Command Create()
    {
        var url = new Option<string>("--url")
        {
            Description = "Base URL of the gateway's HTTP listener.",
            DefaultValueFactory = _ => "http://127.0.0.1:9180",
        };
        var json = new Option<bool>("--json") { Description = "Print the JSON as received." };
        var command = new Command("status", "Show a running gateway's sources, sinks and buffer.") { url, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var baseUrl = parse.GetValue(url)!.TrimEnd('/');
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            GatewayHealth? health;
            try
            {
                if (parse.GetValue(json))
                {
                    output.WriteLine(await http.GetStringAsync(new Uri(baseUrl + "/status"), cancellationToken));
                    return ExitCodes.Ok;
                }

                health = await http.GetFromJsonAsync<GatewayHealth>(new Uri(baseUrl + "/status"), Json, cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                parse.InvocationConfiguration.Error.WriteLine($"gateway status: cannot read {baseUrl}/status: {e.Message}. Is the gateway running, and is http.listen this address?");
                return ExitCodes.ConnectionError;
            }

            Print(health!, output);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static void Print(GatewayHealth health, TextWriter output)
    {
        var now = DateTime.UtcNow;
        output.WriteLine($"gateway {health.Gateway} {health.Version}, up since {health.StartedAt:yyyy-MM-dd HH:mm:ss}Z, {(health.Ready ? "ready" : "NOT READY")}");
        foreach (var reason in health.NotReadyReasons)
        {
            output.WriteLine($"  ! {reason}");
        }

        output.WriteLine();
        output.WriteLine($"{"SOURCE",-20} {"STATE",-13} {"MACHINE",-20} LAST READING");
        foreach (var source in health.Sources)
        {
            foreach (var (machine, last) in source.LastReadingPerMachine)
            {
                var age = last is null ? "never" : $"{(now - last.Value).TotalSeconds:0}s ago";
                output.WriteLine($"{source.Name,-20} {source.State,-13} {machine,-20} {age}");
            }
        }

        output.WriteLine();
        output.WriteLine($"{"SINK",-20} {"TYPE",-10} {"STATE",-12} {"PENDING",10} {"OLDEST",10} {"DELIVERED",12} {"FAILURES",9}");
        foreach (var sink in health.Sinks)
        {
            output.WriteLine($"{sink.Name,-20} {sink.Type,-10} {sink.State,-12} {sink.Pending,10} {sink.OldestPendingSeconds,9:0}s {sink.Delivered,12} {sink.Failures,9}");
        }

        if (health.Buffer is { } buffer)
        {
            output.WriteLine();
            var refused = buffer.Refused == 0 || buffer.RefusedByReason is null
                ? ""
                : " (" + string.Join(", ", buffer.RefusedByReason.Where(r => r.Value > 0).Select(r => $"{r.Key} {r.Value}")) + ")";
            output.WriteLine($"buffer: {buffer.Appended} appended, {buffer.BytesOnDisk} bytes on disk, {buffer.Dropped} dropped, {buffer.Refused} refused{refused}, {buffer.Corrupt} corrupt");
        }
    }
}
