using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Gateway.Configuration;
using Gateway.Host.WebConsole;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Gateway.Host.Monitoring;

/// <summary>
/// The HTTP listener for center engineers: /metrics (Prometheus text), /healthz, /readyz and /status (JSON), and the
/// web console (docs/console.md) when one is given. Bound to loopback unless the YAML says otherwise.
/// </summary>
/// <remarks>
/// A plain TCP listener that answers one GET per connection (`Connection: close`), not <see cref="HttpListener"/>:
/// HttpListener routes by the Host header, so `http://localhost:9180/` got 404 from a listener on 127.0.0.1, and a
/// Prometheus scraping by DNS name got 404 from one on an IP; its only way to take any Host header ("+") binds every
/// interface. Here the socket decides who can connect (loopback by default) and any Host header is accepted.
/// The console needs little more than that (a POST body, a cookie, one long answer for server-sent events, TLS), so
/// the listener grew those instead of moving to Kestrel, whose shared framework would add megabytes to every gateway.
/// </remarks>
public sealed class MonitoringEndpoint : IAsyncDisposable
{
    private const int MaxRequestHeadBytes = 16 * 1024;

    /// <summary>The largest body taken (an edited configuration file).</summary>
    private const int MaxRequestBodyBytes = 2 * 1024 * 1024;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly TcpListener _listener;
    private readonly Func<GatewayHealth> _health;
    private readonly CollectorRegistry _registry;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _host;
    private readonly IConsoleHandler? _console;
    private volatile X509Certificate2? _tlsCertificate;
    private readonly string _scheme;
    private Task? _loop;

    public MonitoringEndpoint(string listen, Func<GatewayHealth> health, CollectorRegistry registry, ILogger logger, IConsoleHandler? console = null, X509Certificate2? tlsCertificate = null)
    {
        var (host, port) = ParseListen(listen);
        _host = host;
        _listener = new TcpListener(AddressOf(host), port);
        _scheme = tlsCertificate is null ? "http" : "https";
        Prefix = $"{_scheme}://{FormatHost(host)}:{port}/";
        Url = $"{_scheme}://{UrlHost(host)}:{port}";
        _health = health;
        _registry = registry;
        _logger = logger;
        _console = console;
        _tlsCertificate = tlsCertificate;
    }

    /// <summary>
    /// A new certificate for the next TLS handshakes (the hot reload of `http.tls`); connections already open keep
    /// theirs. False on a plain HTTP listener: switching TLS on or off changes the URL, which needs a restart.
    /// </summary>
    public bool ReplaceTlsCertificate(X509Certificate2 certificate)
    {
        if (_tlsCertificate is null)
        {
            return false;
        }

        _tlsCertificate = certificate;
        return true;
    }

    /// <summary>Whether an http.listen value binds loopback only (127.0.0.0/8, ::1 or localhost): the console's no-login case.</summary>
    public static bool IsLoopback(string listen)
    {
        var (host, _) = ParseListen(listen);
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>What the listener listens on, for messages, e.g. http://127.0.0.1:9180/.</summary>
    public string Prefix { get; }

    /// <summary>The base URL to print for the user, e.g. http://127.0.0.1:9180 (the real port once started on port 0).</summary>
    public string Url { get; private set; }

    /// <summary>The URL a client on this machine uses for an http.listen value (every interface: 127.0.0.1).</summary>
    public static string UrlFor(string listen)
    {
        var (host, port) = ParseListen(listen);
        return $"http://{UrlHost(host)}:{port}";
    }

    public static (string Host, int Port) ParseListen(string listen)
    {
        var colon = listen.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(listen.AsSpan(colon + 1), out var port) || port is < 0 or > 65535)
        {
            throw new FormatException($"http.listen '{listen}' is not host:port, e.g. 127.0.0.1:9180.");
        }

        return (listen[..colon].Trim('[', ']'), port);
    }

    /// <summary>The address to bind: 0.0.0.0 (or * or +) is every interface, a name is resolved (localhost is loopback).</summary>
    private static IPAddress AddressOf(string host)
    {
        if (host is "0.0.0.0" or "*" or "+")
        {
            return IPAddress.Any;
        }

        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        var addresses = Dns.GetHostAddresses(host);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
    }

    private static string FormatHost(string host) => host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;

    private static string UrlHost(string host) => host switch
    {
        "0.0.0.0" or "*" or "+" => "127.0.0.1",
        "::" => "[::1]",
        _ => FormatHost(host),
    };

    public void Start()
    {
        _listener.Start();
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        Url = $"{_scheme}://{UrlHost(_host)}:{port}";
        _loop = Task.Run(() => ServeAsync(_stop.Token));
    }

