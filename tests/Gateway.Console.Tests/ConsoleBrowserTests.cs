using System.Text.Json;
using OpenQA.Selenium;
using Xunit.Abstractions;

namespace Gateway.Console.Tests;

/// <summary>
/// The console's pages in a real headless Chromium (Debian's chromium and chromium-driver) against the running gateways
/// of <see cref="ConsoleGateways"/>. Each test writes a screenshot of the page it checked and prints its path.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class ConsoleBrowserTests(ConsoleGateways gateways, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);
    private static readonly string[] SimulatedMachines = ["cnc-01", "cnc-02", "press-01", "mould-01"];

    private IWebDriver Browser => gateways.Browser;

    [Fact]
    public async Task The_overview_shows_the_four_simulated_machines_and_changes_when_the_source_is_cut()
    {
        Browser.Navigate().GoToUrl(gateways.Open.Url + "/#/overview");
        await WaitAsync("the four machines with readings", () => SimulatedMachines.All(m => Text($"#machines tr[data-machine='{m}'] td.age") is { Length: > 0 } age && age.EndsWith(" s", StringComparison.Ordinal)));
        await WaitAsync("the simulator source connected", () => Text("#sources tr[data-source='simulator'] td.state") == "Connected");
        Screenshot("overview");

        gateways.SimulatorRelay.Closed = true;
        gateways.SimulatorRelay.AbortAll();
        try
        {
            // The page changes by itself (server-sent events): no reload.
            await WaitAsync("the cut source shown not connected, with its last error", () =>
                Text("#sources tr[data-source='simulator'] td.state") is { Length: > 0 } state && state != "Connected"
                && Text("#sources tr[data-source='simulator'] td.last-error") is { Length: > 0 });
            Screenshot("overview-source-cut");
        }
        finally
        {
            gateways.SimulatorRelay.Closed = false;
        }

        await WaitAsync("the source connected again", () => Text("#sources tr[data-source='simulator'] td.state") == "Connected");
    }

    [Fact]
    public async Task The_machine_page_shows_each_tag_live_with_quality_timestamp_and_a_trend()
    {
        Browser.Navigate().GoToUrl(gateways.Open.Url + "/#/machine/cnc-01");
        await WaitAsync("spindle_speed with a Good value", () => Text("#tags tr[data-tag='spindle_speed'] td.value") is { Length: > 0 } && Text("#tags tr[data-tag='spindle_speed'] td:nth-child(3)") == "Good");
        var first = Text("#tags tr[data-tag='spindle_speed'] td:nth-child(4)");
        await WaitAsync("a newer source timestamp without a reload", () => Text("#tags tr[data-tag='spindle_speed'] td:nth-child(4)") is { Length: > 0 } later && later != first);
        await WaitAsync("a trend line of at least two points", () => Browser.FindElements(By.CssSelector("#tags tr[data-tag='spindle_speed'] svg.trend polyline")).Count == 1);
        // The template's ten tags, and its events group's readings (an alarm episode's only once a CNC alarm has ended).
        var rows = Browser.FindElements(By.CssSelector("#tags tbody tr")).Select(r => r.GetDomAttribute("data-tag")).ToHashSet();
        string[] dataTags = ["spindle_speed", "spindle_load", "feed_rate", "feed_override", "execution", "alarm_number", "alarm_text", "part_count", "program_number", "cycle_time"];
        Assert.Superset(new HashSet<string?>([.. dataTags, "events", "active_alarms", "active_alarm_text"]), rows);
        Assert.Subset(new HashSet<string?>([.. dataTags, "events", "active_alarms", "active_alarm_text", "alarm_episode", "alarm_duration_s"]), rows);
        Screenshot("machine");
    }

    [Fact]
    public async Task A_rejected_certificate_is_trusted_from_the_page_and_the_source_connects()
    {
        var thumbprint = gateways.SecureServer.CertificateThumbprint;
        await WaitAsync("the secure server's certificate rejected", async () =>
            (await gateways.Open.GetJsonAsync("/api/certificates")).GetProperty("rejected").EnumerateArray().Any(c => c.GetProperty("thumbprint").GetString() == thumbprint));
        Browser.Navigate().GoToUrl(gateways.Open.Url + "/#/certificates");
        var row = $"#rejected tr[data-thumbprint='{thumbprint}']";
        await WaitAsync("the rejected certificate listed with the source that presented it", () => Text(row + " td:nth-child(4)")?.Contains("secure-line", StringComparison.Ordinal) == true);
        Screenshot("certificates-rejected");

        Browser.FindElement(By.CssSelector(row + " button.trust")).Click();
        Browser.SwitchTo().Alert().Accept();
        await WaitAsync("the certificate in the trusted list", () => Browser.FindElements(By.CssSelector($"#trusted tr[data-thumbprint='{thumbprint}']")).Count == 1);
        Assert.Contains(Directory.GetFiles(Path.Combine(gateways.Open.PkiDirectory, "trusted", "certs")), f => f.Contains(thumbprint, StringComparison.OrdinalIgnoreCase));
        Screenshot("certificates-trusted");

        await WaitAsync("the secure source connected and reading", async () =>
        {
            var machine = await gateways.Open.GetJsonAsync("/api/machines/secure-line-01");
            return machine.GetProperty("tags").EnumerateArray().Any(t => t.GetProperty("name").GetString() == "answer" && t.GetProperty("value").GetString() == "42.5");
        });
        await gateways.Open.Program.WaitForOutputAsync("Console: local trusted certificate", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Browse_and_pick_makes_yaml_that_validates_and_once_applied_adds_the_machine()
    {
        Browser.Navigate().GoToUrl(gateways.Open.Url + "/#/browse");
        await WaitAsync("the simulator among the sources", () => Browser.FindElements(By.CssSelector("#browse-source option[value='simulator']")).Count == 1);
        Choose("#browse-source", "simulator");
        Click("#browse-open");
        await ExpandAsync("cnc-02");
        await ExpandAsync("cnc-02/Spindle");
        Click("li[data-path='cnc-02/Spindle/Speed'] > input.pick");
        Click("li[data-path='cnc-02/Spindle/Load'] > input.pick");
        var machine = Browser.FindElement(By.Id("browse-machine"));
        machine.Clear();
        machine.SendKeys("cnc-02-picked");
        Click("#browse-make");
        await WaitAsync("the template YAML", () => Value("#browse-yaml").Contains("spindle_speed", StringComparison.Ordinal));
        Screenshot("browse-and-pick");
        var yaml = Value("#browse-yaml");
        Assert.Contains("nodeId: \"nsu=urn:changwon-gateway:simulator;s=cnc-02/Spindle/Load\"", yaml, StringComparison.Ordinal);

        // The engineer pastes the template under templates: and the machine's line under the browsed source's machines:,
        // as the page says.
        var templates = yaml[(yaml.IndexOf("templates:\n", StringComparison.Ordinal) + "templates:\n".Length)..yaml.IndexOf("# The machine", StringComparison.Ordinal)];
        var machineLine = yaml[(yaml.IndexOf("\nmachines:\n", StringComparison.Ordinal) + "\nmachines:\n".Length)..];
        Assert.DoesNotContain("\nsources:", yaml, StringComparison.Ordinal);
        var current = (await gateways.Open.GetJsonAsync("/api/config")).GetProperty("text").GetString()!;
        var simulatorMachines = current.IndexOf("    machines:\n", current.IndexOf("\n  - name: simulator\n", StringComparison.Ordinal), StringComparison.Ordinal) + "    machines:\n".Length;
        var edited = current.Insert(simulatorMachines, machineLine).Replace("\ntemplates:\n", "\ntemplates:\n" + templates, StringComparison.Ordinal);

        // `gateway validate` accepts it (on a copy with the secret the page masked).
        var copy = Path.Combine(gateways.Open.Directory, "picked-copy.yml");
        await File.WriteAllTextAsync(copy, edited.Replace("token: ***", "token: " + ConsoleGateways.InfluxToken, StringComparison.Ordinal));
        var (exit, validateOutput) = await RunningGateway.RunCliAsync("validate", "--config", copy);
        File.Delete(copy);
        Assert.True(exit == 0, validateOutput);

        // Applied from the Configuration page, behind its confirmation.
        Browser.Navigate().GoToUrl(gateways.Open.Url + "/#/config");
        await WaitAsync("the configuration loaded", () => Value("#config-text").Contains("demo-gateway", StringComparison.Ordinal));
        ((IJavaScriptExecutor)Browser).ExecuteScript("document.getElementById('config-text').value = arguments[0];", edited);
        Click("#config-validate");
        await WaitAsync("the edited text valid", () => Browser.FindElements(By.Id("config-valid")).Count == 1);
        Click("#config-apply");
        Click("#config-confirm");
        await WaitAsync("applied", () => Browser.FindElements(By.Id("config-applied")).Count == 1);
        Screenshot("configuration-applied");
        Assert.Contains(ConsoleGateways.InfluxToken, await File.ReadAllTextAsync(gateways.Open.ConfigPath), StringComparison.Ordinal);
        Assert.Contains("cnc-02-picked", await File.ReadAllTextAsync(gateways.Open.ConfigPath), StringComparison.Ordinal);

        using var _ = new OutputOnFailure(() => string.Join('\n', gateways.Open.Program.Output.Split('\n').TakeLast(60)), output);

        // The reload restarted the simulator source with the picked machine: readings of the picked machine arrive, and
        // of the source's other machines too (in the same, restarted runtime, which alone knows the picked machine).
        await WaitAsync("the picked machine's readings", async () =>
        {
            var overview = await gateways.Open.GetJsonAsync("/api/overview");
            var machines = overview.GetProperty("sources").EnumerateArray()
                .Where(s => s.GetProperty("name").GetString() == "simulator")
                .SelectMany(s => s.GetProperty("machines").EnumerateArray())
                .Where(m => m.GetProperty("lastReadingUtc").ValueKind == JsonValueKind.String)
                .Select(m => m.GetProperty("name").GetString())
                .ToList();
            return machines.Contains("cnc-02-picked") && machines.Contains("cnc-01");
        });
        Browser.Navigate().GoToUrl(gateways.Open.Url + "/#/machine/cnc-02-picked");
        await WaitAsync("spindle_speed and spindle_load of the picked machine", () => Text("#tags tr[data-tag='spindle_speed'] td.value") is { Length: > 0 }
            && Text("#tags tr[data-tag='spindle_load'] td.value") is { Length: > 0 });
        Screenshot("machine-picked");
    }

    [Fact]
    public async Task The_logs_page_filters_by_level_and_text()
    {
        Browser.Navigate().GoToUrl(gateways.Open.Url + "/#/logs");
        await WaitAsync("log lines", () => Browser.FindElements(By.CssSelector("#logs tbody tr")).Count > 0);
        Choose("#logs-level", "Warning");
        await WaitAsync("only warnings and worse", () =>
            Browser.FindElements(By.CssSelector("#logs tbody tr td:nth-child(2)")).Select(c => c.Text).ToList() is { Count: > 0 } levels
            && levels.All(l => l is "Warning" or "Error" or "Critical"));
        var filter = Browser.FindElement(By.Id("logs-filter"));
        filter.SendKeys("influxdb" + Keys.Enter);
        await WaitAsync("only the InfluxDB sink's lines", () =>
            Browser.FindElements(By.CssSelector("#logs tbody tr")).Select(r => r.Text).ToList() is { Count: > 0 } rows
            && rows.All(r => r.Contains("influx", StringComparison.OrdinalIgnoreCase)));
        Screenshot("logs");
    }

    [Fact]
    public async Task The_pages_speak_korean_when_switched()
    {
        Browser.Navigate().GoToUrl(gateways.Open.Url + "/#/overview");
        await WaitAsync("the overview", () => Browser.FindElements(By.CssSelector("#machines")).Count == 1);
        Choose("#language", "ko");
        try
        {
            await WaitAsync("Korean navigation", () => Text("#nav a[data-page='certificates']") == "인증서");
            await WaitAsync("Korean headings", () => Browser.FindElements(By.TagName("h2")).Any(h => h.Text == "설비"));
            Screenshot("overview-korean");
        }
        finally
        {
            Choose("#language", "en");
        }
    }

    [Fact]
    public async Task A_login_is_required_and_a_viewer_cannot_trust_or_apply()
    {
        Browser.Navigate().GoToUrl(gateways.Guarded.Url + "/#/certificates");
        await WaitAsync("the login form", () => Browser.FindElements(By.Id("login-form")).Count == 1);
        Assert.False(Browser.FindElement(By.Id("nav")).Displayed);
        Screenshot("login");

        Browser.FindElement(By.Id("login-user")).SendKeys("viewer");
        Browser.FindElement(By.Id("login-password")).SendKeys("wrong");
        Click("#login-submit");
        await WaitAsync("the refusal", () => Text("#login-error") is { Length: > 0 });
        Browser.FindElement(By.Id("login-password")).Clear();
        Browser.FindElement(By.Id("login-password")).SendKeys(ConsoleGateways.ViewerPassword);
        Click("#login-submit");
        await WaitAsync("the certificates page as viewer", () => Browser.FindElements(By.Id("rejected")).Count == 1 && Text("#who") == "viewer (viewer)");
        Assert.All(Browser.FindElements(By.CssSelector("button.trust, button.remove")), b => Assert.False(b.Enabled));
        Screenshot("certificates-viewer");

        // Even a request the page's own script makes, with the session's token, is refused for a viewer.
        var status = await FetchFromPageAsync("/api/certificates/trust", "{\"thumbprint\":\"" + gateways.SecureServer.CertificateThumbprint + "\"}");
        Assert.Equal(403, status);
        var apply = await FetchFromPageAsync("/api/config/apply", "{\"text\":\"gateway:\\n  name: x\\n\"}");
        Assert.Equal(403, apply);

        Click("#logout");
        await WaitAsync("the login form again", () => Browser.FindElements(By.Id("login-form")).Count == 1);
    }

    [Fact]
    public async Task A_forged_cross_site_post_is_refused()
    {
        var before = await File.ReadAllTextAsync(gateways.Open.ConfigPath);

        // A page of another origin posts a form at the console, shaped as JSON (enctype text/plain): its Origin is not
        // the console's and it cannot know the token.
        var forged = "{\"text\":\"gateway:\\n  name: forged\\n\",\"x\":\"\"}";
        var page = "<html><body><form id=\"f\" method=\"POST\" action=\"" + gateways.Open.Url + "/api/config/apply\" enctype=\"text/plain\">"
            + "<input type=\"hidden\" name='" + forged[..^2] + "' value='\"}'></form>"
            + "<script>document.getElementById('f').submit();</script></body></html>";
        Browser.Navigate().GoToUrl("data:text/html;base64," + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(page)));
        await WaitAsync("the gateway's refusal", () => Browser.PageSource.Contains("refused", StringComparison.Ordinal));
        Assert.Contains("Origin", Browser.PageSource, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(gateways.Open.ConfigPath));
        Screenshot("forged-post-refused");
    }

    private async Task<long> FetchFromPageAsync(string path, string body)
    {
        var script = """
            const done = arguments[arguments.length - 1];
            fetch('/api/session').then(r => r.json()).then(s => fetch(arguments[0], {
              method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrfToken }, body: arguments[1] }))
              .then(r => done(r.status), e => done(-1));
            """;
        Browser.Manage().Timeouts().AsynchronousJavaScript = Patience;
        await Task.Yield();
        return Convert.ToInt64(((IJavaScriptExecutor)Browser).ExecuteAsyncScript(script, path, body), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task ExpandAsync(string path)
    {
        await WaitAsync($"{path} in the tree", () => Browser.FindElements(By.CssSelector($"li[data-path='{path}'] > button.toggle")).Count == 1);
        Click($"li[data-path='{path}'] > button.toggle");
        await WaitAsync($"{path} opened", () => Browser.FindElements(By.CssSelector($"li[data-path='{path}'] > ul > li[data-path]")).Count > 0);
    }

    /// <summary>Picks an option of a select as a person would (the change event included).</summary>
    private void Choose(string css, string value) => ((IJavaScriptExecutor)Browser).ExecuteScript(
        "const s = document.querySelector(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change'));", css, value);

    private void Click(string css) => Browser.FindElement(By.CssSelector(css)).Click();

    private string? Text(string css)
    {
        try
        {
            var found = Browser.FindElements(By.CssSelector(css));
            return found.Count == 0 ? null : found[0].Text;
        }
        catch (StaleElementReferenceException)
        {
            return null; // the live page replaced it between find and read
        }
    }

    private string Value(string css) => Browser.FindElement(By.CssSelector(css)).GetDomProperty("value") ?? "";

    private void Screenshot(string name)
    {
        var path = Path.Combine(gateways.ScreenshotDirectory, name + ".png");
        ((ITakesScreenshot)Browser).GetScreenshot().SaveAsFile(path);
        output.WriteLine($"screenshot: {path}");
    }

    private Task WaitAsync(string what, Func<bool> condition) => WaitAsync(what, () => Task.FromResult(condition()));

    private async Task WaitAsync(string what, Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (StaleElementReferenceException)
            {
                // The live page re-rendered: ask again.
            }

            if (DateTime.UtcNow > deadline)
            {
                Screenshot("failed-" + new string(what.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()));
                throw new TimeoutException($"waited {Patience} for {what}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Prints the gateway's last lines at the end of the scope (read when the test fails).</summary>
    private sealed class OutputOnFailure(Func<string> lines, ITestOutputHelper output) : IDisposable
    {
        public void Dispose()
        {
            output.WriteLine(lines());
        }
    }
}
