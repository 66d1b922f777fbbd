using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

using Gateway.Core;
using Gateway.Sinks.Mqtt;

namespace Gateway.Sinks.Sparkplug;

/// <summary>The YAML keys of a `type: sparkplug` sink entry (camelCase). The broker keys (<see cref="BrokerConnectionOptions"/>) are those of `type: mqtt`.</summary>
public sealed class SparkplugSinkOptions : BrokerConnectionOptions
{
    [Description("Host name or address of the MQTT broker (the Sparkplug MQTT server).")]
    public override string Host { get; set; } = "127.0.0.1";

    [Description("Sparkplug group id (first topic level after spBv1.0). Default: the gateway's `site` label.")]
    public string? GroupId { get; set; }

    [Description("Sparkplug edge node id. Default: the gateway's name.")]
    public string? EdgeNodeId { get; set; }

    [Description("Sparkplug device id of a machine, a template: {machine} (default), {source} and labels such as {line}.")]
    public string DeviceId { get; set; } = "{machine}";

    [Description("Host id of the primary host application: the node then births only while spBv1.0/STATE/{id} says online; meanwhile readings wait in the buffer.")]
    public string? PrimaryHostId { get; set; }

    [Description("Sparkplug datatype of tags, by tag name (`Count: UInt16`, `Temp: Float`); default Double, Int64, Boolean, String or their arrays after the value.")]
    public Dictionary<string, string> Datatypes { get; set; } = new(StringComparer.Ordinal);

    [Range(1024, 268_435_455)]
    [Description("Largest payload in bytes; a machine's DDATA that would be larger is split into several messages.")]
    public int MaxPayloadBytes { get; set; } = 256 * 1024;

    [Description("MQTT keep-alive in seconds: how soon the broker notices a dead gateway and publishes its NDEATH.")]
    public override int KeepAliveSeconds { get; set; } = 30;

    [Description("Timeout for connecting and for the broker's answer to each delivery, in milliseconds.")]
    public override int TimeoutMs { get; set; } = 10_000;
}
