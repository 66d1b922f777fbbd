using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Configuration;
using Gateway.Configuration.Model;
using Gateway.Connectors.OpcUa;
using Gateway.Core;
using Gateway.Host.Monitoring;
using Gateway.Host.Service;
using Gateway.OpcUa.Pki;
using Microsoft.Extensions.Logging;

namespace Gateway.Host.WebConsole;

/// <summary>
/// The web console (docs/console.md): the pages, and the JSON API under /api that they use. It answers on the
/// monitoring listener, decides who may see or change what (<see cref="ConsoleSecurity"/>), and changes nothing that
/// `gateway cert` and the YAML file cannot: certificates move between the same PKI folders, the configuration is the
/// same file, written atomically.
/// </summary>
public sealed partial class WebConsoleServer : IConsoleHandler
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
    private static readonly string[] MonitoringPaths = ["/metrics", "/healthz", "/readyz", "/status"];
    private static readonly TimeSpan EventInterval = TimeSpan.FromSeconds(2);

    private readonly HttpConfig _http;
    private readonly Func<GatewayRuntime?> _runtime;
    private readonly Func<GatewayHealth> _health;
    private readonly ConfigurationFile _file;
    private readonly RecentLogLines? _logLines;
    private readonly ILogger _logger;
    private readonly ConsoleAssets _assets = new();
    private readonly ReadingRates _rates = new();

    public WebConsoleServer(HttpConfig http, string configPath, PluginCatalog plugins, Func<GatewayRuntime?> runtime, Func<GatewayHealth> health, RecentLogLines? logLines, ILogger logger)
    {
        _http = http;
        _runtime = runtime;
        _health = health;
        _file = new ConfigurationFile(configPath, plugins);
        _logLines = logLines;
        _logger = logger;
        Security = new ConsoleSecurity(http, message => logger.LogWarning("{Message}", message));
    }

    public ConsoleSecurity Security { get; }

    /// <summary>The TLS certificate of `http.tls`, or null for plain HTTP. Throws with the file named when it cannot be read.</summary>
    public static X509Certificate2? LoadTlsCertificate(HttpTlsConfig? tls)
    {
        if (tls is null)
        {
            return null;
        }

        try
        {
            var extension = Path.GetExtension(tls.Certificate).ToLowerInvariant();
            return extension is ".pfx" or ".p12"
                ? X509CertificateLoader.LoadPkcs12FromFile(tls.Certificate, tls.Password)
                : X509Certificate2.CreateFromPemFile(tls.Certificate, tls.PrivateKey);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"http.tls: cannot load the certificate {tls.Certificate}{(tls.PrivateKey is null ? "" : " with key " + tls.PrivateKey)}: {e.Message}", e);
        }
    }

    public async Task<HttpAnswer?> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var path = request.Path.Length > 1 ? request.Path.TrimEnd('/') : request.Path;
        if (MonitoringPaths.Contains(path, StringComparer.Ordinal))
        {
            // Where a login is required, /metrics and the health paths too, unless listed in openEndpoints.
            return Security.LoginRequired && !Security.IsOpen(path) && Security.Identify(request) is null
                ? Problem(401, "log in first, or list this path in http.console.openEndpoints")
                : null;
        }

        if (!_http.Console.Enabled || !(path == "/" || path == "/index.html" || path.StartsWith("/assets/", StringComparison.Ordinal) || path.StartsWith("/api/", StringComparison.Ordinal)))
        {
            return null;
        }

        if (!Security.HostIsAcceptable(request))
        {
            return Problem(421, "the console answers only to localhost or a loopback address (Host header), see docs/console.md");
        }

        if (!path.StartsWith("/api/", StringComparison.Ordinal))
        {
            return request.Method is "GET" or "HEAD" ? _assets.Answer(request) : Problem(405, "only GET");
        }

        try
        {
            return await ApiAsync(request, path, cancellationToken);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or JsonException or InvalidDataException or KeyNotFoundException)
        {
            return Problem(400, e.Message);
        }
    }

    private async Task<HttpAnswer> ApiAsync(HttpRequest request, string path, CancellationToken cancellationToken)
    {
        var identity = Security.Identify(request);
        var isGet = request.Method is "GET" or "HEAD";
        if (!isGet && request.Method != "POST")
        {
            return Problem(405, "only GET and POST");
        }

        switch (path)
        {
            case "/api/session" when isGet:
                return Ok(new { loginRequired = Security.LoginRequired, user = identity?.User, role = identity?.Role, csrfToken = identity?.CsrfToken });
            case "/api/login" when !isGet:
                return LogIn(request);
            case "/api/logout" when !isGet:
                if (ConsoleSecurity.CrossSiteProblem(request, identity) is { } logoutProblem)
                {
                    return Problem(403, logoutProblem);
                }

                Security.LogOut(request);
                return Ok(new { loggedOut = true }).WithHeader("Set-Cookie", ConsoleSecurity.ExpiredCookieHeader(request.IsHttps));
        }

        if (identity is null)
        {
            return Problem(401, "log in first");
        }

        if (!isGet && ConsoleSecurity.CrossSiteProblem(request, identity) is { } crossSite)
        {
            _logger.LogWarning("Console: refused {Method} {Path} from {Remote}: {Problem}", request.Method, path, request.RemoteAddress, crossSite);
            return Problem(403, crossSite);
        }

        switch (path)
        {
            case "/api/overview" when isGet:
                return Ok(Overview());
            case "/api/events" when isGet:
                return Events();
            case "/api/certificates" when isGet:
                return Ok(Certificates());
            case "/api/certificates/own" when isGet:
                return OwnCertificate();
            case "/api/certificates/trust" when !isGet:
                return ChangeCertificate(request, identity, trust: true);
            case "/api/certificates/remove" when !isGet:
                return ChangeCertificate(request, identity, trust: false);
            case "/api/config" when isGet:
                return Ok(new { path = _file.Path, text = _file.ReadMasked(), canApply = identity.IsAdmin });
            case "/api/config/validate" when !isGet:
                return Ok(_file.Check(TextOf(request)));
            case "/api/config/apply" when !isGet:
                return ApplyConfiguration(request, identity);
            case "/api/browse/sources" when isGet:
                return Ok(new { sources = Picker()?.Sources ?? [] });
            case "/api/browse" when isGet:
                return await BrowseAsync(request, cancellationToken);
            case "/api/browse/endpoint" when !isGet:
                return await BrowseEndpointAsync(request, identity, cancellationToken);
            case "/api/browse/template" when !isGet:
                return PickedTemplate(request);
            case "/api/addresses/sources" when isGet:
                return Ok(new { sources = AddressSources() });
            case "/api/addresses/read" when !isGet:
                return await TestReadAsync(request, identity, cancellationToken);
            case "/api/addresses/template" when !isGet:
                return AddressTemplate(request);
            case "/api/logs" when isGet:
                return Ok(Logs(request));
        }

        if (path.StartsWith("/api/machines/", StringComparison.Ordinal) && isGet)
        {
            return Machine(Uri.UnescapeDataString(path["/api/machines/".Length..]));
        }

        return Problem(404, $"no API {request.Method} {path} (see docs/console.md)");
    }

    private HttpAnswer LogIn(HttpRequest request)
    {
        if (ConsoleSecurity.CrossSiteProblem(request, null) is { } problem)
        {
            return Problem(403, problem);
        }

        using var body = JsonDocument.Parse(request.Body.Length == 0 ? "{}"u8.ToArray() : request.Body);
        var user = body.RootElement.TryGetProperty("user", out var u) ? u.GetString() ?? "" : "";
        var password = body.RootElement.TryGetProperty("password", out var p) ? p.GetString() ?? "" : "";
        if (Security.LogIn(user, password) is not { } session)
        {
            _logger.LogWarning("Console: failed login as {User} from {Remote}", user, request.RemoteAddress);
            return Problem(401, "wrong user name or password");
        }

        _logger.LogInformation("Console: {User} ({Role}) logged in from {Remote}", session.Identity.User, session.Identity.Role, request.RemoteAddress);
        return Ok(new { user = session.Identity.User, role = session.Identity.Role, csrfToken = session.Identity.CsrfToken })
            .WithHeader("Set-Cookie", Security.SessionCookieHeader(session.Token, request.IsHttps));
    }

    /// <summary>Server-sent events (HTML Living Standard, 9.2): an `overview` event now and every two seconds.</summary>
    private HttpAnswer Events() => new(200, "text/event-stream; charset=utf-8", [])
    {
        Stream = async (stream, stopping) =>
        {
            using var timer = new PeriodicTimer(EventInterval);
            do
            {
                var data = SecretRegistry.Process.RedactJson(JsonSerializer.Serialize(Overview(), JsonOptions));
                await stream.WriteAsync(Encoding.UTF8.GetBytes($"event: overview\ndata: {data}\n\n"), stopping);
                await stream.FlushAsync(stopping);
            }
            while (await timer.WaitForNextTickAsync(stopping));
        },
    };

    /// <summary>/status plus what the overview adds: readings per second of each machine and sink, the buffer's bound.</summary>
    private object Overview()
    {
        var health = _health();
        var runtime = _runtime();
        var rates = _rates.Sample(runtime);
        return new
        {
            health.Gateway,
            health.Version,
            health.StartedAt,
            health.Ready,
            health.NotReadyReasons,
            Sources = health.Sources.Select(s =>
            {
                var config = runtime?.Config.Sources.FirstOrDefault(c => c.Name == s.Name);
                var security = config?.Options is OpcUaSourceOptions opc ? $"{opc.Security.Mode}{(opc.Security.Policy is null ? "" : " " + opc.Security.Policy)}" : config?.Type ?? "";
                return new
                {
                    s.Name,
                    s.Endpoint,
                    s.State,
                    Security = security,
                    s.LastError,
                    s.LastErrorSince,
                    Fix = FixFor(s.LastError),
                    Machines = (s.Machines ?? new Dictionary<string, MachineHealth>()).Select(m => new
                    {
                        Name = m.Key,
                        m.Value.LastReadingUtc,
                        AgeSeconds = m.Value.LastReadingUtc is { } last ? Math.Round((DateTime.UtcNow - last).TotalSeconds, 1) : (double?)null,
                        ReadingsPerSecond = rates.GetValueOrDefault($"{s.Name}/{m.Key}"),
                        m.Value.Tags,
                        m.Value.BadTags,
                        BadTagNames = BadTagNames(runtime, m.Key),
                        m.Value.Summary,
                        State = health.MachineStates?.FirstOrDefault(state => state.Machine == m.Key),
                    }),
                };
            }),
            Sinks = health.Sinks.Select(s => new
            {
                s.Name,
                s.Type,
                s.State,
                s.Pending,
                s.OldestPendingSeconds,
                s.Delivered,
                DeliveredPerSecond = rates.GetValueOrDefault("sink:" + s.Name),
                s.Failures,
                s.LastError,
                s.Optional,
                DeadLetters = DeadLetterCount(runtime, s.Name),
            }),
            Buffer = health.Buffer is null ? null : new
            {
                health.Buffer.BytesOnDisk,
                BoundBytes = runtime is null ? 0 : (long)runtime.Config.Buffer.MaxSizeMb * 1024 * 1024,
                health.Buffer.Appended,
                health.Buffer.Refused,
                health.Buffer.Dropped,
                health.Buffer.IngestProblem,
            },
        };
    }

    /// <summary>The first thing to try for the usual outages, in the words of `gateway status` and docs/troubleshooting.md.</summary>
    private static string? FixFor(string? lastError) => lastError switch
    {
        null => null,
        _ when lastError.Contains("rejected/certs", StringComparison.Ordinal) || lastError.Contains("not trusted", StringComparison.OrdinalIgnoreCase) || lastError.Contains("untrusted", StringComparison.OrdinalIgnoreCase)
            => "trust the server's certificate on the Certificates page (or `gateway cert trust FILE`)",
        _ when lastError.Contains("refused", StringComparison.OrdinalIgnoreCase) => "is the server running and the port right? check the endpoint and the firewall",
        _ when lastError.Contains("timed out", StringComparison.OrdinalIgnoreCase) || lastError.Contains("timeout", StringComparison.OrdinalIgnoreCase)
            => "the server does not answer in time: check the network path and the server's load",
        _ when lastError.Contains("BadIdentity", StringComparison.Ordinal) || lastError.Contains("BadUser", StringComparison.Ordinal) => "check the source's identity (user name and password) with the server's administrator",
        _ => "see the Logs page for this source; `gateway read` tests the connection",
    };

    private static IReadOnlyList<string> BadTagNames(GatewayRuntime? runtime, string machine)
    {
        var tags = runtime?.Latest?.Of(machine);
        return tags is null ? [] : tags.Where(t => t.Value.Latest?.Quality == Quality.Bad).Select(t => t.Key).Order(StringComparer.Ordinal).ToList();
    }

    private static long DeadLetterCount(GatewayRuntime? runtime, string sink)
    {
        var file = runtime is null ? null : Path.Combine(Path.GetFullPath(runtime.Config.Gateway.DataDirectory), DeadLetterFile.FolderName, sink + ".jsonl");
        if (file is null || !File.Exists(file))
        {
            return 0;
        }

        try
        {
            return File.ReadLines(file).LongCount();
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private HttpAnswer Machine(string name)
    {
        var runtime = _runtime();
        var source = runtime?.Config.Sources.FirstOrDefault(s => s.Machines.Any(m => m.Name == name));
        if (runtime is null || source is null)
        {
            return Problem(404, $"no machine '{name}' in the running configuration");
        }

        var latest = runtime.Latest?.Of(name);
        var configured = runtime.Loaded.Tags.Where(t => t.Machine == name).ToList();
        var tags = configured.Select(t => t.Tag).Concat(latest?.Keys ?? []).Distinct(StringComparer.Ordinal)
            .Select(tag => MachineTagRow(tag, latest?.GetValueOrDefault(tag)));
        return Ok(new { name, source = source.Name, tags });
    }

    /// <summary>
    /// One row of the machine page's API. A NaN or infinite value is shown as its text and counts as not numeric:
    /// JSON has no number for it (the serializer would throw and the whole page fail), and the trend keeps no such point.
    /// </summary>
    public static object MachineTagRow(string tag, LatestTag? latest)
    {
        var reading = latest?.Latest;
        var trend = latest?.Trend() ?? [];
        return new
        {
            Name = tag,
            Value = reading?.Value.ToString(),
            Numeric = reading?.Value.TryGetNumber() is { } number && double.IsFinite(number) ? number : (double?)null,
            Quality = reading?.Quality.ToString(),
            reading?.StatusCode,
            SourceTimestamp = reading?.SourceTimestamp,
            Unit = reading?.Unit,
            Trend = trend.Select(p => new { at = p.At, value = p.Value }),
        };
    }

    private PkiDirectory? Pki()
    {
        var config = _runtime()?.Config;
        return config is null ? null : PkiSettings.Directory(config.Pki.ToApplicationIdentity(config.Gateway.DataDirectory));
    }

    private object Certificates()
    {
        var pki = Pki();
        var health = _health();
        object Describe(StoredCertificate stored)
        {
            var facts = CertificateFacts.Of(stored.Certificate);
            var file = Path.GetFileName(stored.Path);

            // The store keeps no note of who presented a certificate; the sources whose last error names it do.
            var endpoints = health.Sources.Where(s => s.LastError is { } error && (error.Contains(file, StringComparison.Ordinal) || error.Contains(stored.Certificate.Thumbprint, StringComparison.OrdinalIgnoreCase)))
                .Select(s => $"{s.Name} ({s.Endpoint})").ToList();
            return new
            {
                subject = stored.Certificate.Subject,
                commonName = facts.CommonName,
                thumbprint = stored.Certificate.Thumbprint,
                notBefore = stored.Certificate.NotBefore.ToUniversalTime(),
                notAfter = stored.Certificate.NotAfter.ToUniversalTime(),
                applicationUri = facts.ApplicationUri,
                file = stored.Path,
                endpoints,
            };
        }

        return pki is null
            ? new { directory = (string?)null, own = Array.Empty<object>(), trusted = Array.Empty<object>(), rejected = Array.Empty<object>() }
            : new { directory = (string?)pki.Root, own = pki.Own().Select(Describe).ToArray(), trusted = pki.Trusted().Select(Describe).ToArray(), rejected = pki.Rejected().Select(Describe).ToArray() };
    }

    private HttpAnswer OwnCertificate()
    {
        var owned = Pki()?.Own() ?? [];
        var own = owned.Count > 0 ? owned[0] : null;
        if (own is null)
        {
            return Problem(404, "this gateway has no certificate yet: `gateway cert create` makes it, or the gateway does on its first secure connection");
        }

        return new HttpAnswer(200, "application/pkix-cert", own.Certificate.RawData)
            .WithHeader("Content-Disposition", $"attachment; filename=\"{Path.GetFileName(own.Path)}\"");
    }

    [GeneratedRegex("^[0-9A-Fa-f]{40}$")]
    private static partial Regex Thumbprint();

    /// <summary>Trust a rejected certificate, or remove a trusted one (kept in rejected/, as `gateway cert reject` does).</summary>
    private HttpAnswer ChangeCertificate(HttpRequest request, ConsoleIdentity identity, bool trust)
    {
        if (!identity.IsAdmin)
        {
            return Problem(403, $"{identity.User} is a viewer: only an admin may trust or remove a certificate");
        }

        using var body = JsonDocument.Parse(request.Body);
        var thumbprint = body.RootElement.GetProperty("thumbprint").GetString() ?? "";
        var pki = Pki();
        if (pki is null || !Thumbprint().IsMatch(thumbprint))
        {
            return Problem(400, "give the certificate's whole SHA-1 thumbprint (40 hex digits)");
        }

        // Only from the list the page showed: trust moves a rejected certificate, remove a trusted one.
        var found = (trust ? pki.Rejected() : pki.Trusted()).FirstOrDefault(c => string.Equals(c.Certificate.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase));
        if (found is null)
        {
            return Problem(404, $"no {(trust ? "rejected" : "trusted")} certificate with thumbprint {thumbprint} in {pki.Root}");
        }

        var name = CertificateFacts.Of(found.Certificate).CommonName;
        if (trust)
        {
            var file = pki.Trust(found.Path);
            _logger.LogInformation("Console: {User} trusted certificate '{Name}' (thumbprint {Thumbprint}), now {File}", identity.User, name, thumbprint, file);
            return Ok(new { trusted = file });
        }

        var kept = pki.Reject(found.Path);
        _logger.LogInformation("Console: {User} removed certificate '{Name}' (thumbprint {Thumbprint}) from the trusted list, kept in {File}", identity.User, name, thumbprint, kept);
        return Ok(new { rejected = kept });
    }

    private HttpAnswer ApplyConfiguration(HttpRequest request, ConsoleIdentity identity)
    {
        if (!identity.IsAdmin)
        {
            return Problem(403, $"{identity.User} is a viewer: only an admin may apply a configuration");
        }

        var check = _file.Apply(TextOf(request));
        if (check.Valid)
        {
            _logger.LogInformation("Console: {User} applied a new configuration to {Path}; the hot reload applies it", identity.User, _file.Path);
        }

        return check.Valid ? Ok(check) : Json(422, check);
    }

    private OpcUaPicker? Picker() => _runtime()?.Config is { } config ? new OpcUaPicker(config) : null;

    private async Task<HttpAnswer> BrowseAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var source = request.QueryValue("source") ?? throw new ArgumentException("give ?source=NAME");
        var picker = Picker() ?? throw new ArgumentException("the data path is not running");
        try
        {
            return Ok(new { source, node = request.QueryValue("node") ?? "i=85", children = await picker.BrowseAsync(source, request.QueryValue("node"), cancellationToken) });
        }
        catch (Exception e) when (e is Gateway.OpcUa.Status.UaException or IOException or TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            return Problem(502, $"browsing {source} failed: {e.Message}");
        }
    }

    /// <summary>
    /// Browse of an endpoint typed in, with the security and identity typed with it (admin only: it makes the gateway
    /// connect where the page says). A certificate the gateway does not trust is refused and saved in rejected/, and the
    /// answer says so, for the Certificates page to trust it; the console never accepts it by itself.
    /// </summary>
    private async Task<HttpAnswer> BrowseEndpointAsync(HttpRequest request, ConsoleIdentity identity, CancellationToken cancellationToken)
    {
        if (!identity.IsAdmin)
        {
            return Problem(403, $"{identity.User} is a viewer: only an admin may connect to an endpoint typed in");
        }

        using var body = JsonDocument.Parse(request.Body);
        var typed = TypedEndpointOf(body.RootElement);
        var node = body.RootElement.TryGetProperty("node", out var n) ? n.GetString() : null;
        var picker = Picker() ?? throw new ArgumentException("the data path is not running");
        try
        {
            return Ok(new { endpoint = typed.Endpoint, node = node ?? "i=85", children = await picker.BrowseAsync(typed, node, cancellationToken) });
        }
        catch (Gateway.OpcUa.Status.UaCertificateException e) when (e.StatusCode == Gateway.OpcUa.Status.StatusCodes.BadCertificateUntrusted)
        {
            _logger.LogWarning("Console: {User} browsed {Endpoint}: its certificate is not trusted, saved as {File}", identity.User, typed.Endpoint, e.RejectedFile);
            return Json(502, new
            {
                error = $"the server's certificate at {typed.Endpoint} is not trusted, so the gateway refused it (saved in rejected/). If this is the right server, trust it on the Certificates page, then browse again.",
                certificateRejected = true,
                rejectedFile = e.RejectedFile,
            });
        }
        catch (Exception e) when (e is Gateway.OpcUa.Status.UaException or IOException or TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            return Problem(502, $"browsing {typed.Endpoint} failed: {e.Message}");
        }
    }

    /// <summary>{endpoint, security: {mode, policy}, identity: {type, username, password}} of a request body.</summary>
    private static TypedEndpoint TypedEndpointOf(JsonElement root)
    {
        static string? Text(JsonElement parent, string name) =>
            parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var security = root.TryGetProperty("security", out var s) ? s : default;
        var identity = root.TryGetProperty("identity", out var i) ? i : default;
        return TypedEndpoint.Checked(Text(root, "endpoint") ?? "", Text(security, "mode"), Text(security, "policy"), Text(identity, "type"), Text(identity, "username"), Text(identity, "password"));
    }

    private HttpAnswer PickedTemplate(HttpRequest request)
    {
        using var body = JsonDocument.Parse(request.Body);
        var root = body.RootElement;
        var picked = root.GetProperty("variables").EnumerateArray()
            .Select(v => new PickedVariable(v.GetProperty("nodeId").GetString()!, v.GetProperty("path").GetString()!))
            .ToList();
        if (picked.Count == 0)
        {
            throw new ArgumentException("tick at least one variable");
        }

        var machine = root.GetProperty("machine").GetString()!;
        if (root.TryGetProperty("endpoint", out _))
        {
            return Ok(new { yaml = OpcUaPicker.EndpointTemplateYaml(TypedEndpointOf(root), machine, picked) });
        }

        var picker = Picker() ?? throw new ArgumentException("the data path is not running");
        var yaml = picker.TemplateYaml(root.GetProperty("source").GetString()!, machine, picked);
        return Ok(new { yaml });
    }

    private AddressTable? Addresses() => _runtime()?.Config is { } config ? new AddressTable(config) : null;

    private IReadOnlyList<object> AddressSources() => Addresses()?.Sources ?? [];

    /// <summary>
    /// A test read of the address table's rows (admin only where a login is required, as it makes the gateway connect
    /// where the page says): each row's value or why it failed; 502 when the device cannot be reached at all.
    /// </summary>
    private async Task<HttpAnswer> TestReadAsync(HttpRequest request, ConsoleIdentity identity, CancellationToken cancellationToken)
    {
        if (!identity.IsAdmin)
        {
            return Problem(403, $"{identity.User} is a viewer: only an admin may read a device from the console");
        }

        using var body = JsonDocument.Parse(request.Body);
        var (target, rows) = AddressTableOf(body.RootElement);
        var table = Addresses() ?? throw new ArgumentException("the data path is not running");
        try
        {
            var results = await table.TestReadAsync(target, rows, cancellationToken);
            _logger.LogInformation("Console: {User} test-read {Rows} address(es) of {Target}", identity.User, rows.Count, target.Source ?? $"{target.Kind}://{target.Host}:{target.Port}");
            return Ok(new { rows = results });
        }
        catch (Exception e) when (e is IOException or TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            return Problem(502, $"the test read failed: {e.Message}");
        }
    }

    private HttpAnswer AddressTemplate(HttpRequest request)
    {
        using var body = JsonDocument.Parse(request.Body);
        var (target, rows) = AddressTableOf(body.RootElement);
        var table = Addresses() ?? throw new ArgumentException("the data path is not running");
        var machine = body.RootElement.TryGetProperty("machine", out var m) && m.GetString() is { Length: > 0 } name ? name : "table-machine";
        return Ok(new { yaml = table.TemplateYaml(target, machine, rows) });
    }

    /// <summary>{kind, source | host, port, unitId, frame, cpu, rows: [{name, address, type, length, scale, unit}]}.</summary>
    private static (AddressTarget Target, IReadOnlyList<AddressRow> Rows) AddressTableOf(JsonElement root)
    {
        static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        static double? Number(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.Number => v.GetDouble(),
            JsonValueKind.String when !string.IsNullOrWhiteSpace(v.GetString()) => double.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            _ => null,
        } : null;
        static int? Whole(JsonElement e, string name) => Number(e, name) is { } n ? (int)n : null;

        var target = new AddressTarget(Text(root, "kind") ?? "", Text(root, "source"), Text(root, "host"), Whole(root, "port"), Whole(root, "unitId"), Text(root, "frame"), Text(root, "cpu"));
        var rows = root.GetProperty("rows").EnumerateArray()
            .Select(r => new AddressRow(Text(r, "name") ?? "", Text(r, "address") ?? "", Text(r, "type"), Whole(r, "length"), Number(r, "scale"), Text(r, "unit")))
            .Where(r => r.Name.Length > 0 || r.Address.Length > 0)
            .ToList();
        if (rows.Count == 0)
        {
            throw new ArgumentException("fill at least one row (name and address)");
        }

        if (rows.FirstOrDefault(r => r.Name.Length == 0 || r.Address.Length == 0) is { } half)
        {
            throw new ArgumentException($"every row needs a name and an address ('{half.Name}{half.Address}' lacks one)");
        }

        return (target, rows);
    }

    private object Logs(HttpRequest request)
    {
        var level = request.QueryValue("level");
        var minimum = Enum.TryParse<LogLevel>(level, ignoreCase: true, out var parsed) ? parsed : LogLevel.Trace;
        var text = request.QueryValue("text");
        var limit = int.TryParse(request.QueryValue("limit"), out var l) ? Math.Clamp(l, 1, RecentLogLines.Capacity) : 200;
        var lines = (_logLines?.Snapshot() ?? [])
            .Where(line => Enum.Parse<LogLevel>(line.Level) >= minimum)
            .Where(line => string.IsNullOrEmpty(text) || line.Category.Contains(text, StringComparison.OrdinalIgnoreCase) || line.Message.Contains(text, StringComparison.OrdinalIgnoreCase))
            .TakeLast(limit)
            .ToList();
        return new { lines };
    }

    private static string TextOf(HttpRequest request)
    {
        using var body = JsonDocument.Parse(request.Body);
        return body.RootElement.GetProperty("text").GetString() ?? "";
    }

    private static HttpAnswer Ok(object body) => Json(200, body);

    // What the API says quotes endpoints and server messages: a secret (a host from ${file:}) is masked here too.
    private static HttpAnswer Json(int status, object body) =>
        HttpAnswer.Text(status, SecretRegistry.Process.RedactJson(JsonSerializer.Serialize(body, body.GetType(), JsonOptions)), "application/json; charset=utf-8");

    private static HttpAnswer Problem(int status, string message) => Json(status, new { error = message });
}

