using Gateway.Core;
using Gateway.Sinks.Mqtt;

namespace Gateway.Sinks.Sparkplug;

/// <summary>The `type: sparkplug` sink: registration, option checks (ids, datatypes, metric names over every tag), creation.</summary>
public sealed class SparkplugSinkPlugin : ISinkPlugin
{
    private const int MaxProblemsPerKind = 10;

    public string Type => "sparkplug";

    public Type OptionsType => typeof(SparkplugSinkOptions);

    public IEnumerable<OptionProblem> Validate(object options)
    {
        var o = (SparkplugSinkOptions)options;
        if (o.ProtocolVersion is not ("5" or "3.1.1"))
        {
            yield return new("protocolVersion", $"'{o.ProtocolVersion}' is not supported; use `5` or `3.1.1` (Sparkplug 3.0 allows both).");
        }

        foreach (var (key, value) in new[] { ("groupId", o.GroupId), ("edgeNodeId", o.EdgeNodeId), ("primaryHostId", o.PrimaryHostId) })
        {
            if (value is not null && SparkplugTopics.IdProblem(value) is { } problem)
            {
                yield return new(key, problem);
            }
        }

        if (!TopicTemplate.TryParse(o.DeviceId, out var deviceId, out var templateProblem))
        {
            yield return new("deviceId", templateProblem + ".");
        }
        else if (deviceId.Placeholders.FirstOrDefault(p => p is "tag" or "measurement") is { } perTag)
        {
            yield return new("deviceId", $"{{{perTag}}} differs between the tags of one machine; a device is a machine: use {{machine}}, {{source}} or labels.");
        }
        else if (o.DeviceId.Contains('/', StringComparison.Ordinal))
        {
            yield return new("deviceId", $"'{o.DeviceId}' contains '/', which a Sparkplug id must not (it is one topic level); use '-' or '_'.");
        }

        foreach (var (tag, name) in o.Datatypes)
        {
            if (!SparkplugDataTypes.ByName.ContainsKey(name))
            {
                yield return new($"datatypes.{tag}", $"'{name}' is not a Sparkplug datatype this sink writes; use one of {string.Join(", ", SparkplugDataTypes.ByName.Keys)}.");
            }
        }

        foreach (var connectionProblem in BrokerConnectionChecks.Validate(o))
        {
            yield return connectionProblem;
        }

        if (o.ReconnectMaxDelayMs < o.ReconnectDelayMs)
        {
            yield return new("reconnectMaxDelayMs", $"{o.ReconnectMaxDelayMs} is below `reconnectDelayMs` ({o.ReconnectDelayMs}).");
        }
    }

    public IEnumerable<OptionProblem> ValidateTags(object options, GatewayIdentity gateway, IReadOnlyList<TagIdentity> tags)
    {
        var o = (SparkplugSinkOptions)options;
        var problems = new List<OptionProblem>();
        if (o.GroupId is null && gateway.Labels["site"] is not { } site)
        {
            problems.Add(new("groupId", "no `groupId` and the gateway has no `site` label to take it from; set `groupId` or add `site` under gateway.labels."));
        }
        else if (o.GroupId is null && SparkplugTopics.IdProblem(gateway.Labels["site"]!) is { } siteProblem)
        {
            problems.Add(new("groupId", $"the gateway's `site` label cannot be the group id: {siteProblem} Set `groupId`."));
        }

        if (o.EdgeNodeId is null && SparkplugTopics.IdProblem(gateway.Name) is { } nameProblem)
        {
            problems.Add(new("edgeNodeId", $"the gateway's name cannot be the edge node id: {nameProblem} Set `edgeNodeId`."));
        }

        if (!TopicTemplate.TryParse(o.DeviceId, out var deviceId, out _))
        {
            return problems; // Validate reports the syntax.
        }

        // Within one device, a metric name is one tag: two tags of one device with one name would overwrite each other.
        var owners = new Dictionary<(string Device, string Metric), TagIdentity>();
        var missing = new List<string>();
        int missingCount = 0, collisionCount = 0;
        foreach (var tag in tags)
        {
            missing.Clear();
            var device = deviceId.Render(TopicValues.Of(tag, gateway.Name), missing);
            if (missing.Count > 0 && missingCount++ < MaxProblemsPerKind)
            {
                problems.Add(new("deviceId", $"machine '{tag.Machine}' (source '{tag.Source}') has no label {string.Join(", ", missing.Select(m => "'" + m + "'"))} for '{o.DeviceId}'; add it under the source's or machine's labels, or change `deviceId`."));
            }

            if (!owners.TryAdd((device, tag.Tag), tag))
            {
                var first = owners[(device, tag.Tag)];
                if (collisionCount++ < MaxProblemsPerKind)
                {
                    problems.Add(new("deviceId", $"tags '{first.Source}/{first.Machine}/{first.Tag}' and '{tag.Source}/{tag.Machine}/{tag.Tag}' are both metric '{tag.Tag}' of device '{device}'; add a placeholder that tells them apart ({{source}}, {{machine}}) to `deviceId`, or rename one tag."));
                }
            }
        }

        return problems;
    }

    public ISink Create(string name, object options, SinkContext context) => new SparkplugSink(name, (SparkplugSinkOptions)options, context);
}
