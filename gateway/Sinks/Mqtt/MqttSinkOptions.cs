using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

using Gateway.Core;

namespace Gateway.Sinks.Mqtt;

/// <summary>The YAML keys of a `type: mqtt` sink entry (camelCase), with the broker keys of <see cref="BrokerConnectionOptions"/>. Read by the configuration binder and the schema generator.</summary>
public sealed class MqttSinkOptions : BrokerConnectionOptions
{
    [Description("Run an MQTT broker inside the gateway (MQTTnet server) and publish into it, so no external broker is needed.")]
    public bool Embedded { get; set; }

    [Description("Address the embedded broker listens on: 127.0.0.1 (default, this machine only), ::1, or another address of this machine (0.0.0.0 or `::`: every interface), which needs `users` or `allowAnonymous: true`.")]
    public string Bind { get; set; } = "127.0.0.1";

    [Description("Embedded broker: the accounts that may connect (name and passwordHash from `gateway mqtt-password`). With users, a client without a user name is refused unless `allowAnonymous` is true.")]
    public List<EmbeddedBrokerUser> Users { get; set; } = [];

    [Description("Embedded broker: accept clients without a user name even with `users` set or on a non-loopback `bind` (then warned about at every start: anyone who reaches the port reads every reading).")]
    public bool AllowAnonymous { get; set; }

    [Description("Embedded broker: also listen with TLS (MQTT over TLS, usually port 8883), with this certificate.")]
    public EmbeddedBrokerTlsOptions? BrokerTls { get; set; }

    [Description("Host name or address of the external broker (ignored when `embedded` is true).")]
    public override string Host { get; set; } = "127.0.0.1";

    [Description("TCP port of the broker (the embedded broker listens on it).")]
    public override int Port { get; set; } = 1883;

    [Range(0, 4_294_967)]
    [Description("MQTT session expiry in seconds (clean start is off), so unacknowledged QoS 1/2 messages survive a reconnect.")]
    public int SessionExpirySeconds { get; set; } = 3600;

    [Description("Topic of each reading (payload `json`). Placeholders: {site} {machine} {tag} {source} {measurement} {gateway} and any label of the reading.")]
    public string Topic { get; set; } = TopicTemplate.DefaultReadingTopic;

    [Description("Payload format: `json` (one message per reading, default) or `json-batch` (one message per machine per delivery).")]
    public string Payload { get; set; } = PayloadFormats.Json;

    [Description("Topic of a `json-batch` message. Placeholders as for `topic`, except {tag} and {measurement}.")]
    public string BatchTopic { get; set; } = TopicTemplate.DefaultBatchTopic;

    [Description("Catch-up after an outage: when set, a large backlog is replayed as `json-batch` messages on this topic (placeholders as for `batchTopic`, e.g. replay/{site}/{machine}) while fresh readings go out at once on `topic`/`batchTopic`; each topic keeps per-tag order. Empty (default): one stream, per-tag order, fresh readings wait behind their tag's backlog.")]
    public string ReplayTopic { get; set; } = "";

    [Range(1, 100_000)]
    [Description("Most readings in one `json-batch` message; a larger group is split into several messages.")]
    public int MaxReadingsPerMessage { get; set; } = 1000;

    [Range(0, 2)]
    [Description("MQTT quality of service: 0, 1 (default) or 2. A reading counts as delivered when the broker acknowledged it.")]
    public int Qos { get; set; } = 1;

    [Description("Publish readings with the retain flag.")]
    public bool Retain { get; set; }

    [Description("Retain only the readings whose topic matches one of these MQTT filters (`+`, `#`), so each of those topics keeps its last value for new subscribers (a unified namespace's current state); the others are not retained.")]
    public List<string> RetainTopics { get; set; } = [];

    [Description("Topic of the retained online/offline status message (also the Last Will). Empty turns it off.")]
    public string StatusTopic { get; set; } = TopicTemplate.DefaultStatusTopic;

    [Range(1, 65535)]
    [Description("Most QoS 1/2 messages awaiting acknowledgement at once (the broker's Receive Maximum lowers it).")]
    public int MaxInflight { get; set; } = 256;

    [Description("Send the packets written while a send is under way together, in one system call (TCP and TLS). Off: one send per packet, as MQTTnet does alone.")]
    public bool CoalesceWrites { get; set; } = true;
}

/// <summary>The values of the `payload` key.</summary>
public static class PayloadFormats
{
    public const string Json = "json";
    public const string JsonBatch = "json-batch";
}
