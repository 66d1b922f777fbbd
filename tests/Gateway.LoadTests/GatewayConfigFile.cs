using System.Globalization;
using System.Text;

namespace Gateway.LoadTests;

/// <summary>The gateway's YAML for a load run: one subscribe group per machine with the generated tags, an MQTT sink and a VictoriaMetrics sink.</summary>
public static class GatewayConfigFile
{
    public const string Measurement = "load";

    public static string Render(LoadScenario scenario, IReadOnlyList<string> machines, int simulatorPort, int mqttPort, int influxPort, int httpPort, string dataDirectory)
    {
        var yaml = new StringBuilder();
        string I(int value) => value.ToString(CultureInfo.InvariantCulture);
        yaml.AppendLine($$"""
            gateway:
              name: load-gateway
              labels:
                site: load
              dataDirectory: {{dataDirectory}}

            templates:
              load-machine:
                groups:
                  - name: generated
                    mode: subscribe
                    intervalMs: {{I(Math.Max(scenario.RateMs, 1000))}}
                    samplingIntervalMs: {{I(scenario.RateMs)}}
                    # Every tick changes every value: the server queue must hold a publishing interval of them.
                    queueSize: {{I(scenario.QueueSize ?? Math.Max(10, (2 * Math.Max(scenario.RateMs, 1000) / scenario.RateMs) + 2))}}
                    measurement: {{Measurement}}
                    tags:
            """);
        for (var tag = 1; tag <= scenario.TagsPerMachine; tag++)
        {
            yaml.AppendLine(CultureInfo.InvariantCulture, $"              - {{ name: t{tag:D5}, nodeId: \"nsu=urn:changwon-gateway:simulator;s={{machine}}/Generated/Tag{tag:D5}\" }}");
        }

        yaml.AppendLine($$"""

            sources:
              - name: simulator
                endpoint: opc.tcp://127.0.0.1:{{I(simulatorPort)}}
                security: { mode: none }
                machines:
            """);
        foreach (var machine in machines)
        {
            yaml.AppendLine(CultureInfo.InvariantCulture, $"      - {{ name: {machine}, template: load-machine }}");
        }

        yaml.AppendLine($$"""

            sinks:
              - type: mqtt
                name: mqtt
                host: 127.0.0.1
                port: {{I(mqttPort)}}
                payload: {{scenario.Payload}}
                qos: 1
                statusTopic: ""
                reconnectMaxDelayMs: 2000
                replayTopic: "{{scenario.ReplayTopic ?? ""}}"
            {{(scenario.Victoria ? VictoriaSink(influxPort) : "")}}

            buffer:
              maxSizeMb: 4096
              commitIntervalMs: 5

            http:
              listen: 127.0.0.1:{{I(httpPort)}}

            logging:
              level: Warning
            """);
        return yaml.ToString();
    }

    private static string VictoriaSink(int influxPort) => $$"""
          - type: influxdb
            name: victoria
            url: http://127.0.0.1:{{influxPort.ToString(CultureInfo.InvariantCulture)}}
            org: load
            bucket: load
        """;
}
