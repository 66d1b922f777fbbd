using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

using Gateway.Core;

namespace Gateway.Sinks.Mqtt;

/// <summary>The `type: mqtt` sink: registration, option checks (including topic collisions over every tag), creation.</summary>
public sealed class MqttSinkPlugin : ISinkPlugin
{
    private const int MaxProblemsPerKind = 10;

    public string Type => "mqtt";

    public Type OptionsType => typeof(MqttSinkOptions);

    public IEnumerable<OptionProblem> Validate(object options)
    {
        var o = (MqttSinkOptions)options;
        if (o.Payload is not (PayloadFormats.Json or PayloadFormats.JsonBatch))
        {
            yield return new("payload", $"'{o.Payload}' is not a payload format; use `json` or `json-batch`.");
        }

        if (o.ProtocolVersion is not ("5" or "3.1.1"))
        {
            yield return new("protocolVersion", $"'{o.ProtocolVersion}' is not supported; use `5` or `3.1.1`.");
        }

        if (!TopicTemplate.TryParse(o.Topic, out _, out var problem))
        {
            yield return new("topic", problem + ".");
        }

        if (!TopicTemplate.TryParse(o.BatchTopic, out var batchTopic, out problem))
        {
            yield return new("batchTopic", problem + ".");
        }
        else if (batchTopic.Placeholders.FirstOrDefault(p => p is "tag" or "measurement") is { } perTag)
        {
            yield return new("batchTopic", $"{{{perTag}}} differs within one batch message; use machine-level placeholders only ({{site}} {{machine}} {{source}} {{gateway}} or labels).");
        }

        if (!string.IsNullOrEmpty(o.StatusTopic))
        {
            if (!TopicTemplate.TryParse(o.StatusTopic, out var statusTopic, out problem))
            {
                yield return new("statusTopic", problem + ".");
            }
            else if (statusTopic.Placeholders.FirstOrDefault(p => TopicTemplate.IsBuiltIn(p) && p != "gateway") is { } perReading)
            {
                yield return new("statusTopic", $"{{{perReading}}} is not known for the gateway's status; use {{gateway}} and gateway labels such as {{site}}.");
            }
        }

        if (!string.IsNullOrEmpty(o.Password) && string.IsNullOrEmpty(o.Username))
        {
            yield return new("username", "a `password` is set but no `username`; set both or neither.");
        }

        if (string.IsNullOrEmpty(o.CertFile) != string.IsNullOrEmpty(o.KeyFile))
        {
            yield return new(string.IsNullOrEmpty(o.CertFile) ? "certFile" : "keyFile", "a client certificate needs both `certFile` and `keyFile`.");
        }

        foreach (var (key, file) in new[] { ("caFile", o.CaFile), ("certFile", o.CertFile), ("keyFile", o.KeyFile) })
        {
            if (string.IsNullOrEmpty(file))
            {
                continue;
            }

            if (!o.Tls)
            {
                yield return new(key, $"`{key}` is set but `tls` is false; set `tls: true` or remove `{key}`.");
            }
            else if (!File.Exists(file))
            {
                yield return new(key, $"file '{file}' not found.");
            }
        }

        // BrokerTls reads these files when the sink is created, and a file it cannot read stops the whole gateway
        // at start; so they are read here too, and a bad one is a configuration error at its key.
        if (o.Tls && TlsFileProblem(o) is { } tlsProblem)
        {
            yield return tlsProblem;
        }

        if (o.Embedded)
        {
            if (!IPAddress.TryParse(o.Bind, out _))
            {
                yield return new("bind", $"'{o.Bind}' is not an IP address; use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).");
            }

            if (o.Tls)
            {
                yield return new("tls", "the embedded broker listens without TLS; set `tls: false` or use an external broker.");
            }
        }

        if (o.ReconnectMaxDelayMs < o.ReconnectDelayMs)
        {
            yield return new("reconnectMaxDelayMs", $"{o.ReconnectMaxDelayMs} is below `reconnectDelayMs` ({o.ReconnectDelayMs}).");
        }
    }

