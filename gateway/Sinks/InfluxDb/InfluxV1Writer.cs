using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

using InfluxDB.Client.Api.Domain;

namespace Gateway.Sinks.InfluxDb;

/// <summary>
/// Writes to InfluxDB 1.x's <c>/write?db=&amp;rp=&amp;precision=</c> (before 1.8 there is no /api/v2/write).
/// Credentials go in a Basic authorization header, which 1.x accepts, rather than in the query string where proxies log them.
/// </summary>
public sealed class InfluxV1Writer : IInfluxWriter
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly HttpClient _http;
    private readonly Uri _writeUri;
    private readonly bool _gzip;
    private readonly AuthenticationHeaderValue? _authorization;

    public InfluxV1Writer(InfluxDbSinkOptions options, WritePrecision precision)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = Math.Max(2, options.MaxWritesInFlight),
        };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromMilliseconds(options.TimeoutMs) };
        _gzip = options.Gzip;

        // InfluxDB 1.x HTTP API, /write: precision is one of n, u, ms, s.
        var query = new StringBuilder("write?db=").Append(Uri.EscapeDataString(options.Database ?? ""));
        if (!string.IsNullOrEmpty(options.RetentionPolicy))
        {
            query.Append("&rp=").Append(Uri.EscapeDataString(options.RetentionPolicy));
        }

        query.Append("&precision=").Append(precision switch
        {
            WritePrecision.S => "s",
            WritePrecision.Us => "u",
            WritePrecision.Ns => "n",
            _ => "ms",
        });
        _writeUri = new Uri(new Uri(options.Url.TrimEnd('/') + "/"), query.ToString());

        if (!string.IsNullOrEmpty(options.Username))
        {
            var pair = Encoding.UTF8.GetBytes(options.Username + ":" + (options.Password ?? ""));
            _authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(pair));
        }

        Target = $"database \"{options.Database}\" at {options.Url}";
    }

    public string Target { get; }

    public string CredentialsKeys => "username/password";

    public string ContainerKey => "database";

    public async Task<WriteResult> WriteAsync(IReadOnlyList<InfluxLine> lines, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _writeUri);
        request.Headers.Authorization = _authorization;
        request.Content = Body(lines);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            return new WriteResult(status, "", null);
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return new WriteResult(status, ErrorMessage(response, body), RetryAfter(response));
    }

    public void Dispose() => _http.Dispose();

    private ByteArrayContent Body(IReadOnlyList<InfluxLine> lines)
    {
        var length = 0;
        foreach (var line in lines)
        {
            length += line.Text.Length + 1;
        }

        var buffer = new MemoryStream(_gzip ? length / 4 : length);
        var gzip = _gzip ? new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true) : null;
        using (var writer = new StreamWriter((Stream?)gzip ?? buffer, Utf8, bufferSize: 64 * 1024, leaveOpen: true))
        {
            foreach (var line in lines)
            {
                writer.Write(line.Text);
                writer.Write('\n');
            }
        }

        // Closing the gzip stream writes its trailer; the memory stream stays open for the content.
        gzip?.Dispose();

        var content = new ByteArrayContent(buffer.GetBuffer(), 0, (int)buffer.Length);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
        if (_gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        return content;
    }

    // InfluxDB 1.x answers {"error":"..."} and repeats the message in X-Influxdb-Error.
    private static string ErrorMessage(HttpResponseMessage response, string body)
    {
        if (body.StartsWith('{'))
        {
            try
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
                {
                    return error.GetString() ?? body;
                }
            }
            catch (JsonException)
            {
                // not JSON after all: use the body as it is
            }
        }

        if (body.Length == 0 && response.Headers.TryGetValues("X-Influxdb-Error", out var values))
        {
            return string.Join("; ", values);
        }

        return body.Length > 0 ? body : response.ReasonPhrase ?? "";
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }
}
