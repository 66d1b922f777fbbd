using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Gateway.Configuration.Model;
using Gateway.Sinks.Mqtt;

namespace Gateway.Host.WebConsole;

/// <summary>Who is asking: a user and a role (viewer or admin) and the anti-CSRF token of their session.</summary>
public sealed record ConsoleIdentity(string User, string Role, string CsrfToken)
{
    public bool IsAdmin => Role == "admin";
}

/// <summary>
/// The console's security model (docs/console.md, "Security"). On a loopback-only listener the console is read-write
/// without a login, as anyone who can run `gateway cert` there already can. Bound to any other address (or with
/// `requireLogin: true`), every page and API needs a login: users from the YAML, a session in an HttpOnly SameSite
/// cookie, and every change carries the session's token and a same-origin Origin header.
/// </summary>
public sealed class ConsoleSecurity
{
    public const string SessionCookie = "gateway_console";
    public const string CsrfHeader = "X-CSRF-Token";

    private readonly Action<string> _warn;
    private volatile Dictionary<string, (BrokerPasswordHash Hash, string Role)> _users;
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly TimeSpan _sessionLifetime;
    private readonly HashSet<string> _openEndpoints;
    private readonly ConsoleIdentity _local = new("local", "admin", NewToken());

    public ConsoleSecurity(HttpConfig http, Action<string> warn)
    {
        LoginRequired = http.Console.RequireLogin || !Monitoring.MonitoringEndpoint.IsLoopback(http.Listen);
        _sessionLifetime = TimeSpan.FromMinutes(http.Console.SessionMinutes);
        _openEndpoints = new HashSet<string>(http.Console.OpenEndpoints.Select(e => "/" + e.Trim('/')), StringComparer.Ordinal);
        _warn = warn;
        _users = UsersOf(http, warn);
        if (LoginRequired && _users.Count == 0 && http.Console.Enabled)
        {
            warn($"http.listen {http.Listen} is not loopback, so the web console requires a login, and http.console.users names nobody: add a user (`gateway passwd` makes the hash).");
        }
    }

    /// <summary>
    /// The users of a reloaded configuration (the hot reload's `http` section): new users may log in at once; a session of
    /// a user who was removed or whose role or password hash changed ends. Returns the number of sessions ended.
    /// </summary>
    public int ReplaceUsers(HttpConfig http)
    {
        var users = UsersOf(http, _warn);
        var before = _users;
        _users = users;
        var ended = 0;
        foreach (var (token, session) in _sessions)
        {
            var user = session.Identity.User;
            if (!users.TryGetValue(user, out var now) || !before.TryGetValue(user, out var then) || now.Role != then.Role || now.Hash.ToString() != then.Hash.ToString())
            {
                ended += _sessions.TryRemove(token, out _) ? 1 : 0;
            }
        }

        return ended;
    }

    private static Dictionary<string, (BrokerPasswordHash Hash, string Role)> UsersOf(HttpConfig http, Action<string> warn)
    {
        var users = new Dictionary<string, (BrokerPasswordHash Hash, string Role)>(StringComparer.Ordinal);
        foreach (var user in http.Console.Users)
        {
            if (BrokerPasswordHash.TryParse(user.PasswordHash, out var hash, out var problem))
            {
                users[user.Name] = (hash, user.Role);
            }
            else
            {
                warn($"http.console.users: user {user.Name} cannot log in: {problem}");
            }
        }

        return users;
    }

    /// <summary>True when every page needs a login (a non-loopback bind, or requireLogin).</summary>
    public bool LoginRequired { get; }

    public bool IsOpen(string path) => _openEndpoints.Contains("/" + path.Trim('/'));

    /// <summary>The identity of a request: the local admin where no login is required, else its session's user, else null.</summary>
    public ConsoleIdentity? Identify(HttpRequest request)
    {
        if (!LoginRequired)
        {
            return _local;
        }

        if (request.Cookie(SessionCookie) is not { Length: > 0 } token || !_sessions.TryGetValue(token, out var session))
        {
            return null;
        }

        var now = DateTime.UtcNow;
        if (now - session.LastUsed > _sessionLifetime)
        {
            _sessions.TryRemove(token, out _);
            return null;
        }

        session.LastUsed = now;
        return session.Identity;
    }

    /// <summary>Checks a password (PBKDF2, constant-time compare); on success a new session token, else null.</summary>
    public (string Token, ConsoleIdentity Identity)? LogIn(string user, string password)
    {
        if (!_users.TryGetValue(user, out var known) || !known.Hash.Verify(Encoding.UTF8.GetBytes(password)))
        {
            return null;
        }

        foreach (var stale in _sessions.Where(s => DateTime.UtcNow - s.Value.LastUsed > _sessionLifetime).Select(s => s.Key).ToList())
        {
            _sessions.TryRemove(stale, out _);
        }

        var token = NewToken();
        var identity = new ConsoleIdentity(user, known.Role, NewToken());
        _sessions[token] = new Session(identity) { LastUsed = DateTime.UtcNow };
        return (token, identity);
    }

    public void LogOut(HttpRequest request)
    {
        if (request.Cookie(SessionCookie) is { } token)
        {
            _sessions.TryRemove(token, out _);
        }
    }

    public string SessionCookieHeader(string token, bool https) =>
        $"{SessionCookie}={token}; Path=/; HttpOnly; SameSite=Strict{(https ? "; Secure" : "")}";

    public static string ExpiredCookieHeader(bool https) =>
        $"{SessionCookie}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{(https ? "; Secure" : "")}";

    /// <summary>
    /// Why a request that changes something is refused (a cross-site request), or null: its Origin must be this
    /// listener's own (scheme and Host), and the session's token must come in the X-CSRF-Token header, which a page
    /// of another site can neither read nor send without a CORS preflight this listener never grants.
    /// </summary>
    public static string? CrossSiteProblem(HttpRequest request, ConsoleIdentity? identity)
    {
        var origin = request.Header("Origin");
        var host = request.Header("Host");
        if (origin is null || host is null || !string.Equals(origin, $"{(request.IsHttps ? "https" : "http")}://{host}", StringComparison.OrdinalIgnoreCase))
        {
            return $"refused: a change must come from this console's own page (Origin '{origin ?? "(none)"}' is not this listener)";
        }

        if (identity is not null && !FixedTimeEquals(request.Header(CsrfHeader), identity.CsrfToken))
        {
            return $"refused: the {CsrfHeader} header is missing or not this session's; reload the page";
        }

        return null;
    }

    /// <summary>
    /// Where no login is required, the Host header must name this machine: otherwise a web page whose DNS name is
    /// re-pointed at 127.0.0.1 (DNS rebinding) would be same-origin with the console. /metrics and the health paths
    /// keep taking any Host header.
    /// </summary>
    public bool HostIsAcceptable(HttpRequest request)
    {
        if (LoginRequired)
        {
            return true;
        }

        var host = request.Header("Host") ?? "";
        if (host.StartsWith('['))
        {
            host = host[1..host.IndexOf(']', StringComparison.Ordinal)];
        }
        else if (host.LastIndexOf(':') is var colon and > 0)
        {
            host = host[..colon];
        }

        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    private static bool FixedTimeEquals(string? given, string expected) =>
        given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));

    private static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed class Session(ConsoleIdentity identity)
    {
        public ConsoleIdentity Identity { get; } = identity;

        public DateTime LastUsed { get; set; }
    }
}
