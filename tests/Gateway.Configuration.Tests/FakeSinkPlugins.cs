using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

using Gateway.Core;

namespace Gateway.Configuration.Tests;

/// <summary>Options shaped like the real MQTT sink's, to exercise plugin binding without referencing the sink project.</summary>
public sealed class FakeMqttOptions
{
    [Description("Broker host.")]
    public string Host { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    public int Port { get; set; } = 1883;

    public string? Username { get; set; }

    [Secret]
    public string? Password { get; set; }

    public string Topic { get; set; } = "plant/{machine}/{tag}";

    [Range(0, 2)]
    public int Qos { get; set; } = 1;
}

public sealed class FakeInfluxOptions
{
    [Required]
    [RegularExpression("^https?://.+", ErrorMessage = "the URL starts with http:// or https://")]
    public string Url { get; set; } = "";

    public string Database { get; set; } = "factory";

    [Secret]
    public string? Token { get; set; }

    // The keys the shipped examples use; the real plugin's own tests cover their meaning.
    public string Api { get; set; } = "v2";

    public string? Org { get; set; }

    public string? Bucket { get; set; }

    public string? Username { get; set; }

    [Gateway.Core.Secret]
    public string? Password { get; set; }
}

/// <summary>A sink plugin for binding tests: it is never started, only its options type and checks matter.</summary>
public sealed class FakeSinkPlugin(string type, Type optionsType) : ISinkPlugin
{
    public string Type { get; } = type;

    public Type OptionsType { get; } = optionsType;

    public IEnumerable<OptionProblem> Validate(object options)
    {
        if (options is FakeMqttOptions { Topic: var topic } && topic.Contains('#', StringComparison.Ordinal))
        {
            yield return new OptionProblem("topic", "a publish topic must not contain '#'");
        }
    }

    public IEnumerable<OptionProblem> ValidateTags(object options, GatewayIdentity gateway, IReadOnlyList<TagIdentity> tags)
    {
        if (options is FakeMqttOptions { Topic: var topic } && !topic.Contains("{tag}", StringComparison.Ordinal) && tags.Count > 1)
        {
            yield return new OptionProblem("topic", $"all {tags.Count} tags map to the same topic; put {{tag}} in it");
        }
    }

    public ISink Create(string name, object options, SinkContext context) =>
        throw new NotSupportedException("configuration tests never start a sink");

    /// <summary>The real OPC UA and MELSEC source plugins and the two fake sinks.</summary>
    public static PluginCatalog Registry() => new PluginCatalog()
        .Add(new Gateway.Connectors.OpcUa.OpcUaSourcePlugin())
        .Add(new Gateway.Connectors.Melsec.MelsecSourcePlugin())
        .Add(new Gateway.Connectors.Modbus.ModbusSourcePlugin())
        .Add(new FakeSinkPlugin("mqtt", typeof(FakeMqttOptions)))
        .Add(new FakeSinkPlugin("influxdb", typeof(FakeInfluxOptions)));
}
