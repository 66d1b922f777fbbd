using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Gateway.Testing;

/// <summary>
/// A real InfluxDB 1.x (the Debian `influxdb` package, 1.6) on 127.0.0.1: its own config file, meta, data and
/// WAL directories in a temp directory, HTTP and RPC on free ports, reporting disabled, auth optional.
/// Can be stopped (SIGKILL, as a crash or a cut cable would) and started again on the same ports and data.
/// </summary>
public sealed class InfluxDbServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string _configFile;
    private readonly HttpClient _http;
    private ServerProcess? _process;

    private InfluxDbServer(string directory, int httpPort, bool authEnabled, int maxBodySize)
    {
        _directory = directory;
        HttpPort = httpPort;
        AuthEnabled = authEnabled;
        Url = $"http://127.0.0.1:{httpPort}";
        _configFile = Path.Combine(directory, "influxdb.conf");
        var rpcPort = FreePort.Next();
        File.WriteAllText(_configFile, $"""
            reporting-disabled = true
            bind-address = "127.0.0.1:{rpcPort}"

            [meta]
              dir = "{Path.Combine(directory, "meta")}"

            [data]
              dir = "{Path.Combine(directory, "data")}"
              wal-dir = "{Path.Combine(directory, "wal")}"
              query-log-enabled = false

            [http]
              bind-address = "127.0.0.1:{httpPort}"
              auth-enabled = {(authEnabled ? "true" : "false")}
              log-enabled = false
              max-body-size = {maxBodySize.ToString(CultureInfo.InvariantCulture)}

            [monitor]
              store-enabled = false
            """);
        _http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(30) };
    }

    public int HttpPort { get; }

    public string Url { get; }

    public bool AuthEnabled { get; }

    /// <summary>Credentials used by the fixture's own queries once an admin exists (auth-enabled servers).</summary>
    public (string User, string Password)? Admin { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    /// <param name="authEnabled">Start with <c>auth-enabled = true</c>; create the first admin with <see cref="CreateAdminAsync"/>.</param>
    /// <param name="maxBodySize">The largest write body in bytes before the server answers 413 (0 = no limit; 1.6's default is 25 MB).</param>
    public static async Task<InfluxDbServer> StartAsync(bool authEnabled = false, int maxBodySize = 25_000_000)
    {
        var server = new InfluxDbServer(RepositoryPaths.NewTempDirectory("influxd"), FreePort.Next(), authEnabled, maxBodySize);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>Kills the server (SIGKILL); its data directory stays for <see cref="RestartAsync"/>.</summary>
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

    /// <summary>Runs an InfluxQL statement through /query (POST) and returns the JSON answer; throws on an HTTP error.</summary>
    public async Task<JsonDocument> QueryAsync(string statement, string? database = null, (string User, string Password)? credentials = null)
    {
        var form = new Dictionary<string, string> { ["q"] = statement, ["epoch"] = "ms" };
        if (database is not null)
        {
            form["db"] = database;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/query") { Content = new FormUrlEncodedContent(form) };
        if ((credentials ?? Admin) is { } c)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(c.User + ":" + c.Password)));
        }

        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"influxd /query '{statement}' answered {(int)response.StatusCode}: {body}");
        }

        var json = JsonDocument.Parse(body);
        if (json.RootElement.GetProperty("results")[0].TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"influxd /query '{statement}': {error.GetString()}");
        }

        return json;
    }

    public async Task CreateDatabaseAsync(string database) => (await QueryAsync($"CREATE DATABASE \"{database}\"")).Dispose();

    /// <summary>Creates an admin user (the first one may be created without credentials); later queries use it.</summary>
    public async Task CreateAdminAsync(string user, string password)
    {
        (await QueryAsync($"CREATE USER \"{user}\" WITH PASSWORD '{password}' WITH ALL PRIVILEGES")).Dispose();
        Admin = (user, password);
    }

    /// <summary>The rows of <c>SELECT ...</c>: for each series, its tags and its rows as column name → value.</summary>
    public async Task<List<InfluxSeriesRow>> SelectAsync(string database, string statement)
    {
        using var json = await QueryAsync(statement, database);
        var rows = new List<InfluxSeriesRow>();
        var result = json.RootElement.GetProperty("results")[0];
        if (!result.TryGetProperty("series", out var series))
        {
            return rows;
        }

        foreach (var s in series.EnumerateArray())
        {
            var tags = new Dictionary<string, string>(StringComparer.Ordinal);
            if (s.TryGetProperty("tags", out var tagElement))
            {
                foreach (var tag in tagElement.EnumerateObject())
                {
                    tags[tag.Name] = tag.Value.GetString() ?? "";
                }
            }

            var columns = s.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToArray();
            foreach (var values in s.GetProperty("values").EnumerateArray())
            {
                var row = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                var i = 0;
                foreach (var value in values.EnumerateArray())
                {
                    row[columns[i++]] = value.Clone();
                }

                rows.Add(new InfluxSeriesRow(s.GetProperty("name").GetString()!, tags, row));
            }
        }

        return rows;
    }

    /// <summary>The number of points of a field (<c>SELECT COUNT(field)</c>), 0 when there are none.</summary>
    public async Task<long> CountAsync(string database, string measurement, string field)
    {
        var rows = await SelectAsync(database, $"SELECT COUNT(\"{field}\") FROM \"{measurement}\"");
        return rows.Count == 0 ? 0 : rows[0].Values["count"].GetInt64();
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
            // a file still held open by the dying process: the temp directory is cleaned by the OS
        }
    }

    private async Task StartProcessAsync()
    {
        _process = await ServerProcess.StartAsync("influxd", "influxd", ["-config", _configFile], HttpPort, _directory);

        // The port opens before the HTTP service answers; wait for /ping.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var response = await _http.GetAsync("/ping");
                if ((int)response.StatusCode == 204)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("influxd did not answer /ping within 30 s:\n" + _process.Output);
            }

            await Task.Delay(50);
        }
    }
}

/// <summary>One row of an InfluxQL result: the series' measurement and tags and the row's columns.</summary>
public sealed record InfluxSeriesRow(string Measurement, IReadOnlyDictionary<string, string> Tags, IReadOnlyDictionary<string, JsonElement> Values);
