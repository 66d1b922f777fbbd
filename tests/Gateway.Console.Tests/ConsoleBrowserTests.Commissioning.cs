using System.Globalization;
using OpenQA.Selenium;

namespace Gateway.Console.Tests;

/// <summary>
/// Browse and pick of an endpoint typed in, the Modbus/MELSEC address table, and the console over TLS, in the same
/// headless Chromium against the running gateways of <see cref="ConsoleGateways"/>.
/// </summary>
public sealed partial class ConsoleBrowserTests
{
    [Fact]
    public async Task An_endpoint_typed_in_is_browsed_and_gives_a_template_and_source_that_validate_without_the_password()
    {
        Browser.Navigate().GoToUrl(gateways.Open.Url + "/#/browse");
        await WaitAsync("the browse page", () => Browser.FindElements(By.Id("browse-target")).Count == 1);
        Choose("#browse-target", "endpoint");
        var endpoint = $"opc.tcp://127.0.0.1:{gateways.SimulatorPort}";
        Browser.FindElement(By.Id("browse-endpoint")).SendKeys(endpoint);
        Choose("#browse-mode", "none");
        Click("#browse-open");
        await ExpandAsync("cnc-01");
        await ExpandAsync("cnc-01/Spindle");
        Click("li[data-path='cnc-01/Spindle/Speed'] > input.pick");
        var machine = Browser.FindElement(By.Id("browse-machine"));
        machine.Clear();
        machine.SendKeys("cnc-01-typed");
        Click("#browse-make");
        await WaitAsync("the template and source YAML", () => Value("#browse-yaml").Contains("spindle_speed", StringComparison.Ordinal));
        Screenshot("browse-typed-endpoint");
        var yaml = Value("#browse-yaml");
        Assert.Contains("nodeId: \"nsu=urn:changwon-gateway:simulator;s=cnc-01/Spindle/Speed\"", yaml, StringComparison.Ordinal);
        Assert.Contains($"endpoint: \"{endpoint}\"", yaml, StringComparison.Ordinal);
        Assert.Contains("security: { mode: none }", yaml, StringComparison.Ordinal);

        // The YAML alone, with a gateway section and a sink, is a configuration `gateway validate` accepts.
        var file = Path.Combine(gateways.Open.Directory, "typed-endpoint.yml");
        await File.WriteAllTextAsync(file, "gateway:\n  name: typed\n  labels: { site: test }\n  dataDirectory: data\n" + yaml + "sinks:\n  - { type: mqtt, name: mqtt, embedded: true, port: 1883 }\n");
        var (exit, validateOutput) = await RunningGateway.RunCliAsync("validate", "--config", file);
        File.Delete(file);
        Assert.True(exit == 0, validateOutput + "\n" + yaml);

        // With a user and password, the YAML names the user and an environment variable for the password, never the password.
        const string password = "typed-secret-71";
        Choose("#browse-identity", "username");
        Browser.FindElement(By.Id("browse-username")).SendKeys("operator");
        Browser.FindElement(By.Id("browse-password")).SendKeys(password);
        Click("#browse-make");
        await WaitAsync("the YAML with the identity", () => Value("#browse-yaml").Contains("username: \"operator\"", StringComparison.Ordinal));
        Assert.DoesNotContain(password, Value("#browse-yaml"), StringComparison.Ordinal);
        Assert.Contains("password: \"${CNC_01_TYPED_PASSWORD}\"", Value("#browse-yaml"), StringComparison.Ordinal);

        // A browse with it (the simulator refuses the user, or takes it): the password is in no log line either way.
        Click("#browse-open");
        await WaitAsync("the browse answered", () => Browser.FindElements(By.CssSelector("#browse-tree ul, #browse-tree .error")).Count > 0);
        var logs = await gateways.Open.GetJsonAsync("/api/logs?limit=1000&text=" + password);
        Assert.Empty(logs.GetProperty("lines").EnumerateArray());
        Assert.DoesNotContain(password, gateways.Open.Program.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_modbus_address_table_reads_the_simulator_once_per_row_and_gives_yaml_that_validates()
    {
        Browser.Navigate().GoToUrl(gateways.Open.Url + "/#/addresses");
        await WaitAsync("the address table", () => Browser.FindElements(By.CssSelector("#addr-rows tr")).Count == 1);
        await WaitAsync("the configured Modbus source offered", () => Browser.FindElements(By.CssSelector("#addr-target option[value='shop-modbus']")).Count == 1);
        Choose("#addr-target", "");
        Choose("#addr-kind", "modbus");
        Browser.FindElement(By.Id("addr-host")).SendKeys("127.0.0.1");
        Browser.FindElement(By.Id("addr-port")).SendKeys(gateways.SimulatorModbusPort.ToString(CultureInfo.InvariantCulture));
        Browser.FindElement(By.Id("addr-unit-id")).SendKeys("2");

        // The simulated press PLC (unit 2): its state, part count and ram force, and one address no device has.
        FillRow(0, "state", "40201", "", "", "");
        Click("#addr-add");
        FillRow(1, "parts", "40202", "uint32", "", "");
        Click("#addr-add");
        FillRow(2, "ram force", "40204", "float32", "0.001", "kN");
        Click("#addr-add");
        FillRow(3, "typo", "4020x", "", "", "");
        Click("#addr-read");
        await WaitAsync("a result on every row", () => Browser.FindElements(By.CssSelector("#addr-rows td.addr-result")).All(c => c.Text.Length > 0));
        Screenshot("address-table-modbus");

        Assert.Equal("Good", Cell(0, "addr-result"));
        Assert.True(long.TryParse(Cell(0, "addr-value"), CultureInfo.InvariantCulture, out var state) && state is >= 0 and <= 3, Cell(0, "addr-value"));
        Assert.Equal("Good", Cell(1, "addr-result"));
        Assert.True(long.TryParse(Cell(1, "addr-value"), CultureInfo.InvariantCulture, out _), Cell(1, "addr-value"));
        Assert.Equal("Good", Cell(2, "addr-result"));
        Assert.EndsWith(" kN", Cell(2, "addr-value"), StringComparison.Ordinal);
        Assert.StartsWith("BadConfiguration: tag 'typo': '4020x'", Cell(3, "addr-result"), StringComparison.Ordinal);
        Assert.Contains("bad", Browser.FindElement(By.CssSelector("#addr-rows tr:nth-child(4) td.addr-result")).GetAttribute("class"), StringComparison.Ordinal);

        // Without the bad row, the YAML of the template and its source validates.
        Click("#addr-rows tr:nth-child(4) button.addr-remove");
        var machine = Browser.FindElement(By.Id("addr-machine"));
        machine.SendKeys("press-02-plc");
        Click("#addr-make");
        await WaitAsync("the table's YAML", () => Value("#addr-yaml").Contains("press-02-plc", StringComparison.Ordinal));
        var yaml = Value("#addr-yaml");
        Assert.Contains("- { name: ram_force, register: \"40204\", type: float32, normalize: { scale: 0.001, unit: \"kN\" } }", yaml, StringComparison.Ordinal);
        Assert.Contains("unit: 2", yaml, StringComparison.Ordinal);
        Assert.Contains($"port: {gateways.SimulatorModbusPort}", yaml, StringComparison.Ordinal);
        var file = Path.Combine(gateways.Open.Directory, "address-table.yml");
        await File.WriteAllTextAsync(file, "gateway:\n  name: table\n  labels: { site: test }\n  dataDirectory: data\n" + yaml + "sinks:\n  - { type: mqtt, name: mqtt, embedded: true, port: 1883 }\n");
        var (exit, validateOutput) = await RunningGateway.RunCliAsync("validate", "--config", file);
        File.Delete(file);
        Assert.True(exit == 0, validateOutput + "\n" + yaml);
        Screenshot("address-table-yaml");
    }

    [Fact]
    public async Task Over_tls_the_browser_logs_in_sees_the_overview_and_is_led_to_trust_a_typed_endpoints_certificate()
    {
        Assert.StartsWith("https://localhost:", gateways.Tls.Url, StringComparison.Ordinal);
        Browser.Navigate().GoToUrl(gateways.Tls.Url + "/#/overview");
        await WaitAsync("the login form over https", () => Browser.FindElements(By.Id("login-form")).Count == 1);
        Assert.StartsWith("https://", Browser.Url, StringComparison.Ordinal);
        Browser.FindElement(By.Id("login-user")).SendKeys("admin");
        Browser.FindElement(By.Id("login-password")).SendKeys(ConsoleGateways.AdminPassword);
        Click("#login-submit");
        await WaitAsync("the overview with the Modbus source connected", () => Text("#sources tr[data-source='meter'] td.state") == "Connected");
        await WaitAsync("the meter's readings", () => Text("#machines tr[data-machine='meter-01'] td.age") is { Length: > 0 } age && age.EndsWith(" s", StringComparison.Ordinal));
        Assert.Equal("admin (admin)", Text("#who"));
        Screenshot("overview-tls");

        // An endpoint typed in whose certificate this gateway does not trust: the page says it was refused and leads to
        // the Certificates page, which lists it for Trust (nothing was accepted by itself).
        Browser.Navigate().GoToUrl(gateways.Tls.Url + "/#/browse");
        await WaitAsync("the browse page", () => Browser.FindElements(By.Id("browse-target")).Count == 1);
        Choose("#browse-target", "endpoint");
        Browser.FindElement(By.Id("browse-endpoint")).SendKeys(gateways.SecureServer.EndpointUrl);
        Choose("#browse-mode", "signAndEncrypt");
        Click("#browse-open");
        await WaitAsync("the refusal, pointing to the Certificates page", () => Browser.FindElements(By.Id("browse-to-certificates")).Count == 1);
        Screenshot("browse-typed-endpoint-rejected");
        Click("#browse-to-certificates");
        var row = $"#rejected tr[data-thumbprint='{gateways.SecureServer.CertificateThumbprint}']";
        await WaitAsync("the refused certificate listed with its Trust button", () => Browser.FindElements(By.CssSelector(row + " button.trust")).Count == 1);
        Assert.Empty(Browser.FindElements(By.CssSelector($"#trusted tr[data-thumbprint='{gateways.SecureServer.CertificateThumbprint}']")));
        Screenshot("certificates-after-typed-endpoint");

        // The session cookie is Secure over TLS (so the browser never sends it over plain HTTP).
        var cookie = Browser.Manage().Cookies.GetCookieNamed("gateway_console");
        Assert.NotNull(cookie);
        Assert.True(cookie.Secure);
        Click("#logout");
        await WaitAsync("logged out", () => Browser.FindElements(By.Id("login-form")).Count == 1);
    }

    private void FillRow(int index, string name, string address, string type, string scale, string unit)
    {
        var row = $"#addr-rows tr:nth-child({index + 1}) ";
        Browser.FindElement(By.CssSelector(row + "input.addr-name")).SendKeys(name);
        Browser.FindElement(By.CssSelector(row + "input.addr-address")).SendKeys(address);
        Choose(row + "select.addr-type", type);
        Browser.FindElement(By.CssSelector(row + "input.addr-scale")).SendKeys(scale);
        Browser.FindElement(By.CssSelector(row + "input.addr-unit")).SendKeys(unit);
    }

    private string Cell(int index, string cssClass) => Text($"#addr-rows tr:nth-child({index + 1}) td.{cssClass}") ?? "";
}
