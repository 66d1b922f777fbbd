namespace Gateway.Configuration.Tests;

/// <summary>Secrets ([Secret] keys and ${file:...} values) never appear in printed output or error messages.</summary>
public sealed class SecretTests : IDisposable
{
    private const string OpcPassword = "opc-Pa55word!";
    private const string MqttPassword = "mqtt-Pa55word?";
    private const string InfluxToken = "influx-token-0123456789";
    private const string FileLabel = "label-from-file-xyz";

    private readonly ConfigDirectory _dir = new();

    public SecretTests()
    {
        _dir.Environment["MQTT_PASSWORD"] = MqttPassword;
        _dir.Write("secrets/opc", OpcPassword + "\n");
        _dir.Write("secrets/influx", InfluxToken);
        _dir.Write("secrets/label", FileLabel);
    }

    public void Dispose() => _dir.Dispose();

    private const string Yaml = """
        gateway:
          name: gw
          labels:
            cabinet: ${file:secrets/label}
        sources:
          - name: s1
            endpoint: opc.tcp://10.0.0.5:4840
            identity:
              type: username
              username: operator
              password: ${file:secrets/opc}
            machines:
              - name: m1
                groups:
                  - name: g
                    tags:
                      - name: t
                        nodeId: i=2258
        sinks:
          - type: mqtt
            name: broker
            username: gw
            password: ${MQTT_PASSWORD}
          - type: influxdb
            name: influx
            url: http://127.0.0.1:8086
            token: ${file:secrets/influx}
        """;

    private static void AssertNoSecret(string text)
    {
        Assert.DoesNotContain(OpcPassword, text, StringComparison.Ordinal);
        Assert.DoesNotContain(MqttPassword, text, StringComparison.Ordinal);
        Assert.DoesNotContain(InfluxToken, text, StringComparison.Ordinal);
        Assert.DoesNotContain(FileLabel, text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_printed_configuration_masks_secret_keys_and_file_values_but_shows_the_rest()
    {
        _dir.Write("gateway.yaml", Yaml);
        var result = _dir.Load();
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(MqttPassword, ((FakeMqttOptions)result.Config!.Sinks[0].Options!).Password);

        var printed = ConfigurationPrinter.Print(result);

        AssertNoSecret(printed);
        Assert.Contains("password: ***", printed, StringComparison.Ordinal);
        Assert.Contains("token: ***", printed, StringComparison.Ordinal);
        Assert.Contains("cabinet: ***", printed, StringComparison.Ordinal);
        Assert.Contains("username: operator", printed, StringComparison.Ordinal);
        Assert.Contains("endpoint: opc.tcp://10.0.0.5:4840", printed, StringComparison.Ordinal);
        AssertNoSecret(ConfigurationPrinter.Print(result.Config.Sinks[1], result));
        AssertNoSecret(result.Redact($"connect failed with {MqttPassword} and {OpcPassword}"));
    }

    [Fact]
    public void Error_messages_about_secret_values_do_not_quote_them()
    {
        _dir.Write("secrets/port", "not-a-port-secret");
        _dir.Write("gateway.yaml", Yaml
            .Replace("username: gw", "port: ${file:secrets/port}", StringComparison.Ordinal)
            .Replace("url: http://127.0.0.1:8086", "url: ${file:secrets/opc}", StringComparison.Ordinal));

        var result = _dir.Load();

        Assert.Equal(2, result.Errors.Count);
        var all = string.Join("\n", result.Errors);
        AssertNoSecret(all);
        Assert.DoesNotContain("not-a-port-secret", all, StringComparison.Ordinal);
        Assert.Contains("sinks[0].port: expected an integer, got '***'", all, StringComparison.Ordinal);
        Assert.Contains("sinks[1].url: '***' is not valid", all, StringComparison.Ordinal);
    }

    [Fact]
    public void A_secret_file_used_inside_a_longer_value_is_masked_on_its_own_and_registered_for_the_process()
    {
        const string Host = "secret-broker-host-7f3a";
        _dir.Write("secrets/host", Host + "\n");
        _dir.Write("gateway.yaml", Yaml.Replace("url: http://127.0.0.1:8086", "url: http://${file:secrets/host}:8086", StringComparison.Ordinal));

        var result = _dir.Load();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var error = $"connection refused ({Host}:8086); token {InfluxToken}";
        Assert.Equal("connection refused (***:8086); token ***", result.Redact(error));
        Assert.Equal("connection refused (***:8086); token ***", SecretRegistry.Process.Redact(error));
        Assert.Equal("opc password ***, mqtt password ***", SecretRegistry.Process.Redact($"opc password {OpcPassword}, mqtt password {MqttPassword}"));
    }
}
