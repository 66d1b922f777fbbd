using System.Text;

using Gateway.Testing;

namespace Gateway.Host.Tests;

/// <summary>
/// The gateway.yaml of a test that runs a gateway: the `gateway` section, a source, the sinks, the HTTP listener and
/// any other section, each given as YAML and written to a file. A test states only what it is about; the rest is the
/// same small gateway every time (site label `test-site`, data directory `data`, HTTP off).
/// </summary>
internal sealed class GatewayYaml
{
    private readonly string _name;
    private readonly List<string> _gatewayKeys = [];
    private readonly List<string> _sinks = [];
    private readonly List<string> _sections = [];
    private string _site = "test-site";
    private string _dataDirectory = "data";
    private string _simulator = "";
    private string _sources = "";
    private string _http = "enabled: false";

    private GatewayYaml(string name) => _name = name;

    /// <summary>A gateway of this name (tests wait for "Gateway NAME running").</summary>
    public static GatewayYaml Named(string name) => new(name);

    public GatewayYaml Site(string site)
    {
        _site = site;
        return this;
    }

    /// <summary>The data directory, relative to the file's directory or absolute.</summary>
    public GatewayYaml DataDirectory(string directory)
    {
        _dataDirectory = directory;
        return this;
    }

    /// <summary>One more key of the `gateway` section, e.g. `shutdownTimeoutSeconds: 10`.</summary>
    public GatewayYaml GatewayKey(string line)
    {
        _gatewayKeys.Add(line);
        return this;
    }

    /// <summary>
    /// Source `idle` (a file must name one): machine `idle-1`, group `g`, tag `t` (i=2258) at an OPC UA endpoint on a
    /// free port where nothing listens.
    /// </summary>
    public GatewayYaml IdleSource(bool enabled = true)
    {
        _sources = $"""
            - name: idle
              endpoint: opc.tcp://127.0.0.1:{FreePort.Next()}
            {(enabled ? "" : "  enabled: false\n")}  machines:
                - name: idle-1
                  groups:
                    - name: g
                      tags:
                        - name: t
                          nodeId: i=2258
            """;
        return this;
    }

    /// <summary>
    /// The built-in simulator on <paramref name="simulatorPort"/> (one machine, values every 200 ms) and source `sim`
    /// that polls its server's uptime (i=2258) every 200 ms as machine `m1`, group `g`, tag `uptime`.
    /// </summary>
    public GatewayYaml SimulatedSource(int simulatorPort)
    {
        _simulator = $"""
            simulator:
              enabled: true
              port: {simulatorPort}
              machines: 1
              rateMs: 200
            """;
        _sources = $$"""
            - name: sim
              endpoint: opc.tcp://127.0.0.1:{{simulatorPort}}
              security: { mode: none }
              machines:
                - name: m1
                  groups:
                    - name: g
                      mode: poll
                      intervalMs: 200
                      tags:
                        - { name: uptime, nodeId: "i=2258" }
            """;
        return this;
    }

    /// <summary>The one source, written from its `- name: ...` line at the left margin.</summary>
    public GatewayYaml Source(string entry)
    {
        _sources = entry;
        return this;
    }

    /// <summary>One entry of `sinks`, written from its `- type: ...` line at the left margin.</summary>
    public GatewayYaml Sink(string entry)
    {
        _sinks.Add(entry);
        return this;
    }

    /// <summary>The HTTP listener on 127.0.0.1:<paramref name="port"/> (off unless given), with keys of its `console` if any.</summary>
    public GatewayYaml Http(int port, string? console = null)
    {
        _http = $"listen: 127.0.0.1:{port}\n" + (console is null ? "" : "console:\n" + Indented(console, 1));
        return this;
    }

    /// <summary>A whole top-level section, e.g. `logging:` and its keys.</summary>
    public GatewayYaml Section(string yaml)
    {
        _sections.Add(yaml);
        return this;
    }

    public override string ToString()
    {
        var yaml = new StringBuilder();
        yaml.Append("gateway:\n")
            .Append("  name: ").Append(_name).Append('\n')
            .Append("  labels: { site: ").Append(_site).Append(" }\n")
            .Append("  dataDirectory: ").Append(_dataDirectory).Append('\n');
        foreach (var key in _gatewayKeys)
        {
            yaml.Append(Indented(key, 1));
        }

        if (_simulator.Length > 0)
        {
            yaml.Append(Indented(_simulator, 0));
        }

        yaml.Append("sources:\n").Append(Indented(_sources, 1));
        yaml.Append("sinks:\n");
        foreach (var sink in _sinks)
        {
            yaml.Append(Indented(sink, 1));
        }

        yaml.Append("http:\n").Append(Indented(_http, 1));
        foreach (var section in _sections)
        {
            yaml.Append(Indented(section, 0));
        }

        return yaml.ToString();
    }

    /// <summary>Writes the file as gateway.yaml in <paramref name="directory"/>; returns its path.</summary>
    public string WriteTo(string directory)
    {
        var path = Path.Combine(directory, "gateway.yaml");
        File.WriteAllText(path, ToString());
        return path;
    }

    private static string Indented(string yaml, int levels)
    {
        var indent = new string(' ', 2 * levels);
        var text = new StringBuilder();
        foreach (var line in yaml.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'))
        {
            text.Append(line.Length == 0 ? "" : indent).Append(line).Append('\n');
        }

        return text.ToString();
    }
}
