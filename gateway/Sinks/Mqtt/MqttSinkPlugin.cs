using System.Net;

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

        if (!string.IsNullOrEmpty(o.ReplayTopic))
        {
            if (!TopicTemplate.TryParse(o.ReplayTopic, out var replayTopic, out problem))
            {
                yield return new("replayTopic", problem + ".");
            }
            else if (replayTopic.Placeholders.FirstOrDefault(p => p is "tag" or "measurement") is { } perTag)
            {
                yield return new("replayTopic", $"{{{perTag}}} differs within one replay message; use machine-level placeholders only ({{site}} {{machine}} {{source}} {{gateway}} or labels).");
            }
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

        foreach (var filter in o.RetainTopics)
        {
            if (!TopicFilter.IsValid(filter, out var filterProblem))
            {
                yield return new("retainTopics", filterProblem + ".");
            }
        }

        if (o.Retain && o.RetainTopics.Count > 0)
        {
            yield return new("retainTopics", "`retain: true` already retains every reading; remove `retain` to retain only the topics listed here, or remove `retainTopics`.");
        }

        foreach (var connectionProblem in BrokerConnectionChecks.Validate(o))
        {
            yield return connectionProblem;
        }

        if (o.Embedded)
        {
            foreach (var brokerProblem in ValidateEmbeddedBroker(o))
            {
                yield return brokerProblem;
            }
        }
        else
        {
            foreach (var key in new[] { ("users", o.Users.Count > 0), ("allowAnonymous", o.AllowAnonymous), ("brokerTls", o.BrokerTls is not null) }.Where(k => k.Item2).Select(k => k.Item1))
            {
                yield return new(key, $"`{key}` configures the embedded broker, but `embedded` is false; set `embedded: true` or remove `{key}`.");
            }
        }

        if (o.ReconnectMaxDelayMs < o.ReconnectDelayMs)
        {
            yield return new("reconnectMaxDelayMs", $"{o.ReconnectMaxDelayMs} is below `reconnectDelayMs` ({o.ReconnectDelayMs}).");
        }
    }

    /// <summary>
    /// The embedded broker's settings. Security by default: a bind that other machines can reach needs users
    /// (or an explicit `allowAnonymous: true`), so no network client publishes or reads without a password.
    /// </summary>
    private static IEnumerable<OptionProblem> ValidateEmbeddedBroker(MqttSinkOptions o)
    {
        var anonymousFix = "add `users` (name and passwordHash from `gateway mqtt-password`), or set `allowAnonymous: true` if every machine that can reach it may read all readings";
        if (!IPAddress.TryParse(o.Bind, out var bind))
        {
            yield return new("bind", $"'{o.Bind}' is not an IP address; use 127.0.0.1 (this machine only) or an address of this machine.");
        }
        else if (!IPAddress.IsLoopback(bind) && o.Users.Count == 0 && !o.AllowAnonymous)
        {
            yield return new("bind", $"'{o.Bind}' lets other machines connect to the embedded broker, which then needs a password: {anonymousFix}.");
        }

        if (o.Tls)
        {
            yield return new("tls", "`tls` is for connecting to an external broker; to serve TLS from the embedded broker, set `brokerTls` (certFile, keyFile, port).");
        }

        if (!string.IsNullOrEmpty(o.Username))
        {
            // The sink proves itself to its own broker with an in-process credential; a configured one would be ignored.
            yield return new("username", "`username` and `password` are for an external broker; the gateway connects to its embedded broker by itself. Accounts for other clients go under `users`.");
        }

        if (o.BrokerTls is { } tls)
        {
            if (!string.IsNullOrEmpty(tls.Bind))
            {
                if (!IPAddress.TryParse(tls.Bind, out var tlsBind))
                {
                    yield return new("brokerTls.bind", $"'{tls.Bind}' is not an IP address; use 127.0.0.1 (this machine only) or an address of this machine.", tls);
                }
                else if (!IPAddress.IsLoopback(tlsBind) && o.Users.Count == 0 && !o.AllowAnonymous)
                {
                    yield return new("brokerTls.bind", $"'{tls.Bind}' lets other machines connect to the embedded broker, which then needs a password: {anonymousFix}.", tls);
                }
            }

            if (tls.Port == o.Port)
            {
                yield return new("brokerTls.port", $"{tls.Port} is also `port` (the plain listener); choose another, usually 8883.", tls);
            }

            var missing = false;
            foreach (var (key, file) in new[] { ("certFile", tls.CertFile), ("keyFile", tls.KeyFile) })
            {
                if (!string.IsNullOrEmpty(file) && !File.Exists(file))
                {
                    missing = true;
                    yield return new("brokerTls." + key, $"file '{file}' not found.", tls);
                }
            }

            // The broker loads these at start; a pair that does not load would stop the gateway there, so read it here.
            if (!missing && !string.IsNullOrEmpty(tls.CertFile) && !string.IsNullOrEmpty(tls.KeyFile) && BrokerConnectionChecks.PemPairProblem(tls.CertFile, tls.KeyFile) is { } certificateProblem)
            {
                yield return new("brokerTls.certFile", certificateProblem, tls);
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < o.Users.Count; i++)
        {
            var user = o.Users[i];
            var path = $"users[{i}]";
            if (string.IsNullOrEmpty(user.Name))
            {
                yield return new(path + ".name", "a user needs a name.", user);
            }
            else if (!names.Add(user.Name))
            {
                yield return new(path + ".name", $"user '{user.Name}' is listed twice; keep one.", user);
            }

            if (!BrokerPasswordHash.TryParse(user.PasswordHash, out _, out var problem))
            {
                // The hash itself is a secret of sorts: never echoed.
                yield return new(path + ".passwordHash", problem + ".", user);
            }

            foreach (var filter in user.Publish)
            {
                if (!TopicFilter.IsValid(filter, out problem))
                {
                    yield return new(path + ".publish", problem + ".", user);
                }
            }
        }
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
            var statusTopic = status.Render(new TopicValues(gateway.Name, "", "", "", "", gateway.Labels), missing);
            if (owners.TryGetValue(statusTopic, out var shadowed))
            {
                // In one topic tree (a unified namespace) the retained status would be overwritten by readings.
                problems.Add(new(key, $"tag '{shadowed.Source}/{shadowed.Machine}/{shadowed.Tag}' would publish to '{statusTopic}', the gateway's status topic; change `statusTopic` or `{key}` so they differ."));
            }

            foreach (var name in missing.Where(m => !TopicTemplate.IsBuiltIn(m)))
            {
                problems.Add(new("statusTopic", $"the gateway has no label '{name}' for '{o.StatusTopic}'; add it under gateway.labels or change `statusTopic`."));
            }
        }

        return problems;
    }

    public ISink Create(string name, object options, SinkContext context) => new MqttSink(name, (MqttSinkOptions)options, context);
}
