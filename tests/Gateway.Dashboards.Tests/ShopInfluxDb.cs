using System.Text;
using System.Text.Json;
using Gateway.Testing;

namespace Gateway.Dashboards.Tests;

/// <summary>
/// A real InfluxDB 1.6 started for the test class, with <see cref="ShopHistory"/> written to database "factory"
/// through /write, as the InfluxDB sink (api: v1) and the gateway's health writer send it.
/// </summary>
public sealed class ShopInfluxDb : IAsyncLifetime, IInfluxQuery
{
    public const string Database = "factory";

    private InfluxDbServer? _server;

    public InfluxDbServer Server => _server ?? throw new InvalidOperationException("not started");

    public int LinesWritten { get; private set; }

    public async Task InitializeAsync()
    {
        _server = await InfluxDbServer.StartAsync();
        await _server.CreateDatabaseAsync(Database);
        using var http = new HttpClient { BaseAddress = new Uri(_server.Url), Timeout = TimeSpan.FromSeconds(60) };
        foreach (var chunk in ShopHistory.Lines(DateTime.UtcNow).Chunk(5000))
        {
            using var body = new StringContent(string.Join('\n', chunk), Encoding.UTF8, "text/plain");
            using var response = await http.PostAsync($"/write?db={Database}&precision=ms", body);
            if ((int)response.StatusCode != 204)
            {
                throw new InvalidOperationException($"influxd refused the documented line protocol: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            LinesWritten += chunk.Length;
        }
    }

    public Task<IReadOnlyList<InfluxSeries>> QueryAsync(string statement) => InfluxSeries.QueryAsync(Server, Database, statement);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>An InfluxDB holding data that the dashboards' queries run against.</summary>
public interface IInfluxQuery
{
    /// <summary>Runs one InfluxQL statement on the dashboards' database and returns its series.</summary>
    Task<IReadOnlyList<InfluxSeries>> QueryAsync(string statement);
}

public sealed record InfluxSeries(string Name, IReadOnlyDictionary<string, string> Tags, IReadOnlyList<string> Columns, IReadOnlyList<List<JsonElement>> Rows)
{
    /// <summary>Runs one InfluxQL statement and returns its series (name, tags, columns, rows).</summary>
    public static async Task<IReadOnlyList<InfluxSeries>> QueryAsync(InfluxDbServer server, string database, string statement)
    {
        using var json = await server.QueryAsync(statement, database);
        var results = json.RootElement.GetProperty("results");
        if (results.GetArrayLength() != 1)
        {
            throw new InvalidOperationException($"one statement expected, influxd answered {results.GetArrayLength()} results: {statement}");
        }

        if (results[0].TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"influxd refused the query: {error.GetString()}: {statement}");
        }

        var series = new List<InfluxSeries>();
        if (!results[0].TryGetProperty("series", out var list))
        {
            return series;
        }

        foreach (var s in list.EnumerateArray())
        {
            var tags = new Dictionary<string, string>(StringComparer.Ordinal);
            if (s.TryGetProperty("tags", out var t))
            {
                foreach (var tag in t.EnumerateObject())
                {
                    tags[tag.Name] = tag.Value.GetString() ?? "";
                }
            }

            var columns = s.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToList();
            var rows = s.TryGetProperty("values", out var values)
                ? values.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.Clone()).ToList()).ToList()
                : [];
            series.Add(new InfluxSeries(s.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "", tags, columns, rows));
        }

        return series;
    }

    /// <summary>The values of every column but time that are not null.</summary>
    public IEnumerable<JsonElement> Values() =>
        Rows.SelectMany(r => r.Where((_, i) => Columns[i] != "time")).Where(v => v.ValueKind != JsonValueKind.Null);

    public IEnumerable<JsonElement> Column(string name)
    {
        var i = Columns.ToList().IndexOf(name);
        return i < 0 ? [] : Rows.Select(r => r[i]);
    }
}
