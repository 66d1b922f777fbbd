using System.Text.Json;

namespace Gateway.Testing;

/// <summary>
/// A real VictoriaMetrics (the Debian `victoria-metrics` package) on 127.0.0.1 with its own data directory. It accepts
/// InfluxDB line protocol on /write and /api/v2/write (measurement `m` + field `f` become the metric `m_f`, tags
/// become labels, strings are not stored); points are read back with /api/v1/export.
/// </summary>
public sealed class VictoriaMetricsServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly HttpClient _http;
    private ServerProcess? _process;

    private readonly (string User, string Password)? _httpAuth;

    private VictoriaMetricsServer(string directory, int port, (string User, string Password)? httpAuth)
    {
        _directory = directory;
        Port = port;
        _httpAuth = httpAuth;
        Url = $"http://127.0.0.1:{port}";
        _http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(30) };
        if (httpAuth is { } auth)
        {
            _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(auth.User + ":" + auth.Password)));
        }
    }

    public int Port { get; }

    public string Url { get; }

    /// <param name="httpAuth">Protect every endpoint with HTTP Basic auth (<c>-httpAuth.username/password</c>); the fixture's own requests use it.</param>
    public static async Task<VictoriaMetricsServer> StartAsync((string User, string Password)? httpAuth = null)
    {
        var server = new VictoriaMetricsServer(RepositoryPaths.NewTempDirectory("victoria-metrics"), FreePort.Next(), httpAuth);
        await server.StartProcessAsync();
        return server;
    }

    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartProcessAsync();
    }

    /// <summary>Every series matching the selector (e.g. <c>{__name__=~"cnc_.*"}</c>) with its samples, after making recent writes searchable.</summary>
    public async Task<List<VictoriaSeries>> ExportAsync(string selector)
    {
        using (await _http.GetAsync("/internal/force_flush"))
        {
        }

        using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["match[]"] = selector });
        using var response = await _http.PostAsync("/api/v1/export", content);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"victoria-metrics /api/v1/export {selector} answered {(int)response.StatusCode}: {body}");
        }

        var series = new List<VictoriaSeries>();
        foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var json = JsonDocument.Parse(line);
            var labels = json.RootElement.GetProperty("metric").EnumerateObject()
                .ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
            var values = json.RootElement.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var timestamps = json.RootElement.GetProperty("timestamps").EnumerateArray().Select(v => v.GetInt64()).ToArray();
            series.Add(new VictoriaSeries(labels, values, timestamps));
        }

        return series;
    }

    /// <summary>Polls <see cref="ExportAsync"/> until <paramref name="done"/> holds (new series take a moment to become searchable).</summary>
    public async Task<List<VictoriaSeries>> ExportUntilAsync(string selector, Func<List<VictoriaSeries>, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var series = await ExportAsync(selector);
            if (done(series) || DateTime.UtcNow > deadline)
            {
                return series;
            }

            await Task.Delay(200);
        }
    }

    public string Log => _process?.Output ?? "";

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _http.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // the temp directory is cleaned by the OS
        }
    }

    private async Task StartProcessAsync()
    {
        List<string> authArguments = _httpAuth is { } auth ? ["-httpAuth.username", auth.User, "-httpAuth.password", auth.Password] : [];
        _process = await ServerProcess.StartAsync(
            "victoria-metrics",
            "victoria-metrics",
            [
                .. authArguments,
                "-httpListenAddr", $"127.0.0.1:{Port}",
                "-storageDataPath", Path.Combine(_directory, "data"),
                // Tests write points at any date; the default retention (1 month) would silently drop old ones.
                "-retentionPeriod", "100y",
                // Keep one sample per series and millisecond, as a production setup receiving replays should.
                "-dedup.minScrapeInterval", "1ms",
            ],
            Port,
            _directory);
    }
}

/// <summary>One exported series: its labels (with <c>__name__</c>) and samples.</summary>
public sealed record VictoriaSeries(IReadOnlyDictionary<string, string> Labels, double[] Values, long[] Timestamps)
{
    public string Name => Labels["__name__"];
}
