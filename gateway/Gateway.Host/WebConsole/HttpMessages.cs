using System.Net;
using System.Text;

namespace Gateway.Host.WebConsole;

/// <summary>One HTTP request as the listener read it: request line, headers (names case-insensitive) and body.</summary>
public sealed class HttpRequest
{
    public required string Method { get; init; }

    /// <summary>The path without the query, e.g. /api/machines/cnc-01.</summary>
    public required string Path { get; init; }

    public string Query { get; init; } = "";

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    public byte[] Body { get; init; } = [];

    public IPAddress? RemoteAddress { get; init; }

    /// <summary>True when the connection is TLS: cookies get the Secure attribute and the origin is https.</summary>
    public bool IsHttps { get; init; }

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>A query parameter, URL-decoded, or null.</summary>
    public string? QueryValue(string name)
    {
        foreach (var pair in Query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString((equals < 0 ? pair : pair[..equals]).Replace('+', ' '));
            if (string.Equals(key, name, StringComparison.Ordinal))
            {
                return equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            }
        }

        return null;
    }

    /// <summary>A cookie sent with the request (RFC 6265, 5.4: "name=value; name2=value2"), or null.</summary>
    public string? Cookie(string name)
    {
        foreach (var part in (Header("Cookie") ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && string.Equals(part[..equals], name, StringComparison.Ordinal))
            {
                return part[(equals + 1)..];
            }
        }

        return null;
    }
}

/// <summary>
/// An answer: a status, a body and extra headers; or, with <see cref="Stream"/>, a body written as it is made
/// (server-sent events) until the client leaves or the gateway stops.
/// </summary>
public sealed record HttpAnswer(int Status, string ContentType, byte[] Body)
{
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Cache-Control; the API and health answers are never cached.</summary>
    public string CacheControl { get; init; } = "no-store";

    public Func<Stream, CancellationToken, Task>? Stream { get; init; }

    public static HttpAnswer Text(int status, string text, string contentType = "text/plain; charset=utf-8") =>
        new(status, contentType, Encoding.UTF8.GetBytes(text));

    public HttpAnswer WithHeader(string name, string value) => this with { Headers = [.. Headers, new(name, value)] };

    public static string ReasonOf(int status) => status switch
    {
        200 => "OK",
        204 => "No Content",
        303 => "See Other",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Content Too Large",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };
}

/// <summary>What serves the console on the monitoring listener; consulted before /metrics and the health paths.</summary>
public interface IConsoleHandler
{
    /// <summary>An answer for the request, or null to let the monitoring paths answer it (they may still be refused here first).</summary>
    Task<HttpAnswer?> HandleAsync(HttpRequest request, CancellationToken cancellationToken);
}
