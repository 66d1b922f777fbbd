using System.Text.Json;
using Xunit.Abstractions;

namespace Gateway.Console.Tests;

/// <summary>
/// The console in a second engine: Debian's Firefox ESR (Gecko), headless, over WebDriver BiDi (<see cref="FirefoxBiDi"/>),
/// against the same running gateways as the Chromium tests. Live updates (server-sent events), the module scripts,
/// the language switch, the login form and TLS are what differ between engines, so those are what this checks.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class FirefoxConsoleTests(ConsoleGateways gateways, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);
    private static readonly string[] SimulatedMachines = ["cnc-01", "cnc-02", "press-01", "mould-01"];
    private FirefoxBiDi _firefox = null!;

    public async Task InitializeAsync() => _firefox = await FirefoxBiDi.StartAsync();

    public async Task DisposeAsync() => await _firefox.DisposeAsync();

    [Fact]
    public async Task Firefox_shows_the_overview_live_the_machine_page_updating_and_switches_to_korean()
    {
        await _firefox.NavigateAsync(gateways.Open.Url + "/#/overview");
        await WaitAsync("the four machines with readings", async () =>
        {
            var ages = await _firefox.EvaluateAsync(
                "Array.from(document.querySelectorAll('#machines tr[data-machine]')).map(r => [r.dataset.machine, r.querySelector('td.age')?.innerText ?? ''])");
            var shown = ages.EnumerateArray().ToDictionary(a => a[0].GetString()!, a => a[1].GetString()!);
            return SimulatedMachines.All(m => shown.TryGetValue(m, out var age) && age.EndsWith(" s", StringComparison.Ordinal));
        });
        await WaitAsync("the simulator source connected", async () => await TextAsync("#sources tr[data-source='simulator'] td.state") == "Connected");
        await ScreenshotAsync("firefox-overview");

        await _firefox.NavigateAsync(gateways.Open.Url + "/#/machine/cnc-01");
        await WaitAsync("spindle_speed with a Good value", async () =>
            await TextAsync("#tags tr[data-tag='spindle_speed'] td.value") is { Length: > 0 }
            && await TextAsync("#tags tr[data-tag='spindle_speed'] td:nth-child(3)") == "Good");
        var first = await TextAsync("#tags tr[data-tag='spindle_speed'] td:nth-child(4)");
        // A newer source timestamp with no navigation in between: the page follows the server-sent events by itself.
        await WaitAsync("a newer source timestamp without a reload", async () =>
            await TextAsync("#tags tr[data-tag='spindle_speed'] td:nth-child(4)") is { Length: > 0 } later && later != first);
        await WaitAsync("a trend line", async () =>
            (await _firefox.EvaluateAsync("document.querySelectorAll(\"#tags tr[data-tag='spindle_speed'] svg.trend polyline\").length")).GetInt32() == 1);
        await ScreenshotAsync("firefox-machine");

        await _firefox.NavigateAsync(gateways.Open.Url + "/#/overview");
        await WaitAsync("the overview", async () => await TextAsync("#machines") is not null);
        await _firefox.EvaluateAsync("(() => { const s = document.querySelector('#language'); s.value = 'ko'; s.dispatchEvent(new Event('change')); return true; })()");
        try
        {
            await WaitAsync("Korean navigation", async () => await TextAsync("#nav a[data-page='certificates']") == "인증서");
            await ScreenshotAsync("firefox-overview-korean");
        }
        finally
        {
            await _firefox.EvaluateAsync("(() => { const s = document.querySelector('#language'); s.value = 'en'; s.dispatchEvent(new Event('change')); return true; })()");
        }
    }

    [Fact]
    public async Task Firefox_logs_in_as_a_viewer_who_cannot_trust_and_logs_out()
    {
        await _firefox.NavigateAsync(gateways.Guarded.Url + "/#/certificates");
        await WaitAsync("the login form", async () => await TextAsync("#login-form") is not null);
        await ScreenshotAsync("firefox-login");

        await LogInAsync("viewer", "wrong");
        await WaitAsync("the refusal", async () => await TextAsync("#login-error") is { Length: > 0 });
        await LogInAsync("viewer", ConsoleGateways.ViewerPassword);
        await WaitAsync("the certificates page as viewer", async () =>
            await TextAsync("#rejected") is not null && await TextAsync("#who") == "viewer (viewer)");
        var enabled = await _firefox.EvaluateAsync("Array.from(document.querySelectorAll('button.trust, button.remove')).filter(b => !b.disabled).length");
        Assert.Equal(0, enabled.GetInt32());
        await ScreenshotAsync("firefox-certificates-viewer");

        await _firefox.EvaluateAsync("(() => { document.querySelector('#logout').click(); return true; })()");
        await WaitAsync("the login form again", async () => await TextAsync("#login-form") is not null);
    }

    [Fact]
    public async Task Firefox_logs_in_over_https_and_sees_the_overview()
    {
        Assert.StartsWith("https://localhost:", gateways.Tls.Url, StringComparison.Ordinal);
        await _firefox.NavigateAsync(gateways.Tls.Url + "/#/overview");
        await WaitAsync("the login form over https", async () => await TextAsync("#login-form") is not null);
        Assert.Equal("https:", (await _firefox.EvaluateAsync("location.protocol")).GetString());
        await LogInAsync("admin", ConsoleGateways.AdminPassword);
        await WaitAsync("the overview with the Modbus source connected", async () => await TextAsync("#sources tr[data-source='meter'] td.state") == "Connected");
        Assert.Equal("admin (admin)", await TextAsync("#who"));
        await ScreenshotAsync("firefox-overview-tls");
    }

    private async Task LogInAsync(string user, string password)
    {
        var script = $$"""
            (() => {
              document.querySelector('#login-user').value = {{JsonSerializer.Serialize(user)}};
              document.querySelector('#login-password').value = {{JsonSerializer.Serialize(password)}};
              document.querySelector('#login-submit').click();
              return true;
            })()
            """;
        await _firefox.EvaluateAsync(script);
    }

    /// <summary>The element's rendered text, or null when no element matches.</summary>
    private async Task<string?> TextAsync(string css)
    {
        var text = await _firefox.EvaluateAsync($"document.querySelector({JsonSerializer.Serialize(css)})?.innerText ?? null");
        return text.ValueKind == JsonValueKind.String ? text.GetString()!.Trim() : null;
    }

    private async Task ScreenshotAsync(string name)
    {
        var path = Path.Combine(gateways.ScreenshotDirectory, name + ".png");
        await _firefox.ScreenshotAsync(path);
        output.WriteLine($"screenshot: {path}");
    }

    private async Task WaitAsync(string what, Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                await ScreenshotAsync("failed-firefox-" + new string(what.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()));
                output.WriteLine(_firefox.Output);
                throw new TimeoutException($"waited {Patience} in Firefox for {what}");
            }

            await Task.Delay(200);
        }
    }
}