    private static OptionProblem? TlsFileProblem(MqttSinkOptions o)
    {
        if (!string.IsNullOrEmpty(o.CaFile) && File.Exists(o.CaFile))
        {
            try
            {
                var roots = new X509Certificate2Collection();
                roots.ImportFromPemFile(o.CaFile);
                if (roots.Count == 0)
                {
                    return new("caFile", $"'{o.CaFile}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
                }
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                return new("caFile", $"'{o.CaFile}' cannot be read as PEM certificates: {e.Message}.");
            }
        }

        if (!string.IsNullOrEmpty(o.CertFile) && !string.IsNullOrEmpty(o.KeyFile) && File.Exists(o.CertFile) && File.Exists(o.KeyFile))
        {
            try
            {
                using var certificate = X509Certificate2.CreateFromPemFile(o.CertFile, o.KeyFile);
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                return new("certFile", $"'{o.CertFile}' with key '{o.KeyFile}' is not a usable PEM certificate and private key: {e.Message}.");
            }
        }

        return null;
    }

    public IEnumerable<OptionProblem> ValidateTags(object options, GatewayIdentity gateway, IReadOnlyList<TagIdentity> tags)
    {
        var o = (MqttSinkOptions)options;
        var problems = new List<OptionProblem>();
        var batch = o.Payload == PayloadFormats.JsonBatch;
        var key = batch ? "batchTopic" : "topic";
        if (!TopicTemplate.TryParse(batch ? o.BatchTopic : o.Topic, out var template, out _))
        {
            return problems; // Validate reports the syntax.
        }

        var owners = new Dictionary<string, TagIdentity>(StringComparer.Ordinal);
        var missing = new List<string>();
        int missingCount = 0, collisionCount = 0;
        foreach (var tag in tags)
        {
            missing.Clear();
            var topic = template.Render(TopicValues.Of(tag, gateway.Name), missing);
            if (missing.Count > 0 && missingCount++ < MaxProblemsPerKind)
            {
                problems.Add(new(key, $"tag '{tag.Tag}' of machine '{tag.Machine}' (source '{tag.Source}') has no label {string.Join(", ", missing.Select(m => "'" + m + "'"))} for '{template.Text}'; add it under gateway.labels or the source's or machine's labels, or change `{key}`."));
            }

            if (!owners.TryAdd(topic, tag))
            {
                var first = owners[topic];
                var sameMachine = batch && first.Source == tag.Source && first.Machine == tag.Machine;
                if (!sameMachine && collisionCount++ < MaxProblemsPerKind)
                {
                    problems.Add(new(key, batch
                        ? $"machines '{first.Source}/{first.Machine}' and '{tag.Source}/{tag.Machine}' both publish batches to '{topic}'; add {{source}} or {{machine}} to `batchTopic`."
                        : $"tags '{first.Source}/{first.Machine}/{first.Tag}' and '{tag.Source}/{tag.Machine}/{tag.Tag}' both publish to '{topic}'; add a placeholder that tells them apart ({{source}}, {{measurement}}, {{machine}}) to `topic`, or rename one tag."));
                }
            }
        }

        if (!string.IsNullOrEmpty(o.StatusTopic) && TopicTemplate.TryParse(o.StatusTopic, out var status, out _))
        {
            missing.Clear();
            status.Render(new TopicValues(gateway.Name, "", "", "", "", gateway.Labels), missing);
            foreach (var name in missing.Where(m => !TopicTemplate.IsBuiltIn(m)))
            {
                problems.Add(new("statusTopic", $"the gateway has no label '{name}' for '{o.StatusTopic}'; add it under gateway.labels or change `statusTopic`."));
            }
        }

        return problems;
    }

    public ISink Create(string name, object options, SinkContext context) => new MqttSink(name, (MqttSinkOptions)options, context);
}
