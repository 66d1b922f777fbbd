namespace Gateway.Sinks.Sparkplug;

/// <summary>
/// The topics of one edge node (Sparkplug 3.0, 4.1): spBv1.0/{group}/{type}/{node}[/{device}], and the primary
/// host's spBv1.0/STATE/{host}.
/// </summary>
public sealed class SparkplugTopics
{
    public const string Namespace = "spBv1.0";

    public SparkplugTopics(string groupId, string edgeNodeId)
    {
        GroupId = groupId;
        EdgeNodeId = edgeNodeId;
        NodeBirth = NodeTopic("NBIRTH");
        NodeDeath = NodeTopic("NDEATH");
        NodeData = NodeTopic("NDATA");
        NodeCommand = NodeTopic("NCMD");
    }

    public string GroupId { get; }

    public string EdgeNodeId { get; }

    public string NodeBirth { get; }

    public string NodeDeath { get; }

    public string NodeData { get; }

    public string NodeCommand { get; }

    public string DeviceBirth(string deviceId) => DeviceTopic("DBIRTH", deviceId);

    public string DeviceData(string deviceId) => DeviceTopic("DDATA", deviceId);

    public string DeviceDeath(string deviceId) => DeviceTopic("DDEATH", deviceId);

    public static string HostState(string hostId) => $"{Namespace}/STATE/{hostId}";

    /// <summary>
    /// Sparkplug 3.0, 4.1.1: group, edge node and device ids are one topic level each and use no MQTT wildcard; null
    /// when the id is usable, else what is wrong with it.
    /// </summary>
    public static string? IdProblem(string id)
    {
        if (id.Length == 0)
        {
            return "an empty id is not allowed.";
        }

        var bad = id.FirstOrDefault(c => c is '/' or '+' or '#' or '\0');
        return bad == default ? null : $"'{id}' contains '{(bad == '\0' ? "NUL" : bad)}', which a Sparkplug id must not (ids are single topic levels without wildcards).";
    }

    private string NodeTopic(string type) => $"{Namespace}/{GroupId}/{type}/{EdgeNodeId}";

    private string DeviceTopic(string type, string deviceId) => $"{Namespace}/{GroupId}/{type}/{EdgeNodeId}/{deviceId}";
}
