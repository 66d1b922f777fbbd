using Gateway.Connectors.OpcUa;

namespace Gateway.Configuration.Tests;

/// <summary>An OPC UA `mode: events` group: no tags needed, its keys bound, and a group of another mode still needs tags.</summary>
public sealed class EventsGroupTests : IDisposable
{
    private readonly ConfigDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void An_events_group_without_tags_reads_one_tag_events_with_its_filter_keys()
    {
        _dir.Write("gateway.yaml", """
            gateway:
              name: gw
            sources:
              - name: cnc
                endpoint: opc.tcp://10.0.0.5:4840
                allowAck: true
                machines:
                  - name: cnc-01
                    groups:
                      - name: alarms
                        mode: events
                        notifiers: ["ns=2;s={machine}.Alarms"]
                        fields: ["2:AlarmNumber"]
                        where:
                          ofType: [AlarmConditionType]
                          minSeverity: 300
                          sourceNames: [Spindle]
                        episodeEnd: acknowledged
            sinks:
              - type: mqtt
                name: broker
            """);
        var result = _dir.Load();
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var tag = Assert.Single(result.Tags);
        Assert.Equal("events", tag.Tag);
        Assert.Equal("ns=2;s=cnc-01.Alarms", ((OpcUaTagAddress)tag.Address).NodeId); // placeholders substituted like any address
        var options = (OpcUaGroupOptions)tag.GroupOptions;
        Assert.Equal(AcquisitionMode.Events, options.Mode);
        Assert.Equal(["2:AlarmNumber"], options.Fields);
        Assert.Equal(["AlarmConditionType"], options.Where.OfType);
        Assert.Equal(300, options.Where.MinSeverity);
        Assert.Equal(["Spindle"], options.Where.SourceNames);
        Assert.Equal("acknowledged", options.EpisodeEnd);
        Assert.True(((OpcUaSourceOptions)result.Config!.Sources[0].Options!).AllowAck);
    }

    [Fact]
    public void A_subscribe_group_without_tags_is_an_error_that_names_the_group()
    {
        _dir.Write("gateway.yaml", """
            gateway:
              name: gw
            sources:
              - name: cnc
                endpoint: opc.tcp://10.0.0.5:4840
                machines:
                  - name: cnc-01
                    groups:
                      - name: spindle
            """);
        var result = _dir.Load();
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.ToString().Contains("tag group 'spindle' of machine 'cnc-01' has no tags", StringComparison.Ordinal));
    }
}
