using Gateway.Testing;

namespace Gateway.Deploy.Tests;

/// <summary>
/// The shipped embedded default (config/gateway.yaml) run with its ports on free ones, so a test never collides with
/// another gateway on this shared machine: through the environment variables the file reads
/// (GATEWAY_MQTT_PORT, GATEWAY_HTTP_LISTEN, GATEWAY_SIMULATOR_PORT, INFLUX_URL), and by rewriting a fixed port if
/// the file still names one. Everything else is the file as shipped.
/// </summary>
public sealed record EmbeddedDefault(string ConfigPath, int MqttPort, int HttpPort, IReadOnlyDictionary<string, string> Environment)
{
    public static EmbeddedDefault Prepare(string shippedConfig, string directory)
    {
        var mqtt = FreePort.Next();
        var http = FreePort.Next();
        var text = File.ReadAllText(shippedConfig)
            .Replace("port: 1883", $"port: {mqtt}", StringComparison.Ordinal)
            .Replace("listen: 127.0.0.1:9180", $"listen: 127.0.0.1:{http}", StringComparison.Ordinal);
        var path = Path.Combine(directory, "gateway.yaml");
        File.WriteAllText(path, text);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["GATEWAY_DATA"] = Path.Combine(directory, "state"),
            ["GATEWAY_MQTT_PORT"] = mqtt.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GATEWAY_HTTP_LISTEN"] = $"127.0.0.1:{http}",
            ["GATEWAY_SIMULATOR_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GATEWAY_SIMULATOR_MODBUS_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Nothing listens there: the InfluxDB sink's readings wait in the buffer, as on a PC whose center is away.
            ["INFLUX_URL"] = $"http://127.0.0.1:{FreePort.Next()}",
        };
        return new EmbeddedDefault(path, mqtt, http, environment);
    }
}
