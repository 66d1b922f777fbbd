using Gateway.Configuration.Model;
using Gateway.Connectors.OpcUa;
using Gateway.Core;

namespace Gateway.Configuration.Tests;

/// <summary>Templates and machines expanding into ResolvedTags: placeholders, labels, measurement, normalization precedence.</summary>
public sealed class TemplateExpansionTests : IDisposable
{
    private const string Yaml = """
        gateway:
          name: gw
          labels:
            site: changwon
            line: gateway-line
        normalize:
          unit: file-unit
          scale: 1
          offset: 0.5
          deadbandPercent: 1
          timestamp: server
          onlyOnChange: false
          maxClockSkewMs: 5000
        templates:
          fanuc-0i:
            normalize:
              unit: template-unit
              scale: 2
              offset: 2.5
              bad: drop
              deadbandPercent: 2
            groups:
              - name: spindle
                intervalMs: 500
                measurement: cnc
                normalize:
                  unit: group-unit
                  scale: 3
                tags:
                  - name: speed
                    nodeId: ns={ns};s={machine}.Spindle.Speed
                    normalize:
                      unit: rpm
                  - name: load
                    path: Objects/{machine}/Spindle/Load
        sources:
          - name: line1
            endpoint: opc.tcp://10.0.0.5:4840
            labels:
              line: L1
              vendor: fanuc
            normalize:
              unit: source-unit
              scale: 5
              offset: 5.5
              bad: pass
              uncertain: drop
              deadbandPercent: 5
              timestamp: source
            machines:
              - name: cnc-01
                template: fanuc-0i
                labels:
                  line: L1-east
                variables:
                  ns: "3"
                normalize:
                  scale: 4
                  offset: 4.5
              - name: cnc-02
                template: fanuc-0i
                variables:
                  ns: "4"
                groups:
                  - name: extra
                    mode: poll
                    tags:
                      - name: alarm
                        nodeId: ns=4;i=1001
        sinks:
          - type: mqtt
            name: broker
        """;

    private readonly ConfigDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private ConfigurationResult Load()
    {
        _dir.Write("gateway.yaml", Yaml);
        var result = _dir.Load();
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result;
    }

    [Fact]
    public void Each_machine_gets_its_template_groups_then_its_own_with_placeholders_substituted()
    {
        var tags = Load().Tags;

        Assert.Equal(
            [
                "line1/cnc-01/spindle/speed ns=3;s=cnc-01.Spindle.Speed",
                "line1/cnc-01/spindle/load Objects/cnc-01/Spindle/Load",
                "line1/cnc-02/spindle/speed ns=4;s=cnc-02.Spindle.Speed",
                "line1/cnc-02/spindle/load Objects/cnc-02/Spindle/Load",
                "line1/cnc-02/extra/alarm ns=4;i=1001",
            ],
            tags.Select(OpcUa).Select(t => $"{t.Source}/{t.Machine}/{t.Group}/{t.Tag} {t.NodeId ?? t.BrowsePath}"));
        Assert.All(tags.Select(OpcUa).Where(t => t.NodeId is not null), t => Assert.Null(t.BrowsePath));
        Assert.Equal(new TagKey("line1", "cnc-02", "alarm"), tags[4].Key);
    }

