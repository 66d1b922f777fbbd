using System.Net;
using System.Text.Json;
using Gateway.Configuration;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Gateway.Host.Monitoring;

/// <summary>
/// The HTTP listener for center engineers: /metrics (Prometheus text), /healthz, /readyz and /status (JSON).
/// Bound to loopback unless the YAML says otherwise.
/// </summary>
public sealed class MonitoringEndpoint : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly HttpListener _listener = new();
    private readonly Func<GatewayHealth> _health;
    private readonly CollectorRegistry _registry;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public MonitoringEndpoint(string listen, Func<GatewayHealth> health, CollectorRegistry registry, ILogger logger)
    {
        var (host, port) = ParseListen(listen);
        // HttpListener wants a host name pattern; "+" binds every address, which we only do when asked for 0.0.0.0.
        var pattern = host is "0.0.0.0" or "*" or "+" ? "+" : host;
        Prefix = $"http://{pattern}:{port}/";
        Url = $"http://{(pattern == "+" ? "127.0.0.1" : host)}:{port}";
        _listener.Prefixes.Add(Prefix);
        _health = health;
        _registry = registry;
        _logger = logger;
    }

    public string Prefix { get; }

    /// <summary>The base URL to print for the user, e.g. http://127.0.0.1:9180.</summary>
    public string Url { get; }

    public static (string Host, int Port) ParseListen(string listen)
    {
        var colon = listen.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(listen.AsSpan(colon + 1), out var port) || port is < 0 or > 65535)
        {
            throw new FormatException($"http.listen '{listen}' is not host:port, e.g. 127.0.0.1:9180.");
        }

        return (listen[..colon].Trim('[', ']'), port);
    }

    public void Start()
    {
        _listener.Start();
        _loop = Task.Run(() => ServeAsync(_stop.Token));
    }

    private async Task ServeAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested || !_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException e)
            {
                _logger.LogWarning("Monitoring endpoint: accept failed: {Message}", e.Message);
                continue;
            }

            _ = Task.Run(() => HandleAsync(context), CancellationToken.None);
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            switch (context.Request.Url?.AbsolutePath.TrimEnd('/'))
            {
                case "/metrics":
                    response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                    await _registry.CollectAndExportAsTextAsync(response.OutputStream);
                    break;
                case "/healthz":
                    await WriteJsonAsync(response, 200, new { status = "alive", version = _health().Version });
                    break;
                case "/readyz":
                    var health = _health();
                    await WriteJsonAsync(response, health.Ready ? 200 : 503, new { ready = health.Ready, reasons = health.NotReadyReasons });
                    break;
                case "/status":
                    await WriteJsonAsync(response, 200, _health());
                    break;
                default:
                    await WriteJsonAsync(response, 404, new { error = "not found", endpoints = new[] { "/metrics", "/healthz", "/readyz", "/status" } });
                    break;
            }
        }
        catch (Exception e)
        {
            _logger.LogWarning("Monitoring endpoint: {Path} failed: {Message}", context.Request.Url?.AbsolutePath, e.Message);
            try
            {
                response.StatusCode = 500;
            }
            catch (InvalidOperationException)
            {
                // headers already sent
            }
        }
        finally
        {
            response.Close();
        }
    }

    private static async Task WriteJsonAsync(HttpListenerResponse response, int status, object body)
    {
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";

        // Reasons and last errors quote endpoints and server messages: a secret (a host from ${file:}) is masked here too.
        var json = SecretRegistry.Process.RedactJson(JsonSerializer.Serialize(body, body.GetType(), Json));
        await response.OutputStream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(json));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_listener.IsListening)
        {
            _listener.Stop();
        }

        if (_loop is not null)
        {
            await _loop;
        }

        _listener.Close();
        _stop.Dispose();
    }
}
