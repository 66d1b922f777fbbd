using Gateway.Connectors.OpcUa;

namespace Gateway.Configuration.Tests;

/// <summary>`include:` globs, merging, errors inside included files, cycles.</summary>
public sealed class IncludeTests : IDisposable
{
    private readonly ConfigDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Machine(string source, string machine, string ip) => $"""
        sources:
          - name: {source}
            endpoint: opc.tcp://{ip}:4840
            machines:
              - name: {machine}
                template: press
        """;

    [Fact]
    public void Globbed_files_add_sources_templates_and_sinks_in_a_stable_order()
    {
        _dir.Write("gateway.yaml", """
            include: [machines/*.yaml, templates.yaml, sinks.yaml]
            gateway:
              name: gw
            """);
        _dir.Write("machines/b.yaml", Machine("src-b", "press-b", "10.0.0.2"));
        _dir.Write("machines/a.yaml", Machine("src-a", "press-a", "10.0.0.1"));
        _dir.Write("machines/notes.txt", "not yaml, not matched");
        _dir.Write("templates.yaml", """
            templates:
              press:
                groups:
                  - name: main
                    tags:
                      - name: force
                        nodeId: ns=2;s={machine}.Force
            """);
        _dir.Write("sinks.yaml", """
            sinks:
              - type: mqtt
                name: broker
            """);

        var result = _dir.Load();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(["src-a", "src-b"], result.Config!.Sources.Select(s => s.Name));
        Assert.Equal("broker", Assert.Single(result.Config.Sinks).Name);
        Assert.Equal(["ns=2;s=press-a.Force", "ns=2;s=press-b.Force"], result.Tags.Select(t => ((OpcUaTagAddress)t.Address).NodeId));
        Assert.Equal(5, result.Files.Count);
        Assert.Contains(Path.Combine(_dir.Root, "machines", "a.yaml"), result.Files);
    }

    [Fact]
    public void An_error_inside_an_included_file_points_into_that_file()
    {
        _dir.Write("gateway.yaml", """
            include: [machines/*.yaml]
            gateway:
              name: gw
            """);
        _dir.Write("machines/press.yaml", """
            sources:
              - name: press
                endpoint: opc.tcp://10.0.0.9:4840
                sessionTimeoutMs: 10
                machines:
                  - name: p1
                    groups:
                      - name: g
                        tags:
                          - name: t
                            nodeId: ns=2;s=T
            """);

        var result = _dir.Load();

        var included = Path.Combine(_dir.Root, "machines", "press.yaml");
        Assert.Equal(
            $"{included}:4:23: sources[0].sessionTimeoutMs: 10 is out of range; allowed 1000 to 3600000",
            Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void An_included_file_shows_relative_to_a_relative_main_path()
    {
        _dir.Write("gateway.yaml", "include: [more.yaml]\ngateway:\n  name: gw\n");
        _dir.Write("more.yaml", "sinks:\n  - type: mqtt\n    name: b\n    port: none\n");
        var relativeMain = Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(_dir.Root, "gateway.yaml"));

        var result = ConfigurationLoader.Load(relativeMain, FakeSinkPlugins.Registry(), _dir.Lookup);

        var expectedFile = Path.Combine(Path.GetDirectoryName(relativeMain)!, "more.yaml");
        Assert.Equal($"{expectedFile}:4:11: sinks[0].port: expected an integer, got 'none'", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void Main_only_sections_in_an_included_file_are_refused()
    {
        _dir.Write("gateway.yaml", "include: [extra.yaml]\ngateway:\n  name: gw\n");
        var extra = _dir.Write("extra.yaml", "gateway:\n  name: other\nsoruces: []\n");

        var result = _dir.Load();

        Assert.Equal(
            [
                $"{extra}:1:1: 'gateway' cannot be set in an included file; only include, sources, templates, sinks can (move it to the main file)",
                $"{extra}:3:1: unknown key 'soruces' at the top level; did you mean 'sources'?",
            ],
            result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Include_cycles_are_errors_at_the_include_that_closes_them()
    {
        _dir.Write("gateway.yaml", "include: [a.yaml]\ngateway:\n  name: gw\n");
        _dir.Write("a.yaml", "include: [b.yaml]\n");
        var b = _dir.Write("b.yaml", "include:\n  - a.yaml\n");

        var result = _dir.Load();

        Assert.Equal($"{b}:2:5: include cycle: gateway.yaml -> a.yaml -> b.yaml -> a.yaml; remove one of these includes", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void A_missing_included_file_and_a_template_defined_twice_are_errors()
    {
        var main = _dir.Write("gateway.yaml", """
            include: [t1.yaml, gone.yaml]
            gateway:
              name: gw
            templates:
              press:
                groups:
                  - name: g
                    tags:
                      - name: t
                        nodeId: i=1
            """);
        var t1 = _dir.Write("t1.yaml", """
            templates:
              press:
                groups:
                  - name: g
                    tags:
                      - name: t
                        nodeId: i=1
            """);

        var result = _dir.Load();

        Assert.Equal(
            [
                $"{main}:1:20: included file 'gone.yaml' not found (looked for {Path.Combine(_dir.Root, "gone.yaml")})",
                $"{t1}:2:3: duplicate template name 'press' (first defined at {main}:5:3)",
            ],
            result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void A_glob_that_matches_nothing_is_not_an_error()
    {
        _dir.Write("gateway.yaml", "include: [machines/*.yaml]\ngateway:\n  name: gw\n" + ConfigDirectory.OneSource + ConfigDirectory.OneSink);

        var result = _dir.Load();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal("s1", Assert.Single(result.Config!.Sources).Name);
    }
}
