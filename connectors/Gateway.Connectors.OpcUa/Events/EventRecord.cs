using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.OpcUa.Client.DataTypes;
using Gateway.OpcUa.Types;

namespace Gateway.Connectors.OpcUa.Events;

/// <summary>
/// One event as the server sent it (an EventFieldList, its fields in <see cref="EventSelection.Fields"/> order), with
/// the fields the gateway reasons about typed, and all of them as one JSON object (docs/events.md, the reading's value).
/// </summary>
public sealed class EventRecord
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Variant[] _fields;
    private readonly EventSelection _selection;

    public EventRecord(EventSelection selection, Variant[]? fields)
    {
        _selection = selection;
        _fields = fields ?? [];
    }

    public byte[]? EventId => Field(EventSelection.EventId).Value as byte[];

    public NodeId? EventType => Field(EventSelection.EventType).Value as NodeId;

    public string? SourceName => Field(EventSelection.SourceName).Value as string;

    public DateTime? Time => Field(EventSelection.Time).Value is DateTime time && time > DateTime.UnixEpoch ? time : null;

    public string? Message => Field(EventSelection.Message).Value switch
    {
        LocalizedText text => text.Text,
        string text => text,
        _ => null,
    };

    public int? Severity => Field(EventSelection.Severity).TryGetInt64(out var severity) ? (int)severity : null;

    public NodeId? ConditionId => Field(EventSelection.ConditionId).Value as NodeId;

    public string? ConditionName => Field(EventSelection.ConditionName).Value as string;

    public bool? Retain => Flag(EventSelection.Retain);

    public bool? Active => Flag(EventSelection.ActiveState);

    public DateTime? ActiveSince => Field(EventSelection.ActiveSince).Value is DateTime time && time > DateTime.UnixEpoch ? time : null;

    public bool? Acked => Flag(EventSelection.AckedState);

    public bool? Confirmed => Flag(EventSelection.ConfirmedState);

    public bool? Enabled => Flag(EventSelection.EnabledState);

    /// <summary>
    /// Part 9, 5.5.2: a condition event with a BranchId other than null reports a previous state kept for
    /// acknowledgement (a branch), not the condition's current state.
    /// </summary>
    public NodeId? BranchId => Field(EventSelection.BranchId).Value is NodeId { IsNull: false } branch ? branch : null;

    /// <summary>Part 9, 5.8.2: SuppressedOrShelved, true while an operator shelved the alarm or it is suppressed.</summary>
    public bool? SuppressedOrShelved => Flag(EventSelection.SuppressedOrShelved);

    /// <summary>Part 9, 5.8.10: ShelvingState/CurrentState (Unshelved, TimedShelved, OneShotShelved), when the alarm has one.</summary>
    public string? ShelvingState => Field(EventSelection.ShelvingState).Value switch
    {
        LocalizedText text => text.Text,
        string text => text,
        _ => null,
    };

    /// <summary>True for a condition's event (ConditionType or a subtype): it has a ConditionId or a ConditionName.</summary>
    public bool IsCondition => ConditionId is { IsNull: false } || ConditionName is not null;

    /// <summary>The key of the condition across events: its ConditionId, else SourceNode and ConditionName.</summary>
    public string ConditionKey => ConditionId is { IsNull: false } id ? id.ToString() : $"{Field(EventSelection.SourceNode).Value}/{ConditionName}";

    /// <summary>What a condition's copy in a ConditionRefresh repeats of its last state (the EventId may be new).</summary>
    public string StateSignature => string.Join(
        "|",
        ConditionKey,
        Field(EventSelection.BranchId).Value,
        Time?.Ticks,
        Active,
        Acked,
        Confirmed,
        Enabled,
        Retain,
        Message,
        Severity,
        SuppressedOrShelved,
        ShelvingState);

    public bool IsOfType(NodeId type) => EventType is { } eventType && eventType.Equals(type);

    /// <summary>The value of the first configured field whose path ends in a name of <paramref name="names"/> (any namespace), or null.</summary>
    public Variant ConfiguredFieldNamed(params string[] names)
    {
        for (var i = EventSelection.StandardFields.Count; i < _selection.Fields.Count; i++)
        {
            if (_selection.Fields[i].BrowsePath is [.., var last] && names.Contains(last.Name, StringComparer.OrdinalIgnoreCase) && !Field(i).IsNull)
            {
                return Field(i);
            }
        }

        return Variant.Null;
    }

    /// <summary>
    /// The event as one JSON object: the standard fields by name (left out when the event has no such field), the
    /// configured ones under `fields`, and `refresh: true` for a condition's copy sent by ConditionRefresh.
    /// </summary>
    public string ToJson(bool fromRefresh)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            for (var i = 0; i < EventSelection.StandardFields.Count; i++)
            {
                if (!Field(i).IsNull)
                {
                    writer.WritePropertyName(EventSelection.StandardFields[i].Name);
                    UaValueJson.Write(writer, Field(i)); // the one JSON form of OPC UA values
                }
            }

            if (_selection.ConfiguredCount > 0)
            {
                writer.WriteStartObject("fields");
                for (var i = EventSelection.StandardFields.Count; i < _selection.Fields.Count; i++)
                {
                    writer.WritePropertyName(_selection.Fields[i].Name);
                    UaValueJson.Write(writer, Field(i));
                }

                writer.WriteEndObject();
            }

            if (fromRefresh)
            {
                writer.WriteBoolean("refresh", true);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private Variant Field(int index) => index < _fields.Length ? _fields[index] : Variant.Null;

    private bool? Flag(int index) => Field(index).Value is bool flag ? flag : null;
}