    [Fact]
    public void An_address_without_placeholders_is_shared_and_one_with_them_is_a_copy_per_machine()
    {
        _dir.Write("gateway.yaml", """
            gateway:
              name: gw
            templates:
              press:
                groups:
                  - name: g
                    tags:
                      - { name: fixed, nodeId: "ns=2;s=Shared.Counter" }
                      - { name: own, nodeId: "ns=2;s={machine}.Force" }
            sources:
              - name: s1
                endpoint: opc.tcp://10.0.0.5:4840
                machines:
                  - { name: press-01, template: press }
                  - { name: press-02, template: press }
                  - name: press-03
                    groups:
                      - name: g
                        tags:
                          - { name: alone, nodeId: "ns=2;s=Alone" }
            sinks:
              - type: mqtt
                name: broker
            """);

        var result = _dir.Load();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        object Address(string machine, string tag) => result.Tags.Single(t => t.Machine == machine && t.Tag == tag).Address;
        // Nothing substituted: the one address the file wrote, not a copy per machine...
        Assert.Same(Address("press-01", "fixed"), Address("press-02", "fixed"));
        Assert.Equal("ns=2;s=Shared.Counter", ((OpcUaTagAddress)Address("press-02", "fixed")).NodeId);
        // ...and a placeholder makes each machine's own.
        Assert.NotSame(Address("press-01", "own"), Address("press-02", "own"));
        Assert.Equal("ns=2;s=press-01.Force", ((OpcUaTagAddress)Address("press-01", "own")).NodeId);
        Assert.Equal("ns=2;s=press-02.Force", ((OpcUaTagAddress)Address("press-02", "own")).NodeId);
        Assert.Equal("ns=2;s=Alone", ((OpcUaTagAddress)Address("press-03", "alone")).NodeId);
    }

    [Fact]
    public void Measurement_is_the_groups_else_the_source_name_and_the_group_settings_travel_with_the_tag()
    {
        var tags = Load().Tags;

        Assert.Equal("cnc", tags[0].Measurement);
        Assert.Equal("line1", tags[4].Measurement);
        Assert.Equal(500, tags[0].IntervalMs);
        Assert.Equal(AcquisitionMode.Poll, OpcUa(tags[4]).GroupConfig.Mode);
    }

    [Fact]
    public void Labels_merge_gateway_source_machine_with_the_machine_winning()
    {
        var tags = Load().Tags;

        Assert.Equal("line=L1-east,site=changwon,vendor=fanuc", tags[0].Labels.ToString());
        Assert.Equal("line=L1,site=changwon,vendor=fanuc", tags[2].Labels.ToString());
    }

    [Fact]
    public void Normalization_merges_field_by_field_tag_group_machine_template_source_file()
    {
        var tags = Load().Tags;
        var speed1 = tags[0].Normalize;
        var load1 = tags[1].Normalize;
        var speed2 = tags[2].Normalize;
        var alarm2 = tags[4].Normalize;

        Assert.Equal("rpm", speed1.Unit);               // tag
        Assert.Equal("group-unit", load1.Unit);         // group
        Assert.Equal(3, speed1.Scale);                  // group beats machine
        Assert.Equal(4.5, speed1.Offset);               // machine beats template
        Assert.Equal(2.5, speed2.Offset);               // template (cnc-02 sets no offset)
        Assert.Equal(QualityPolicy.Drop, speed1.Bad);   // template beats source
        Assert.Equal(QualityPolicy.Drop, speed1.Uncertain); // source
        Assert.Equal(TimestampChoice.Source, speed1.Timestamp); // source beats file
        Assert.Equal(5000, speed1.MaxClockSkewMs);      // file
        Assert.False(speed1.OnlyOnChange);              // file
        Assert.Null(speed1.Type);                       // nobody: the built-in default

        // cnc-02's own group has no template: machine, then source, then file.
        Assert.Equal("source-unit", alarm2.Unit);
        Assert.Equal(5, alarm2.Scale);
        Assert.Equal(5, alarm2.DeadbandPercent);
        Assert.Equal(2, speed2.DeadbandPercent);
    }

