using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Gateway.Configuration;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Gateway.Host.Monitoring;

/// <summary>
/// The HTTP listener for center engineers: /metrics (Prometheus text), /healthz, /readyz and /status (JSON).
/// Bound to loopback unless the YAML says otherwise.
/// </summary>
/// <remarks>
/// A plain TCP listener that answers one GET per connection (`Connection: close`), not <see cref="HttpListener"/>:
/// HttpListener routes by the Host header, so `http://localhost:9180/` got 404 from a listener on 127.0.0.1, and a
/// Prometheus scraping by DNS name got 404 from one on an IP; its only way to take any Host header ("+") binds every
/// interface. Here the socket decides who can connect (loopback by default) and any Host header is accepted.
/// </remarks>
public sealed class MonitoringEndpoint : IAsyncDisposable
{
    private const int MaxRequestHeadBytes = 16 * 1024;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly TcpListener _listener;
    private readonly Func<GatewayHealth> _health;
    private readonly CollectorRegistry _registry;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _host;
    private Task? _loop;

    public MonitoringEndpoint(string listen, Func<GatewayHealth> health, CollectorRegistry registry, ILogger logger)
    {
        var (host, port) = ParseListen(listen);
        _host = host;
        _listener = new TcpListener(AddressOf(host), port);
        Prefix = $"http://{FormatHost(host)}:{port}/";
        Url = $"http://{UrlHost(host)}:{port}";
        _health = health;
        _registry = registry;
        _logger = logger;
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
        Url = $"http://{UrlHost(_host)}:{port}";
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
            var stream = client.GetStream();
            string? path;
            string method;
            try
            {
                (method, path) = await ReadRequestLineAsync(stream, timeout.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
                return; // the client went away or sent nothing in time
            }

            try
            {
                var (status, contentType, body) = await RespondAsync(method, path);
                await WriteResponseAsync(stream, status, contentType, method == "HEAD" ? [] : body, body.Length, timeout.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
                // The client closed the connection before reading the answer.
            }
            catch (Exception e)
            {
                _logger.LogWarning("Monitoring endpoint: {Path} failed: {Message}", path, e.Message);
                try
                {
                    await WriteResponseAsync(stream, 500, "text/plain; charset=utf-8", [], 0, timeout.Token);
                }
                catch (Exception writeFailure) when (writeFailure is IOException or OperationCanceledException or SocketException)
                {
                    // Nothing more to tell a client that is gone.
                }
            }
        }
    }

    /// <summary>Reads the request head (RFC 9112, 2.1: request line, header lines, empty line); returns method and path.</summary>
    private static async Task<(string Method, string? Path)> ReadRequestLineAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var head = new byte[MaxRequestHeadBytes];
        var length = 0;
        while (true)
        {
            if (length == head.Length)
            {
                return ("", null); // a head this large is not a scrape: answered 400
            }

            var read = await stream.ReadAsync(head.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                throw new IOException("connection closed before the request head ended");
            }

            length += read;
            if (head.AsSpan(0, length).IndexOf("\r\n\r\n"u8) >= 0)
            {
                break;
            }
        }

        var text = System.Text.Encoding.ASCII.GetString(head, 0, length);
        var requestLine = text[..text.IndexOf("\r\n", StringComparison.Ordinal)].Split(' ');
        if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            return ("", null);
        }

        // The target is origin-form (/metrics?x) or, through a proxy, absolute-form (http://host/metrics); the Host
        // header plays no part: whoever reached the socket may ask.
        var target = requestLine[1];
        if (Uri.TryCreate(target, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            target = absolute.AbsolutePath;
        }

        var query = target.IndexOf('?', StringComparison.Ordinal);
        return (requestLine[0], query >= 0 ? target[..query] : target);
    }

    private async Task<(int Status, string ContentType, byte[] Body)> RespondAsync(string method, string? path)
    {
        if (path is null)
        {
            return JsonBody(400, new { error = "bad request" });
        }

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

    private static async Task WriteResponseAsync(NetworkStream stream, int status, string contentType, byte[] body, int contentLength, CancellationToken cancellationToken)
    {
        var reason = status switch
        {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            503 => "Service Unavailable",
            _ => "Internal Server Error",
        };
        var head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: {contentType}\r\nContent-Length: {contentLength}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head), cancellationToken);
        if (body.Length > 0)
        {
            await stream.WriteAsync(body, cancellationToken);
        }
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