/// <summary>Readings per second of each machine and sink, from the counters' change since the previous sample.</summary>
internal sealed class ReadingRates
{
    private readonly Lock _gate = new();
    private Dictionary<string, long> _previous = new(StringComparer.Ordinal);
    private Dictionary<string, double> _rates = new(StringComparer.Ordinal);
    private DateTime _previousAt;

    public IReadOnlyDictionary<string, double> Sample(GatewayRuntime? runtime)
    {
        lock (_gate)
        {
            var now = DateTime.UtcNow;
            if (runtime is null || (now - _previousAt).TotalSeconds < 1)
            {
                return _rates;
            }

            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var source in runtime.Sources)
            {
                foreach (var (machine, activity) in source.Activity.Machines)
                {
                    counts[$"{source.Config.Name}/{machine}"] = activity.Readings;
                }
            }

            foreach (var sink in runtime.Sinks)
            {
                counts["sink:" + sink.Config.Name] = sink.Loop.Status.Delivered;
            }

            var seconds = (now - _previousAt).TotalSeconds;
            _rates = counts.ToDictionary(
                c => c.Key,
                c => _previous.TryGetValue(c.Key, out var before) && c.Value >= before ? Math.Round((c.Value - before) / seconds, 1) : 0,
                StringComparer.Ordinal);
            _previous = counts;
            _previousAt = now;
            return _rates;
        }
    }
}
