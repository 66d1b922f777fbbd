using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Melsec.Devices;
using Gateway.Melsec.Server;
using Gateway.Sinks.Mqtt;
using Gateway.Testing;

namespace Gateway.Console.Tests;

/// <summary>
/// The API behind the typed-in endpoint, the address table and the reload of users and TLS, against the running
/// gateways of <see cref="ConsoleGateways"/>; the MELSEC reads go to our own MC protocol server (`McServer`, the one the
/// simulator serves), started here with known device values.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleCommissioningApiTests(ConsoleGateways gateways)
{
    [Fact]
    public async Task An_untrusted_certificate_of_an_endpoint_typed_in_is_refused_and_listed_for_trust()
    {
        var url = gateways.Tls.Url;
        using var client = RunningGateway.TrustingClient(gateways.TlsCertificates);
        var token = await LogInAsync(client, url, "admin", ConsoleGateways.AdminPassword);
        var body = new
        {
            endpoint = gateways.SecureServer.EndpointUrl,
            security = new { mode = "signAndEncrypt", policy = "Basic256Sha256" },
            identity = new { type = "username", username = NodeOpcUaSecureServer.UserName, password = NodeOpcUaSecureServer.Password },
        };

        // Without the token: refused like every other change.
        using var noToken = await client.SendAsync(Post(url + "/api/browse/endpoint", body, url, null));
        Assert.Equal(HttpStatusCode.Forbidden, noToken.StatusCode);

        using var browse = await client.SendAsync(Post(url + "/api/browse/endpoint", body, url, token));
        var answer = await browse.Content.ReadAsStringAsync();
        Assert.True(browse.StatusCode == HttpStatusCode.BadGateway, answer);
        var json = JsonDocument.Parse(answer).RootElement;
        Assert.True(json.GetProperty("certificateRejected").GetBoolean(), answer);
        Assert.Contains("Certificates page", json.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(NodeOpcUaSecureServer.Password, answer, StringComparison.Ordinal);

        // The certificate waits in rejected/, listed by the Certificates page with its Trust button; nothing was trusted.
        var certificates = await client.GetFromJsonAsync<JsonElement>(url + "/api/certificates");
        Assert.Contains(certificates.GetProperty("rejected").EnumerateArray(), c => string.Equals(c.GetProperty("thumbprint").GetString(), gateways.SecureServer.CertificateThumbprint, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(certificates.GetProperty("trusted").EnumerateArray(), c => string.Equals(c.GetProperty("thumbprint").GetString(), gateways.SecureServer.CertificateThumbprint, StringComparison.OrdinalIgnoreCase));
        await gateways.Tls.Program.WaitForOutputAsync("its certificate is not trusted", TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(NodeOpcUaSecureServer.Password, gateways.Tls.Program.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_melsec_address_table_reads_our_mc_server_and_says_per_row_what_is_wrong()
    {
        var memory = new DeviceMemory();
        memory.Update(m =>
        {
            m.SetInt16(DeviceAddress.Parse("D100", octalInputs: false), -1234);
            m.SetInt32(DeviceAddress.Parse("D102", octalInputs: false), 70_000);
            m.SetFloat32(DeviceAddress.Parse("D104", octalInputs: false), 12.5f);
            m.SetBit(DeviceAddress.Parse("M0", octalInputs: false), true);
        });
        await using var plc = McServer.Start(memory);
        plc.Refuses = address => address.Device == DeviceTypes.D && address.Number == 500;
        var rows = new object[]
        {
            new { name = "state", address = "D100" },
            new { name = "count", address = "D102", type = "int32" },
            new { name = "force", address = "D104", type = "float32", scale = 2, unit = "kN" },
            new { name = "running", address = "M0" },
            new { name = "typo", address = "Q100" },
            new { name = "word as bit", address = "D106", type = "bit" },
            new { name = "refused", address = "D500" },
        };
        var results = await PostOpenAsync("/api/addresses/read", new { kind = "melsec", host = "127.0.0.1", port = plc.Port, rows });
        var byName = results.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);

        Assert.Equal("-1234", byName["state"].GetProperty("value").GetString());
        Assert.Equal("70000", byName["count"].GetProperty("value").GetString());
        Assert.Equal("25 kN", byName["force"].GetProperty("value").GetString());
        Assert.Equal("12.5", byName["force"].GetProperty("raw").GetString());
        Assert.Equal("True", byName["running"].GetProperty("value").GetString(), ignoreCase: true);
        Assert.All(new[] { "state", "count", "force", "running" }, n => Assert.Equal("Good", byName[n].GetProperty("status").GetString()));

        // Each bad row says what is wrong with it, and the others were still read.
        Assert.Equal("BadConfiguration", byName["typo"].GetProperty("status").GetString());
        Assert.Contains("tag 'typo'", byName["typo"].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("Q100", byName["typo"].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("word device", byName["word as bit"].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("D500", byName["refused"].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("C05B", byName["refused"].GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.NotEqual("Good", byName["refused"].GetProperty("status").GetString());

        // The template for the good rows names the devices as the YAML does, and `gateway validate` accepts it.
        var good = rows.Take(4).ToArray();
        var template = await PostOpenAsync("/api/addresses/template", new { kind = "melsec", host = "127.0.0.1", port = plc.Port, machine = "press-07", rows = good });
        var yaml = template.GetProperty("yaml").GetString()!;
        Assert.Contains("- { name: force, device: \"D104\", type: float32, normalize: { scale: 2, unit: \"kN\" } }", yaml, StringComparison.Ordinal);
        Assert.Contains("type: melsec", yaml, StringComparison.Ordinal);
        var file = Path.Combine(gateways.Open.Directory, "melsec-table.yml");
        await File.WriteAllTextAsync(file, "gateway:\n  name: table\n  labels: { site: test }\n  dataDirectory: data\n" + yaml + "sinks:\n  - { type: mqtt, name: mqtt, embedded: true, port: 1883 }\n");
        var (exit, output) = await RunningGateway.RunCliAsync("validate", "--config", file);
        File.Delete(file);
        Assert.True(exit == 0, output + "\n" + yaml);
    }

    [Fact]
    public async Task A_configured_modbus_source_is_test_read_with_its_own_settings()
    {
        var rows = new object[] { new { name = "power", address = "input:0", type = "float32" }, new { name = "state", address = "40201" } };
        var results = await PostOpenAsync("/api/addresses/read", new { source = "shop-modbus", unitId = 2, rows });
        var read = results.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(2, read.Count);

        // Unit 2 is the PLC: it has holding registers, not the meter's input registers.
        Assert.Equal("Good", read[1].GetProperty("status").GetString());
        Assert.NotEqual("Good", read[0].GetProperty("status").GetString());
        Assert.Contains("input:0 on unit 2", read[0].GetProperty("error").GetString(), StringComparison.Ordinal);

        var template = await PostOpenAsync("/api/addresses/template", new { source = "shop-modbus", unitId = 2, machine = "press-01-more", rows });
        var yaml = template.GetProperty("yaml").GetString()!;
        Assert.Contains("under sources: -> shop-modbus -> machines:", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("\nsources:", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_added_by_apply_logs_in_without_a_restart_and_a_new_tls_certificate_serves_the_next_connections()
    {
        var url = gateways.Tls.Url;
        using var admin = RunningGateway.TrustingClient(gateways.TlsCertificates);
        var token = await LogInAsync(admin, url, "admin", ConsoleGateways.AdminPassword);
        using (var before = RunningGateway.TrustingClient(gateways.TlsCertificates))
        {
            using var refused = await before.SendAsync(Post(url + "/api/login", new { user = "kim", password = "kim-pass-1" }, url, null));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var text = await File.ReadAllTextAsync(gateways.Tls.ConfigPath);
        var kim = BrokerPasswordHash.Create("kim-pass-1", BrokerPasswordHash.MinimumIterations);
        var edited = text
            .Replace("role: admin }", $"role: admin }}\n      - {{ name: kim, passwordHash: \"{kim}\", role: viewer }}", StringComparison.Ordinal)
            .Replace(gateways.TlsCertificates.Certificate, gateways.TlsCertificates.SecondCertificate, StringComparison.Ordinal)
            .Replace(gateways.TlsCertificates.Key, gateways.TlsCertificates.SecondKey, StringComparison.Ordinal);
        Assert.NotEqual(text, edited);
        using var apply = await admin.SendAsync(Post(url + "/api/config/apply", new { text = edited }, url, token));
        Assert.True(apply.IsSuccessStatusCode, await apply.Content.ReadAsStringAsync());

        // Kim logs in, as a viewer, once the reload has run (the same process: nothing restarted it).
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            using var client = RunningGateway.TrustingClient(gateways.TlsCertificates);
            using var login = await client.SendAsync(Post(url + "/api/login", new { user = "kim", password = "kim-pass-1" }, url, null));
            if (login.StatusCode == HttpStatusCode.OK)
            {
                Assert.Equal("viewer", (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("role").GetString());
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"kim could not log in a minute after the apply: {(int)login.StatusCode}\n{gateways.Tls.Program.Output}");
            await Task.Delay(250);
        }

        await gateways.Tls.Program.WaitForOutputAsync("TLS certificate CN=console-renewed", TimeSpan.FromSeconds(30));
        string? presented = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                presented = certificate?.Thumbprint;
                return gateways.TlsCertificates.Thumbprints.Contains(certificate?.Thumbprint ?? "", StringComparer.OrdinalIgnoreCase);
            },
        };
        using var fresh = new HttpClient(handler);
        using var healthz = await fresh.GetAsync(url + "/api/session");
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal(gateways.TlsCertificates.Thumbprints[1], presented, ignoreCase: true);

        // The admin's session survived the reload (same user, same role).
        using var overview = await admin.GetAsync(url + "/api/overview");
        Assert.Equal(HttpStatusCode.OK, overview.StatusCode);
    }

    private async Task<JsonElement> PostOpenAsync(string path, object body)
    {
        using var http = new HttpClient();
        var token = (await gateways.Open.GetJsonAsync("/api/session")).GetProperty("csrfToken").GetString();
        using var response = await http.SendAsync(Post(gateways.Open.Url + path, body, gateways.Open.Url, token));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<string> LogInAsync(HttpClient client, string url, string user, string password)
    {
        using var response = await client.SendAsync(Post(url + "/api/login", new { user, password }, url, null));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"login as {user}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrfToken").GetString()!;
    }

    private static HttpRequestMessage Post(string url, object body, string origin, string? csrfToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        request.Headers.Add("Origin", origin);
        if (csrfToken is not null)
        {
            request.Headers.Add("X-CSRF-Token", csrfToken);
        }

        return request;
    }
}
