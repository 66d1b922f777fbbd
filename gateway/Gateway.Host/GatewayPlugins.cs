using Gateway.Core;
using Gateway.Sinks.InfluxDb;
using Gateway.Sinks.Mqtt;

namespace Gateway.Host;

/// <summary>The sink kinds this build knows. Adding a sink: its own folder, plus one line here.</summary>
public static class GatewayPlugins
{
    public static SinkRegistry CreateSinkRegistry() => new SinkRegistry()
        .Add(new MqttSinkPlugin())
        .Add(new InfluxDbSinkPlugin());
}
