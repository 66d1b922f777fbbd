using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Gateway.Console.Tests;

/// <summary>The console's HTTP API and its security model, over HTTP against the running gateways of <see cref="ConsoleGateways"/>.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleApiTests(ConsoleGateways gateways)
{
    [Fact]
    public async Task Pages_carry_an_etag_and_a_revalidation_answers_304()
    {
        using var http = new HttpClient();
        using var first = await http.GetAsync(gateways.Open.Url + "/assets/app.js");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("text/javascript", first.Content.Headers.ContentType?.MediaType);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        Assert.Equal("no-cache", first.Headers.CacheControl?.ToString());

        using var again = new HttpRequestMessage(HttpMethod.Get, gateways.Open.Url + "/assets/app.js");
        again.Headers.IfNoneMatch.Add(etag);
        using var second = await http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task The_loopback_console_answers_only_to_a_loopback_host_name_while_metrics_take_any()
    {
        using var http = new HttpClient();
        using var rebound = new HttpRequestMessage(HttpMethod.Get, gateways.Open.Url + "/api/session");
        rebound.Headers.Host = "attacker.example";
        using var refused = await http.SendAsync(rebound);
        using var metricsRequest = new HttpRequestMessage(HttpMethod.Get, gateways.Open.Url + "/metrics");
        metricsRequest.Headers.Host = "attacker.example";
        using var metrics = await http.SendAsync(metricsRequest);
        using var localhost = new HttpRequestMessage(HttpMethod.Get, gateways.Open.Url + "/api/session");
        localhost.Headers.Host = "localhost";
        using var session = await http.SendAsync(localhost);

        Assert.Equal(HttpStatusCode.MisdirectedRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        var body = await session.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(body.GetProperty("loginRequired").GetBoolean());
        Assert.Equal("admin", body.GetProperty("role").GetString());
    }

    [Fact]
    public async Task A_change_without_the_token_or_from_another_origin_is_refused_and_logged()
    {
        using var http = new HttpClient();
        var token = (await gateways.Open.GetJsonAsync("/api/session")).GetProperty("csrfToken").GetString()!;
        var before = await File.ReadAllTextAsync(gateways.Open.ConfigPath);
        var edited = before.Replace("name: demo-gateway", "name: forged-gateway", StringComparison.Ordinal);

        using var otherOrigin = Post(gateways.Open.Url + "/api/config/apply", new { text = edited }, "http://attacker.example", token);
        using var crossSite = await http.SendAsync(otherOrigin);
        using var noToken = Post(gateways.Open.Url + "/api/config/apply", new { text = edited }, gateways.Open.Url, null);
        using var withoutToken = await http.SendAsync(noToken);

        Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, withoutToken.StatusCode);
        Assert.Equal(before, await File.ReadAllTextAsync(gateways.Open.ConfigPath));
        await gateways.Open.Program.WaitForOutputAsync("Console: refused POST /api/config/apply", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task The_configuration_is_shown_with_its_secrets_masked_and_checked_like_gateway_validate()
    {
        var config = await gateways.Open.GetJsonAsync("/api/config");
        var text = config.GetProperty("text").GetString()!;
        Assert.DoesNotContain(ConsoleGateways.InfluxToken, text, StringComparison.Ordinal);
        Assert.Contains("token: ***", text, StringComparison.Ordinal);

        // The masked text as the page shows it is valid: the masked line is put back as the file has it.
        var token = (await gateways.Open.GetJsonAsync("/api/session")).GetProperty("csrfToken").GetString()!;
        using var http = new HttpClient();
        using var masked = await http.SendAsync(Post(gateways.Open.Url + "/api/config/validate", new { text }, gateways.Open.Url, token));
        var maskedCheck = await masked.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(maskedCheck.GetProperty("valid").GetBoolean(), maskedCheck.ToString());

        // A mistake: the same PATH:LINE:COLUMN message as `gateway validate` on the same text gives.
        var broken = text.Replace("  rateMs: 500", "  rateMs: 500\n  speed: fast", StringComparison.Ordinal);
        using var checkedBroken = await http.SendAsync(Post(gateways.Open.Url + "/api/config/validate", new { text = broken }, gateways.Open.Url, token));
        var check = await checkedBroken.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(check.GetProperty("valid").GetBoolean());
        var problem = Assert.Single(check.GetProperty("problems").EnumerateArray()).GetString()!;

        var copy = Path.Combine(gateways.Open.Directory, "copy-for-validate.yml");
        await File.WriteAllTextAsync(copy, broken.Replace("token: ***", "token: " + ConsoleGateways.InfluxToken, StringComparison.Ordinal));
        var (exit, output) = await RunningGateway.RunCliAsync("validate", "--config", copy);
        File.Delete(copy);
        Assert.Equal(1, exit);
        Assert.StartsWith(gateways.Open.ConfigPath + ":", problem, StringComparison.Ordinal);
        Assert.Contains(problem.Replace(gateways.Open.ConfigPath, copy, StringComparison.Ordinal), output, StringComparison.Ordinal);
        Assert.Contains("unknown key 'speed'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Where_a_login_is_required_every_path_needs_one_except_the_open_endpoints()
    {
        using var http = new HttpClient();
        foreach (var path in new[] { "/api/overview", "/api/certificates", "/metrics", "/status", "/readyz" })
        {
            using var response = await http.GetAsync(gateways.Guarded.Url + path);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {(int)response.StatusCode}");
        }

        using var healthz = await http.GetAsync(gateways.Guarded.Url + "/healthz");
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        var session = await (await http.GetAsync(gateways.Guarded.Url + "/api/session")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(session.GetProperty("loginRequired").GetBoolean());
        Assert.Equal(JsonValueKind.Null, session.GetProperty("user").ValueKind);
    }

    [Fact]
    public async Task A_login_sets_an_httponly_samesite_cookie_and_a_viewer_may_read_but_not_trust()
    {
        var url = gateways.Guarded.Url;
        using var wrong = await LogInAsync("viewer", "not-the-password");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Response.StatusCode);

        using var viewer = await LogInAsync("viewer", ConsoleGateways.ViewerPassword);
        Assert.Equal(HttpStatusCode.OK, viewer.Response.StatusCode);
        var cookie = Assert.Single(viewer.Response.Headers.GetValues("Set-Cookie"));
        Assert.Contains("HttpOnly", cookie, StringComparison.Ordinal);
        Assert.Contains("SameSite=Strict", cookie, StringComparison.Ordinal);

        using var overview = await viewer.Client.GetAsync(url + "/api/overview");
        Assert.Equal(HttpStatusCode.OK, overview.StatusCode);
        var rejected = await WaitForRejectedAsync(viewer.Client, url);
        using var trust = await viewer.Client.SendAsync(Post(url + "/api/certificates/trust", new { thumbprint = rejected }, url, viewer.CsrfToken));
        Assert.Equal(HttpStatusCode.Forbidden, trust.StatusCode);
        Assert.Contains("viewer", await trust.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.Combine(gateways.Guarded.PkiDirectory, "rejected", "certs")));

        // An admin may, with the token; the change is logged with the user's name.
        using var admin = await LogInAsync("admin", ConsoleGateways.AdminPassword);
        using var noToken = await admin.Client.SendAsync(Post(url + "/api/certificates/trust", new { thumbprint = rejected }, url, null));
        Assert.Equal(HttpStatusCode.Forbidden, noToken.StatusCode);
        using var trusted = await admin.Client.SendAsync(Post(url + "/api/certificates/trust", new { thumbprint = rejected }, url, admin.CsrfToken));
        Assert.Equal(HttpStatusCode.OK, trusted.StatusCode);
        Assert.Contains(Directory.GetFiles(Path.Combine(gateways.Guarded.PkiDirectory, "trusted", "certs")), f => f.Contains(rejected, StringComparison.OrdinalIgnoreCase));
        await gateways.Guarded.Program.WaitForOutputAsync($"Console: admin trusted certificate", TimeSpan.FromSeconds(30));

        // Logged out, the cookie no longer opens anything.
        using var logout = await admin.Client.SendAsync(Post(url + "/api/logout", new { }, url, admin.CsrfToken));
        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        using var after = await admin.Client.GetAsync(url + "/api/overview");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Gateway_passwd_makes_a_hash_the_console_accepts()
    {
        var file = Path.Combine(gateways.Guarded.Directory, "password.txt");
        await File.WriteAllTextAsync(file, "a-new-password\n");
        var (exit, output) = await RunningGateway.RunCliAsync("passwd", "--password-file", file);
        File.Delete(file);

        Assert.Equal(0, exit);
        Assert.True(Gateway.Sinks.Mqtt.BrokerPasswordHash.TryParse(output.Trim(), out var hash, out var problem), problem);
        Assert.True(hash.Verify("a-new-password"u8));
        Assert.False(hash.Verify("another"u8));
    }

    private async Task<string> WaitForRejectedAsync(HttpClient client, string url)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            var certificates = await client.GetFromJsonAsync<JsonElement>(url + "/api/certificates");
            var rejected = certificates.GetProperty("rejected").EnumerateArray().Select(c => c.GetProperty("thumbprint").GetString()!).ToList();
            if (rejected.Contains(gateways.SecureServer.CertificateThumbprint, StringComparer.OrdinalIgnoreCase))
            {
                return gateways.SecureServer.CertificateThumbprint;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the secure server's certificate was not rejected within a minute: {certificates}");
            await Task.Delay(250);
        }
    }

    private sealed record Login(HttpResponseMessage Response, HttpClient Client, string? CsrfToken) : IDisposable
    {
        public void Dispose()
        {
            Response.Dispose();
            Client.Dispose();
        }
    }

    private async Task<Login> LogInAsync(string user, string password)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() });
        var response = await client.SendAsync(Post(gateways.Guarded.Url + "/api/login", new { user, password }, gateways.Guarded.Url, null));
        string? token = null;
        if (response.IsSuccessStatusCode)
        {
            token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrfToken").GetString();
        }

        return new Login(response, client, token);
    }

    private static HttpRequestMessage Post(string url, object body, string? origin, string? csrfToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (csrfToken is not null)
        {
            request.Headers.Add("X-CSRF-Token", csrfToken);
        }

        return request;
    }
}
