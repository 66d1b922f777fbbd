namespace Gateway.Configuration.Tests;

/// <summary>Every kind of validation error, each at its exact `PATH:LINE:COLUMN`.</summary>
public sealed class ValidationErrorTests : IDisposable
{
    private readonly ConfigDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private (ConfigurationResult Result, string Path) Load(string yaml)
    {
        var path = _dir.Write("gateway.yaml", yaml);
        return (_dir.Load(), path);
    }

    /// <summary>The one error at exactly this place; fails listing every error otherwise.</summary>
    private static string ErrorAt(ConfigurationResult result, string path, int line, int column)
    {
        var prefix = $"{path}:{line}:{column}: ";
        var found = result.Errors.Select(e => e.ToString()).Where(e => e.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.True(found.Count == 1, $"expected one error at {prefix} but got:\n{string.Join("\n", result.Errors)}");
        Assert.Null(result.Config);
        return found[0][prefix.Length..];
    }

    [Fact]
    public void A_misspelled_key_on_line_7_is_reported_there_with_a_suggestion()
    {
        var (result, path) = Load("""
            gateway:
              name: line-a
            sources:
              - name: press-1
                labels:
                  line: A
                endpont: opc.tcp://10.0.0.5:4840
                machines:
                  - name: p1
                    groups:
                      - name: fast
                        tags:
                          - name: speed
                            nodeId: ns=2;s=Speed
            sinks:
              - type: mqtt
                name: broker
            """);

        var message = ErrorAt(result, path, 7, 5);
        Assert.Equal("unknown key 'endpont' in sources[0]; did you mean 'endpoint'?", message);
        var line = result.Errors.Single(e => e.Location.Line == 7).ToString();
        Assert.Matches(@"^.+:7:5: unknown key 'endpont' .*did you mean 'endpoint'\?$", line);
    }

    [Fact]
    public void Errors_point_at_the_right_key_of_an_object_with_many_keys_and_the_right_item_of_a_long_list()
    {
        // Past eight keys an object's key places are looked up by a dictionary rather than in order: both ways must
        // point at the line and column the value was written at.
        var tags = string.Concat(Enumerable.Range(1, 11).Select(i => $"                  - {{ name: t{i:D2}, nodeId: \"ns=2;s=T{i:D2}\" }}\n"));
        var yaml = $$"""
            gateway:
              name: gw
            sources:
              - name: s1
                endpoint: opc.tcp://10.0.0.5:4840
                security: { mode: none }
                sessionTimeoutMs: 60000
                requestTimeoutMs: 10000
                maxSessions: 1
                shareSubscriptions: true
                labels: { line: A }
                reconnect: { initialDelayMs: 1000 }
                maxItemsPerSubscription: 0
                machines:
                  - name: m1
                    groups:
                      - name: g
                        tags:
            {{tags}}                  - { name: t05, nodeId: "ns=2;s=Again" }
            sinks:
              - type: mqtt
                name: broker
            """;
        var (result, path) = Load(yaml);

        var lines = yaml.ReplaceLineEndings("\n").Split('\n');
        (int Line, int Column) At(string text, string within)
        {
            var line = Array.FindIndex(lines, l => l.Contains(within, StringComparison.Ordinal));
            return (line + 1, lines[line].IndexOf(text, StringComparison.Ordinal) + 1);
        }

        var range = At("0", "maxItemsPerSubscription: 0");
        Assert.Contains("maxItemsPerSubscription", ErrorAt(result, path, range.Line, range.Column), StringComparison.Ordinal);
        var duplicate = At("t05", "nodeId: \"ns=2;s=Again\"");
        Assert.Contains("duplicate tag name 't05'", ErrorAt(result, path, duplicate.Line, duplicate.Column), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_far_from_any_known_lists_the_allowed_keys()
    {
        var (result, path) = Load("""
            gateway:
              name: gw
              colour: blue
            """);

        var message = ErrorAt(result, path, 3, 3);
        Assert.Equal("unknown key 'colour' in gateway; allowed keys: name, labels, dataDirectory, shutdownTimeoutSeconds", message);
    }

    [Fact]
    public void A_word_where_an_integer_belongs_is_a_type_error_at_the_value()
    {
        var (result, path) = Load("""
            gateway:
              name: gw
              shutdownTimeoutSeconds: fast
            """);

        Assert.Equal("gateway.shutdownTimeoutSeconds: expected an integer, got 'fast'", ErrorAt(result, path, 3, 27));
    }

    [Fact]
    public void A_list_where_a_mapping_belongs_is_a_type_error()
    {
        var (result, path) = Load("""
            gateway:
              - name: gw
            """);

        Assert.Equal("gateway: expected a mapping (key: value lines), got a list", ErrorAt(result, path, 2, 3));
    }

    [Fact]
    public void A_missing_required_key_is_reported_at_the_mapping_that_lacks_it()
    {
        var (result, path) = Load("""
            gateway:
              labels:
                site: changwon
            """);

        Assert.Equal("missing required key 'name' in gateway", ErrorAt(result, path, 2, 3));
    }

    [Fact]
    public void A_missing_gateway_section_is_reported_at_the_top()
    {
        var (result, path) = Load("""
            http:
              enabled: false
            """);

        Assert.Equal("missing required key 'gateway' in the top level", ErrorAt(result, path, 1, 1));
    }

    [Fact]
    public void An_out_of_range_number_says_the_allowed_range()
    {
        var (result, path) = Load("""
            gateway:
              name: gw
            buffer:
              maxAgeHours: 9000
            """);

        Assert.Equal("buffer.maxAgeHours: 9000 is out of range; allowed 1 to 8760", ErrorAt(result, path, 4, 16));
    }

    [Fact]
    public void A_name_that_breaks_the_pattern_says_what_a_name_may_hold()
    {
        var (result, path) = Load("""
            gateway:
              name: "line a"
            """);

        Assert.Equal(
            "gateway.name: 'line a' is not valid: a name starts with a letter or digit and holds only letters, digits, '_', '.' and '-'",
            ErrorAt(result, path, 2, 9));
    }

    [Fact]
    public void An_endpoint_without_the_opc_tcp_scheme_is_rejected()
    {
        var (result, path) = Load("""
            gateway:
              name: gw
            sources:
              - name: s1
                endpoint: http://10.0.0.5:4840
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

        Assert.Contains("is not valid: an OPC UA endpoint starts with opc.tcp://", ErrorAt(result, path, 5, 15), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ns=x;s=Speed", "the namespace index 'x' is not a number from 0 to 65535")]
    [InlineData("ns=2;q=Speed", "unknown identifier type 'q='; use i= (numeric), s= (string), g= (GUID) or b= (opaque)")]
    [InlineData("ns=2;i=-5", "the numeric identifier '-5' is not a number from 0 to 4294967295")]
    [InlineData("g=not-a-guid", "'not-a-guid' is not a GUID like 09087e75-8e5e-499b-954f-f2a9603db28a")]
    [InlineData("Speed", "expected an identifier i=, s=, g= or b= (optionally after ns=N; or nsu=URI;)")]
    public void A_malformed_NodeId_is_reported_at_the_nodeId_value(string nodeId, string reason)
    {
        var (result, path) = Load($"""
            gateway:
              name: gw
            sources:
              - name: s1
                endpoint: opc.tcp://10.0.0.5:4840
                machines:
                  - name: m1
                    groups:
                      - name: g
                        tags:
                          - name: t
                            nodeId: "{nodeId}"
            sinks:
              - type: mqtt
                name: broker
            """);

        Assert.Equal($"malformed NodeId '{nodeId}' for tag 't': {reason}", ErrorAt(result, path, 12, 25));
    }

    [Fact]
    public void Duplicate_source_machine_tag_and_sink_names_each_point_at_the_second_and_name_the_first()
    {
        var (result, path) = Load("""
            gateway:
              name: gw
            sources:
              - name: s1
                endpoint: opc.tcp://10.0.0.5:4840
                machines:
                  - name: m1
                    groups:
                      - name: g
                        tags:
                          - name: t
                            nodeId: i=1
                          - name: t
                            nodeId: i=2
              - name: s1
                endpoint: opc.tcp://10.0.0.6:4840
                machines:
                  - name: m1
                    groups:
                      - name: g
                        tags:
                          - name: u
                            nodeId: i=3
            sinks:
              - type: mqtt
                name: out
              - type: influxdb
                name: out
                url: http://127.0.0.1:8086
            """);

        Assert.Equal($"duplicate tag name 't' in machine 'm1' (first defined at {path}:11:23)", ErrorAt(result, path, 13, 23));
        Assert.Equal($"duplicate source name 's1' (first defined at {path}:4:11)", ErrorAt(result, path, 15, 11));
        Assert.Equal($"duplicate machine name 'm1' (first defined at {path}:7:15)", ErrorAt(result, path, 18, 15));
        Assert.Equal($"duplicate sink name 'out' (first defined at {path}:26:11)", ErrorAt(result, path, 28, 11));
    }

    [Fact]
    public void A_template_that_does_not_exist_suggests_the_closest()
    {
        var (result, path) = Load("""
            gateway:
              name: gw
            templates:
              fanuc-0i:
                groups:
                  - name: g
                    tags:
                      - name: t
                        nodeId: ns=2;s={machine}.T
            sources:
              - name: s1
                endpoint: opc.tcp://10.0.0.5:4840
                machines:
                  - name: m1
                    template: fanuc-oi
            sinks:
              - type: mqtt
                name: broker
            """);

        Assert.Equal("template 'fanuc-oi' of machine 'm1' does not exist; did you mean 'fanuc-0i'?", ErrorAt(result, path, 15, 19));
    }

    [Fact]
    public void A_tag_with_neither_nodeId_nor_path_is_reported_at_the_tag()
    {
        var (result, path) = Load("""
            gateway:
              name: gw
            sources:
              - name: s1
                endpoint: opc.tcp://10.0.0.5:4840
                machines:
                  - name: m1
                    groups:
                      - name: g
                        tags:
                          - name: t
                            indexRange: "0:9"
            sinks:
              - type: mqtt
                name: broker
            """);

        Assert.Equal("tag 't' has neither nodeId nor path; set one, e.g. nodeId: ns=2;s=Spindle.Speed", ErrorAt(result, path, 11, 17));
    }

    [Fact]
    public void An_enum_value_is_case_insensitive_and_a_wrong_one_lists_the_allowed()
    {
        var (result, path) = Load("""
            gateway:
              name: gw
            buffer:
              whenFull: DROPOLDEST
            normalize:
              bad: holdlastgood
              timestamp: device
            """);

        Assert.Equal("normalize.timestamp: 'device' is not one of: source, server, gateway", ErrorAt(result, path, 7, 14));
        Assert.Single(result.Errors);
    }

    [Fact]
    public void A_string_with_allowed_values_lists_them()
    {
        var (result, path) = Load("""
            gateway:
              name: gw
            logging:
              format: xml
            """);

        Assert.Equal("logging.format: 'xml' is not one of: text, json", ErrorAt(result, path, 4, 11));
    }

    [Fact]
    public void An_unknown_sink_type_lists_the_known_types()
    {
        var (result, path) = Load("""
            gateway:
              name: gw
            sinks:
              - type: kafka
                name: k
            """);

        Assert.Equal("sinks[0].type: unknown sink type 'kafka'; known types: influxdb, mqtt", ErrorAt(result, path, 4, 11));
    }

    [Fact]
    public void Sink_options_are_bound_to_the_plugin_type_and_checked_like_the_model()
    {
        var (result, path) = Load("""
            gateway:
              name: gw
            sinks:
              - type: mqtt
                name: broker
                hots: 10.0.0.1
                qos: 3
              - type: influxdb
                name: influx
              - type: mqtt
                name: wild
                topic: "plant/#"
            """);

        Assert.Equal("unknown key 'hots' in sinks[0] (mqtt sink); did you mean 'host'?", ErrorAt(result, path, 6, 5));
        Assert.Equal("sinks[0].qos: 3 is out of range; allowed 0 to 2", ErrorAt(result, path, 7, 10));
        Assert.Equal("missing required key 'url' in sinks[1] (influxdb sink)", ErrorAt(result, path, 8, 5));
        Assert.Equal("sinks[2] (wild).topic: a publish topic must not contain '#'", ErrorAt(result, path, 12, 12));
    }

    [Fact]
    public void A_valid_sink_block_binds_its_options_object()
    {
        var (result, _) = Load(ConfigDirectory.OneSource + """
            gateway:
              name: gw
            sinks:
              - type: MQTT
                name: broker
                host: 10.0.0.1
                port: 8883
                enabled: false
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var sink = Assert.Single(result.Config!.Sinks);
        Assert.Equal("mqtt", sink.Type);
        Assert.False(sink.Enabled);
        var options = Assert.IsType<FakeMqttOptions>(sink.Options);
        Assert.Equal("10.0.0.1", options.Host);
        Assert.Equal(8883, options.Port);
        Assert.Equal(14, sink.Location!.Line);
    }

    [Fact]
    public void Every_problem_is_reported_in_one_run_in_file_order()
    {
        var (result, path) = Load("""
            gateway:
              name: gw
              shutdownTimeoutSeconds: 0
            buffer:
              maxSizeMb: lots
            http:
              enabld: true
            """);

        Assert.Equal(
            [
                $"{path}:3:27: gateway.shutdownTimeoutSeconds: 0 is out of range; allowed 1 to 600",
                $"{path}:5:14: buffer.maxSizeMb: expected an integer, got 'lots'",
                $"{path}:7:3: unknown key 'enabld' in http; did you mean 'enabled'?",
            ],
            result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void A_YAML_syntax_error_is_reported_where_the_parser_stopped()
    {
        var (result, path) = Load("""
            gateway:
              name: gw
              labels: {site: a
            """);

        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Location.File);
        Assert.True(error.Location.Line >= 3, error.ToString());
        Assert.StartsWith("YAML syntax error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_YAML_key_is_an_error_at_the_second_key()
    {
        var (result, path) = Load("""
            gateway:
              name: gw
            gateway:
              name: gw2
            """);

        Assert.Equal($"duplicate key 'gateway': first written at {path}:1:1, again here at {path}:3:1; keep one of them", ErrorAt(result, path, 3, 1));
    }

    [Fact]
    public void Username_identity_without_a_password_is_reported_at_its_type()
    {
        var (result, path) = Load("""
            gateway:
              name: gw
            sources:
              - name: s1
                endpoint: opc.tcp://10.0.0.5:4840
                identity:
                  type: Username
                  username: operator
                machines:
                  - name: m1
                    groups:
                      - name: g
                        tags:
                          - name: t
                            nodeId: i=1
            sinks:
              - type: mqtt
                name: broker
            """);

        Assert.Equal(
            "sources[0] (s1).identity: type username needs both 'username' and 'password' (use ${ENV} or ${file:PATH} for the password)",
            ErrorAt(result, path, 7, 13));
    }

    [Fact]
    public void A_missing_file_is_one_error_naming_it()
    {
        var path = Path.Combine(_dir.Root, "nope.yaml");
        var result = ConfigurationLoader.Load(path, FakeSinkPlugins.Registry());
        Assert.Equal($"{path}:1:1: cannot read the configuration file: file not found", Assert.Single(result.Errors).ToString());
    }
}
