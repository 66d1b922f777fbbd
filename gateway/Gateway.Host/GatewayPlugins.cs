using Gateway.Connectors.Melsec;
using Gateway.Connectors.Modbus;
using Gateway.Connectors.OpcUa;
using Gateway.Core;
using Gateway.Sinks.InfluxDb;
using Gateway.Sinks.Mqtt;
using Gateway.Sinks.Sparkplug;

namespace Gateway.Host;

/// <summary>The source and sink kinds this build knows. Adding one: its own folder, plus one line here.</summary>
public static class GatewayPlugins
{
    public static PluginCatalog Create() => new PluginCatalog()
        .Add(new OpcUaSourcePlugin())
        .Add(new MelsecSourcePlugin())
        .Add(new ModbusSourcePlugin())
        .Add(new MqttSinkPlugin())
        .Add(new InfluxDbSinkPlugin())
        .Add(new SparkplugSinkPlugin());
}
