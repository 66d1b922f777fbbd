using System.Reflection;
using System.Security.Cryptography;

namespace Gateway.Host.WebConsole;

/// <summary>
/// The console's pages, styles and scripts, embedded in the gateway (an edge PC is often offline: no CDN, no Node
/// build). Each answer carries an ETag (a hash of its bytes) and must be revalidated, so a browser never runs a
/// page of an older gateway after an update, yet downloads nothing that did not change.
/// </summary>
public sealed class ConsoleAssets
{
    private const string ResourcePrefix = "Gateway.Host.WebConsole.Assets.";

    private readonly Dictionary<string, (byte[] Body, string ContentType, string ETag)> _assets = new(StringComparer.Ordinal);

    public ConsoleAssets()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var body = copy.ToArray();
            var file = name[ResourcePrefix.Length..];
            _assets["/" + file] = (body, ContentTypeOf(file), "\"" + Convert.ToHexString(SHA256.HashData(body))[..16] + "\"");
        }
    }

    public IReadOnlyCollection<string> Paths => _assets.Keys;

    /// <summary>The asset at a path (/ is index.html), 304 when the browser's copy is current, or null.</summary>
    public HttpAnswer? Answer(HttpRequest request)
    {
        var path = request.Path is "/" or "/index.html" ? "/index.html" : request.Path.StartsWith("/assets/", StringComparison.Ordinal) ? request.Path["/assets".Length..] : null;
        if (path is null || !_assets.TryGetValue(path, out var asset))
        {
            return null;
        }

        var headers = new List<KeyValuePair<string, string>>
        {
            new("ETag", asset.ETag),
            new("X-Content-Type-Options", "nosniff"),
            // Scripts come only from this listener; nothing may frame the console (clickjacking on Trust or Apply).
            new("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"),
            new("X-Frame-Options", "DENY"),
        };
        if (request.Header("If-None-Match") == asset.ETag)
        {
            return new HttpAnswer(304, asset.ContentType, []) { CacheControl = "no-cache", Headers = headers };
        }

        return new HttpAnswer(200, asset.ContentType, asset.Body) { CacheControl = "no-cache", Headers = headers };
    }

    private static string ContentTypeOf(string file) => Path.GetExtension(file) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
