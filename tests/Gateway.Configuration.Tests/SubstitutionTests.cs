using Gateway.Connectors.OpcUa;

namespace Gateway.Configuration.Tests;

/// <summary>${NAME}, ${NAME:-default} and ${file:PATH} inside scalar values.</summary>
public sealed class SubstitutionTests : IDisposable
{
    private readonly ConfigDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Environment_variables_and_defaults_are_substituted_anywhere_in_a_value()
    {
        _dir.Environment["SITE"] = "changwon";
        _dir.Environment["PLC_HOST"] = "10.1.2.3";
        _dir.Environment["EMPTY"] = "";
        _dir.Write("gateway.yaml", ConfigDirectory.OneSource + ConfigDirectory.OneSink + """
            gateway:
              name: gw-${SITE}
              labels:
                site: ${SITE}
                area: ${AREA:-press-shop}
                cell: ${EMPTY:-fallback}
              shutdownTimeoutSeconds: ${SHUTDOWN:-30}
            http:
              listen: "127.0.0.1:${HTTP_PORT:-9180}"
              enabled: true
            logging:
              level: Debug
              format: text
              overrides:
                literal: "costs $${NOT_A_VARIABLE}"
            """);

        var result = _dir.Load();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var config = result.Config!;
        Assert.Equal("gw-changwon", config.Gateway.Name);
        Assert.Equal("changwon", config.Gateway.Labels["site"]);
        Assert.Equal("press-shop", config.Gateway.Labels["area"]);
        Assert.Equal("fallback", config.Gateway.Labels["cell"]);
        Assert.Equal(30, config.Gateway.ShutdownTimeoutSeconds);
        Assert.Equal("127.0.0.1:9180", config.Http.Listen);
        Assert.Equal("costs ${NOT_A_VARIABLE}", config.Logging.Overrides["literal"]);
    }

    [Fact]
    public void An_unset_variable_without_default_is_an_error_at_the_substitution_naming_it()
    {
        var path = _dir.Write("gateway.yaml", """
            gateway:
              name: gw
              labels:
                site: plant-${SITE_CODE}
                line: "x ${LINE_NO}"
            """);

        var result = _dir.Load();

        Assert.Null(result.Config);
        Assert.Equal(
            [
                $"{path}:4:17: environment variable 'SITE_CODE' is not set; set it or write ${{SITE_CODE:-default}}",
                $"{path}:5:14: environment variable 'LINE_NO' is not set; set it or write ${{LINE_NO:-default}}",
            ],
            result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void A_substituted_value_is_still_type_checked()
    {
        _dir.Environment["TIMEOUT"] = "soon";
        var path = _dir.Write("gateway.yaml", """
            gateway:
              name: gw
              shutdownTimeoutSeconds: ${TIMEOUT}
            """);

        var result = _dir.Load();

        Assert.Equal($"{path}:3:27: gateway.shutdownTimeoutSeconds: expected an integer, got 'soon'", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void A_file_substitution_reads_the_file_relative_to_the_config_and_trims_one_newline()
    {
        _dir.Write("secrets/opc-password", "s3cr3t-pass\n");
        _dir.Write("secrets/two-lines", "line1\nline2\n\n");
        var path = _dir.Write("gateway.yaml", """
            gateway:
              name: gw
              labels:
                note: ${file:secrets/two-lines}
            sources:
              - name: s1
                endpoint: opc.tcp://10.0.0.5:4840
                identity:
                  type: username
                  username: operator
                  password: ${file:secrets/opc-password}
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
            """);

        var result = _dir.Load();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal("s3cr3t-pass", ((OpcUaSourceOptions)result.Config!.Sources[0].Options!).Identity.Password);
        Assert.Equal("line1\nline2\n", result.Config.Gateway.Labels["note"]);
        Assert.Contains(Path.Combine(_dir.Root, "secrets", "opc-password"), result.Files);
        Assert.Contains(Path.GetFullPath(path), result.Files);
    }

    [Fact]
    public void A_missing_secret_file_is_an_error_at_the_value()
    {
        var path = _dir.Write("gateway.yaml", """
            gateway:
              name: gw
              labels:
                token: ${file:missing.txt}
            """);

        var result = _dir.Load();

        var error = Assert.Single(result.Errors).ToString();
        Assert.StartsWith($"{path}:4:12: cannot read secret file 'missing.txt' ({Path.Combine(_dir.Root, "missing.txt")}): file not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_or_unclosed_substitution_is_an_error()
    {
        var path = _dir.Write("gateway.yaml", """
            gateway:
              name: gw
              labels:
                a: ${1BAD}
                b: ${OPEN
            """);

        var result = _dir.Load();

        Assert.Equal(
            [
                $"{path}:4:8: '${{1BAD}}' is not a valid substitution; use ${{NAME}}, ${{NAME:-default}} or ${{file:PATH}}",
                $"{path}:5:8: unclosed '${{' (write $${{ for a literal '${{')",
            ],
            result.Errors.Select(e => e.ToString()));
    }
}