    private async Task ServeAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                _logger.LogWarning("Monitoring endpoint: accept failed: {Message}", e.Message);
                continue;
            }

            _ = Task.Run(() => ServeConnectionAsync(client, cancellationToken), CancellationToken.None);
        }
    }

    private async Task ServeConnectionAsync(TcpClient client, CancellationToken stopping)
    {
        using (client)
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping))
        {
            timeout.CancelAfter(RequestTimeout);
            Stream stream = client.GetStream();
            HttpRequest? request;
            try
            {
                var certificate = _tlsCertificate;
                if (certificate is not null)
                {
                    var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                    stream = tls;
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, timeout.Token);
                }

                request = await ReadRequestAsync(stream, (client.Client.RemoteEndPoint as IPEndPoint)?.Address, certificate is not null, timeout.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or System.Security.Authentication.AuthenticationException)
            {
                await stream.DisposeAsync();
                return; // the client went away, sent nothing in time, or spoke plain HTTP to the TLS port
            }

            await using (stream)
            {
                try
                {
                    var answer = await RespondAsync(request, stopping);
                    if (answer.Stream is { } body)
                    {
                        // Server-sent events: the answer lasts as long as the page, not the request timeout.
                        await WriteHeadAsync(stream, answer, null, stopping);
                        await body(stream, stopping);
                        return;
                    }

                    await WriteHeadAsync(stream, answer, answer.Body.Length, timeout.Token);
                    if (request?.Method != "HEAD" && answer.Body.Length > 0)
                    {
                        await stream.WriteAsync(answer.Body, timeout.Token);
                    }
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    // The client closed the connection before reading the answer.
                }
                catch (Exception e)
                {
                    _logger.LogWarning("Monitoring endpoint: {Path} failed: {Message}", request?.Path, e.Message);
                    try
                    {
                        await WriteHeadAsync(stream, new HttpAnswer(500, "text/plain; charset=utf-8", []), 0, timeout.Token);
                    }
                    catch (Exception writeFailure) when (writeFailure is IOException or OperationCanceledException or SocketException)
                    {
                        // Nothing more to tell a client that is gone.
                    }
                }
            }
        }
    }

    /// <summary>
    /// Reads the request head (RFC 9112, 2.1: request line, header lines, empty line) and a Content-Length body;
    /// null for what is not an HTTP/1.x request (answered 400).
    /// </summary>
    private static async Task<HttpRequest?> ReadRequestAsync(Stream stream, IPAddress? remote, bool https, CancellationToken cancellationToken)
    {
        var head = new byte[MaxRequestHeadBytes];
        var length = 0;
        int headEnd;
        while (true)
        {
            if (length == head.Length)
            {
                return null; // a head this large is not a scrape: answered 400
            }

            var read = await stream.ReadAsync(head.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                throw new IOException("connection closed before the request head ended");
            }

            length += read;
            headEnd = head.AsSpan(0, length).IndexOf("\r\n\r\n"u8);
            if (headEnd >= 0)
            {
                break;
            }
        }

        var text = System.Text.Encoding.Latin1.GetString(head, 0, headEnd);
        var lines = text.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            return null;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        // The target is origin-form (/metrics?x) or, through a proxy, absolute-form (http://host/metrics); the Host
        // header plays no part in routing: whoever reached the socket may ask.
        var target = requestLine[1];
        if (Uri.TryCreate(target, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            target = absolute.PathAndQuery;
        }

        var body = Array.Empty<byte>();
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = await ReadChunkedBodyAsync(stream, head.AsMemory(headEnd + 4, length - headEnd - 4), cancellationToken);
            if (body.Length > MaxRequestBodyBytes)
            {
                return null;
            }
        }
        else if (headers.TryGetValue("Content-Length", out var contentLength))
        {
            if (!int.TryParse(contentLength, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size) || size > MaxRequestBodyBytes)
            {
                return null;
            }

            body = new byte[size];
            var already = Math.Min(size, length - headEnd - 4);
            head.AsSpan(headEnd + 4, already).CopyTo(body);
            if (already < size)
            {
                await stream.ReadExactlyAsync(body.AsMemory(already), cancellationToken);
            }
        }

        var query = target.IndexOf('?', StringComparison.Ordinal);
        return new HttpRequest
        {
            Method = requestLine[0],
            Path = query >= 0 ? target[..query] : target,
            Query = query >= 0 ? target[(query + 1)..] : "",
            Headers = headers,
            Body = body,
            RemoteAddress = remote,
            IsHttps = https,
        };
    }

    /// <summary>
    /// A chunked body (RFC 9112, 7.1: hex size, optional extensions, CRLF, data, CRLF; a last chunk of size 0, trailers,
    /// CRLF), as HttpClient sends JSON content. <paramref name="already"/> is what came with the head.
    /// </summary>
    private static async Task<byte[]> ReadChunkedBodyAsync(Stream stream, ReadOnlyMemory<byte> already, CancellationToken cancellationToken)
    {
        var input = new MemoryStream();
        input.Write(already.Span);
        var position = 0;
        var body = new MemoryStream();
        var buffer = new byte[8192];

        async Task<bool> EnsureAsync(int count)
        {
            while (input.Length - position < count)
            {
                var read = await stream.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    throw new IOException("connection closed inside a chunked body");
                }

                input.Seek(0, SeekOrigin.End);
                input.Write(buffer, 0, read);
                if (input.Length > MaxRequestBodyBytes + MaxRequestHeadBytes)
                {
                    return false;
                }
            }

            return true;
        }

        async Task<string?> LineAsync()
        {
            while (true)
            {
                var data = input.GetBuffer().AsSpan(position, (int)input.Length - position);
                var end = data.IndexOf("\r\n"u8);
                if (end >= 0)
                {
                    var line = System.Text.Encoding.ASCII.GetString(data[..end]);
                    position += end + 2;
                    return line;
                }

                if (!await EnsureAsync((int)input.Length - position + 1))
                {
                    return null;
                }
            }
        }

        while (true)
        {
            var sizeLine = await LineAsync();
            var sizeText = sizeLine?.Split(';')[0].Trim();
            if (sizeText is null || !int.TryParse(sizeText, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var size) || size < 0)
            {
                return new byte[MaxRequestBodyBytes + 1]; // refused by the caller as too large or malformed
            }

            if (size == 0)
            {
                while (await LineAsync() is { Length: > 0 })
                {
                    // trailer fields: ignored
                }

                return body.ToArray();
            }

            if (body.Length + size > MaxRequestBodyBytes || !await EnsureAsync(size + 2))
            {
                return new byte[MaxRequestBodyBytes + 1];
            }

            body.Write(input.GetBuffer(), position, size);
            position += size + 2;
        }
    }

    private async Task<HttpAnswer> RespondAsync(HttpRequest? request, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return ToAnswer(JsonBody(400, new { error = "bad request" }));
        }

        if (_console is not null && await _console.HandleAsync(request, cancellationToken) is { } answer)
        {
            return answer;
        }

        return ToAnswer(await RespondAsync(request.Method, request.Path));
    }

    private static HttpAnswer ToAnswer((int Status, string ContentType, byte[] Body) answer) => new(answer.Status, answer.ContentType, answer.Body);

    private async Task<(int Status, string ContentType, byte[] Body)> RespondAsync(string method, string path)
    {
        if (method is not ("GET" or "HEAD"))
        {
            return JsonBody(405, new { error = "only GET and HEAD" });
        }

        switch (path.TrimEnd('/'))
        {
            case "/metrics":
                using (var metrics = new MemoryStream())
                {
                    await _registry.CollectAndExportAsTextAsync(metrics);
                    return (200, "text/plain; version=0.0.4; charset=utf-8", metrics.ToArray());
                }

            case "/healthz":
                return JsonBody(200, new { status = "alive", version = _health().Version });
            case "/readyz":
                var health = _health();
                return JsonBody(health.Ready ? 200 : 503, new { ready = health.Ready, reasons = health.NotReadyReasons });
            case "/status":
                return JsonBody(200, _health());
            default:
                return JsonBody(404, new { error = "not found", endpoints = new[] { "/metrics", "/healthz", "/readyz", "/status" } });
        }
    }

    // Reasons and last errors quote endpoints and server messages: a secret (a host from ${file:}) is masked here too.
    private static (int, string, byte[]) JsonBody(int status, object body) =>
        (status, "application/json; charset=utf-8", System.Text.Encoding.UTF8.GetBytes(SecretRegistry.Process.RedactJson(JsonSerializer.Serialize(body, body.GetType(), Json))));

    /// <summary>The status line and headers; no Content-Length for a streamed answer (it ends when the connection closes).</summary>
    private static async Task WriteHeadAsync(Stream stream, HttpAnswer answer, int? contentLength, CancellationToken cancellationToken)
    {
        var head = new System.Text.StringBuilder()
            .Append("HTTP/1.1 ").Append(answer.Status).Append(' ').Append(HttpAnswer.ReasonOf(answer.Status)).Append("\r\n")
            .Append("Content-Type: ").Append(answer.ContentType).Append("\r\n");
        if (contentLength is { } size)
        {
            head.Append("Content-Length: ").Append(size).Append("\r\n");
        }

        head.Append("Connection: close\r\nCache-Control: ").Append(answer.CacheControl).Append("\r\n");
        foreach (var (name, value) in answer.Headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("\r\n");
        await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(head.ToString()), cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        if (_loop is not null)
        {
            await _loop;
        }

        _listener.Dispose();
        _stop.Dispose();
    }
}
