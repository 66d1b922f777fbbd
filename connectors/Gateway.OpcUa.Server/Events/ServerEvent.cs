using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Server.Events;

/// <summary>
/// One event as the server raised it (Part 5, 6.4.2 BaseEventType): its type, its source and its fields by browse path
/// ("Severity", "ActiveState/Id"). A select clause reads a field by its path; a path the event lacks reads as Null
/// (Part 4, 7.22.3).
/// </summary>
public sealed class ServerEvent
{
    private readonly Dictionary<string, Variant> _fields = new(StringComparer.Ordinal);

    public ServerEvent(NodeId eventType, NodeId sourceNode, string sourceName, DateTime time, string message, ushort severity)
    {
        EventType = eventType;
        SourceNode = sourceNode;
        EventId = Guid.NewGuid().ToByteArray();
        Set("EventId", Variant.FromObject(BuiltInType.ByteString, EventId));
        Set("EventType", Variant.FromObject(BuiltInType.NodeId, eventType));
        Set("SourceNode", Variant.FromObject(BuiltInType.NodeId, sourceNode));
        Set("SourceName", Variant.From(sourceName));
        Set("Time", Variant.From(time));
        Set("ReceiveTime", Variant.From(DateTime.UtcNow));
        Set("Message", Variant.FromObject(BuiltInType.LocalizedText, new LocalizedText(message)));
        Set("Severity", Variant.From(severity));
    }

    public NodeId EventType { get; }

    public NodeId SourceNode { get; }

    /// <summary>A condition's NodeId: what a select clause with an empty browse path and AttributeId NodeId reads (Part 9, 5.5.2).</summary>
    public NodeId? ConditionId { get; init; }

    public byte[] EventId { get; }

    /// <summary>Sets a field by its browse path, segments joined with '/' ("ActiveState/Id").</summary>
    public ServerEvent Set(string path, Variant value)
    {
        _fields[path] = value;
        return this;
    }

    public Variant Field(string path) => _fields.TryGetValue(path, out var value) ? value : Variant.Null;
}