    [Fact]
    public void An_unknown_placeholder_names_the_machine_and_the_known_variables()
    {
        var path = _dir.Write("gateway.yaml", Yaml.Replace("ns={ns};s={machine}", "ns={nss};s={machine}", StringComparison.Ordinal));

        var result = _dir.Load();

        Assert.Equal(
            [
                $"{path}:31:21: unknown placeholder {{nss}} in nodeId of tag 'speed' (machine 'cnc-01'); did you mean {{ns}}? known: {{machine}}, {{ns}}; add it to the machine's variables",
                $"{path}:31:21: unknown placeholder {{nss}} in nodeId of tag 'speed' (machine 'cnc-02'); did you mean {{ns}}? known: {{machine}}, {{ns}}; add it to the machine's variables",
            ],
            result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void A_templates_group_and_tag_keys_are_checked_as_the_using_sources_type_once_at_the_templates_lines()
    {
        var path = _dir.Write("gateway.yaml", """
            gateway:
              name: gw
            templates:
              cnc:
                groups:
                  - name: g
                    mdoe: poll
                    tags:
                      - name: t
                        nodeId: "ns=2;s={machine}.T"
                        indexRnage: "0:1"
              unused:
                groups:
                  - name: g
                    queueSzie: 3
                    tags:
                      - {name: t, nodeId: "i=1"}
            sources:
              - name: s1
                endpoint: opc.tcp://10.0.0.5:4840
                machines:
                  - {name: m1, template: cnc}
                  - {name: m2, template: cnc}
            sinks:
              - type: mqtt
                name: broker
            """);

        var result = _dir.Load();

        // Two machines use `cnc`: each mistake once. `unused` has no source, and is checked as the default type, opcua.
        Assert.Equal(
            [
                $"{path}:7:9: unknown key 'mdoe' in templates.cnc.groups[0]; did you mean 'mode'?",
                $"{path}:11:13: unknown key 'indexRnage' in templates.cnc.groups[0].tags[0]; did you mean 'indexRange'?",
                $"{path}:15:9: unknown key 'queueSzie' in templates.unused.groups[0]; did you mean 'queueSize'?",
            ],
            result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Twelve_machines_from_one_template_give_twelve_times_its_tags()
    {
        var machines = string.Join("\n", Enumerable.Range(1, 12).Select(i => $"      - name: press-{i:00}\n        template: press"));
        _dir.Write("gateway.yaml", $"""
            gateway:
              name: gw
            templates:
              press:
                groups:
                  - name: g
                    tags:
                      - name: force
                        nodeId: ns=2;s={"{machine}"}.Force
                      - name: strokes
                        nodeId: ns=2;s={"{machine}"}.Strokes
            sources:
              - name: shop
                endpoint: opc.tcp://10.0.0.5:4840
                machines:
            {machines}
            sinks:
              - type: mqtt
                name: broker
            """);

        var result = _dir.Load();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(24, result.Tags.Count);
        Assert.Equal(24, result.Tags.Select(t => OpcUa(t).NodeId).Distinct().Count());
        Assert.Equal("1 source, 12 machines, 24 tags, 1 sink", ConfigurationSummary.Describe(result));
    }

    [Fact]
    public void A_template_tag_expanded_for_two_machines_shares_its_location_text_and_namespace_part_but_keeps_its_own_node_id()
    {
        _dir.Write("gateway.yaml", """
            gateway:
              name: gw
            templates:
              press:
                groups:
                  - name: g
                    tags:
                      - name: force
                        nodeId: "nsu=urn:vendor:press;s={machine}.Force"
                      - name: ram
                        nodeId: "nsu=urn:vendor:press;s={machine}.Ram"
            sources:
              - name: shop
                endpoint: opc.tcp://10.0.0.5:4840
                machines:
                  - name: press-01
                    template: press
                  - name: press-02
                    template: press
            sinks:
              - type: mqtt
                name: broker
            """);

        var result = _dir.Load();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var tags = ResolvedTag.ToSourceTags(result.Tags);
        SourceTag Of(string machine, string tag) => tags.Single(t => t.Machine == machine && t.Tag == tag);
        Assert.Same(Of("press-01", "force").Location, Of("press-02", "force").Location);
        Assert.NotEqual(Of("press-01", "force").Location, Of("press-01", "ram").Location);
        Assert.Equal(result.Tags.Select(t => t.ToSourceTag()), tags); // the same values as one tag at a time
        var address1 = (OpcUaTagAddress)Of("press-01", "force").Address;
        var address2 = (OpcUaTagAddress)Of("press-02", "ram").Address;
        Assert.Equal("nsu=urn:vendor:press;s=press-01.Force", address1.NodeId);
        Assert.Equal("nsu=urn:vendor:press;s=press-02.Ram", address2.NodeId);
        Assert.Equal("nsu=urn:vendor:press;s=press-01.Force", OpcUa(result.Tags[0]).NodeId);
    }

    [Fact]
    public void Tags_with_equal_merged_rules_share_one_instance_and_a_tag_with_other_rules_has_its_own()
    {
        _dir.Write("gateway.yaml", """
            gateway:
              name: gw
            templates:
              press:
                groups:
                  - name: g
                    normalize: { unit: kN, deadbandAbsolute: 1, enum: { 0: OFF, 1: ON } }
                    tags:
                      - name: force
                        nodeId: ns=2;s={machine}.Force
                      - name: strokes
                        nodeId: ns=2;s={machine}.Strokes
                        normalize: { scale: 2 }
                      - name: ram
                        nodeId: ns=2;s={machine}.Ram
                        normalize: { unit: kN, enum: { 1: ON, 0: OFF } }
                      - name: mode
                        nodeId: ns=2;s={machine}.Mode
                        normalize: { enum: { 0: OFF, 1: RUN } }
            sources:
              - name: shop
                endpoint: opc.tcp://10.0.0.5:4840
                machines:
                  - name: press-01
                    template: press
                  - name: press-02
                    template: press
            sinks:
              - type: mqtt
                name: broker
            """);

        var result = _dir.Load();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        NormalizeConfig Rules(string machine, string tag) => result.Tags.Single(t => t.Machine == machine && t.Tag == tag).Normalize;
        // The same tag on two machines, and a tag that repeats the group's rules (its map in another order): one instance.
        Assert.Same(Rules("press-01", "force"), Rules("press-02", "force"));
        Assert.Same(Rules("press-01", "force"), Rules("press-01", "ram"));
        Assert.Same(Rules("press-01", "strokes"), Rules("press-02", "strokes"));
        // Other rules, by one field or by one name in the map: their own instance, with their own values.
        Assert.NotSame(Rules("press-01", "force"), Rules("press-01", "strokes"));
        Assert.Equal(2, Rules("press-01", "strokes").Scale);
        Assert.Null(Rules("press-01", "force").Scale);
        Assert.NotSame(Rules("press-01", "force"), Rules("press-01", "mode"));
        Assert.Equal("RUN", Rules("press-02", "mode").Enum!["1"]);
        Assert.Equal("ON", Rules("press-02", "force").Enum!["1"]);
        Assert.Equal(3, result.Tags.Select(t => t.Normalize).Distinct().Count());
    }

    [Fact]
    public void Relative_data_and_buffer_directories_resolve_against_the_config_file()
    {
        _dir.Write("etc/gateway.yaml", ConfigDirectory.OneSource + ConfigDirectory.OneSink + """
            gateway:
              name: gw
              dataDirectory: ../var/data
            """);
        var defaultBuffer = _dir.Load("etc/gateway.yaml");
        _dir.Write("etc/gateway.yaml", ConfigDirectory.OneSource + ConfigDirectory.OneSink + """
            gateway:
              name: gw
            buffer:
              directory: spool
            """);
        var explicitBuffer = _dir.Load("etc/gateway.yaml");

        Assert.Equal(Path.Combine(_dir.Root, "var", "data"), defaultBuffer.Config!.Gateway.DataDirectory);
        Assert.Equal(Path.Combine(_dir.Root, "var", "data", "buffer"), defaultBuffer.Config.Buffer.Directory);
        Assert.Equal(Path.Combine(_dir.Root, "etc", "data"), explicitBuffer.Config!.Gateway.DataDirectory);
        Assert.Equal(Path.Combine(_dir.Root, "etc", "spool"), explicitBuffer.Config.Buffer.Directory);
    }

    /// <summary>The tag as the OPC UA connector takes it (its address and group keys typed).</summary>
    private static OpcUaTag OpcUa(ResolvedTag tag) => OpcUaTag.From(tag.ToSourceTag());
}
