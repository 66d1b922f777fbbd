using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Configuration;
using Gateway.Host.Logging;
using Gateway.Host.Monitoring;

namespace Gateway.Host.CommandLine;

/// <summary>`gateway status [--url URL | --config PATH]`: fetches /status from a running gateway and prints it as a table.</summary>
public static class StatusCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public const string DefaultUrl = "http://127.0.0.1:9180";

    public static Command Create()
    {
        var url = new Option<string?>("--url")
        {
            Description = $"Base URL of the gateway's HTTP listener (default: from the configuration's http.listen, else {DefaultUrl}).",
            HelpName = "URL",
        };
        var config = GatewayCommandLine.ConfigOption();
        config.Description = "The gateway's configuration: its http.listen says where to ask (ignored with --url).";
        var json = new Option<bool>("--json") { Description = "Print the JSON as received." };
        var command = new Command("status", "Show a running gateway's sources, sinks and buffer.") { url, config, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (!TryBaseUrl(parse.GetValue(url), parse.GetValue(config), error, out var baseUrl))
            {
                return ExitCodes.InvalidConfiguration;
            }

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

    /// <summary>
    /// --url when given; else the http.listen of --config (or of the default configuration, when there is one);
    /// else <see cref="DefaultUrl"/>. False (after printing why) when the configuration cannot say.
    /// </summary>
    private static bool TryBaseUrl(string? url, string? configOption, TextWriter error, out string baseUrl)
    {
        baseUrl = DefaultUrl;
        if (!string.IsNullOrWhiteSpace(url))
        {
            baseUrl = url.TrimEnd('/');
            return true;
        }

        var path = ConfigPath.Resolve(configOption);
        if (configOption is null && !File.Exists(path))
        {
            return true;
        }

        var loaded = ConfigurationLoader.Load(path, GatewayPlugins.Create());
        if (loaded.Config is null)
        {
            foreach (var problem in loaded.Errors)
            {
                error.WriteLine(problem.ToString());
            }

            error.WriteLine($"gateway status: {loaded.Errors.Count} problem(s) in {path}, so its http.listen is unknown; fix them or give --url.");
            return false;
        }

        if (!loaded.Config.Http.Enabled)
        {
            error.WriteLine($"gateway status: {path} turns the HTTP listener off (http.enabled: false), so there is no /status to ask; set it to true and restart the gateway.");
            return false;
        }

        baseUrl = MonitoringEndpoint.UrlFor(loaded.Config.Http.Listen);
        return true;
    }

    public static void Print(GatewayHealth health, TextWriter output)
    {
        var now = DateTime.UtcNow;
        output.WriteLine($"gateway {health.Gateway} {health.Version}, up since {LocalTimestamp.Format(health.StartedAt)}, {(health.Ready ? "ready" : "NOT READY")}");
        foreach (var reason in health.NotReadyReasons)
        {
            output.WriteLine($"  ! {reason}");
        }

        output.WriteLine();
        output.WriteLine($"{"SOURCE",-20} {"STATE",-13} {"MACHINE",-20} {"LAST READING",-13} TAGS");
        foreach (var source in health.Sources)
        {
            foreach (var (machine, last) in source.LastReadingPerMachine)
            {
                var age = last is null ? "never" : $"{(now - last.Value).TotalSeconds:0}s ago";
                // "Connected, 0s ago" alone would call a machine healthy whose every tag the server answers Bad.
                var tags = source.Machines?.GetValueOrDefault(machine)?.Summary ?? "";
                output.WriteLine($"{source.Name,-20} {source.State,-13} {machine,-20} {age,-13} {tags}".TrimEnd());
            }

            if (source.LastError is { } problem)
            {
                var since = source.LastErrorSince is { } start ? $" (since {LocalTimestamp.Format(start)})" : "";
                output.WriteLine($"{"",-20} {source.Name}: {problem}{since}");
            }
        }

        output.WriteLine();
        output.WriteLine($"{"SINK",-20} {"TYPE",-10} {"STATE",-12} {"PENDING",10} {"OLDEST",10} {"DELIVERED",12} {"FAILURES",9}");
        foreach (var sink in health.Sinks)
        {
            var optional = sink.Optional ? "  (optional: does not hold readiness)" : "";
            output.WriteLine($"{sink.Name,-20} {sink.Type,-10} {sink.State,-12} {sink.Pending,10} {sink.OldestPendingSeconds,9:0}s {sink.Delivered,12} {sink.Failures,9}{optional}");
        }

        if (health.MachineStates is { Count: > 0 } machines)
        {
            output.WriteLine();
            output.WriteLine($"{"MACHINE",-20} {"STATE",-12} {"FOR",8} {"SHIFT",-10} {"OEE",6} {"A",6} {"P",6} {"Q",6} {"PARTS",7} REASON");
            static string Percent(double? value) => value is { } v ? $"{v * 100:0.0}" : "-";
            foreach (var m in machines)
            {
                var age = $"{Math.Max(0, (now - m.SinceUtc).TotalSeconds):0}s";
                output.WriteLine($"{m.Machine,-20} {m.State,-12} {age,8} {m.Shift ?? "-",-10} {Percent(m.Oee),6} {Percent(m.Availability),6} {Percent(m.Performance),6} {Percent(m.Quality),6} {m.Parts?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",7} {m.Reason}".TrimEnd());
                if (m.RevisedParts > 0 || m.TooLateParts > 0)
                {
                    // Only when there are any: parts counted late are rare, and the table stays as it was without them.
                    output.WriteLine($"{"",-20} {m.Machine}: {m.RevisedParts} late part(s) revised a final shift, {m.TooLateParts} too late for any shift's figures");
                }
            }
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
