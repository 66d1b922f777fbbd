using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.OpcUa.Status;
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
        Severity);

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
                    WriteValue(writer, Field(i));
                }
            }

            if (_selection.ConfiguredCount > 0)
            {
                writer.WriteStartObject("fields");
                for (var i = EventSelection.StandardFields.Count; i < _selection.Fields.Count; i++)
                {
                    writer.WritePropertyName(_selection.Fields[i].Name);
                    WriteValue(writer, Field(i));
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

    /// <summary>A field's value as JSON: numbers and booleans as such, text as strings, NodeIds as their text, arrays as arrays.</summary>
    public static void WriteValue(Utf8JsonWriter writer, Variant value)
    {
        if (value.IsArray && value.Value is Array array)
        {
            writer.WriteStartArray();
            foreach (var element in array)
            {
                WriteScalar(writer, element);
            }

            writer.WriteEndArray();
            return;
        }

        WriteScalar(writer, value.Value);
    }

    private static void WriteScalar(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case sbyte or byte or short or ushort or int or uint or long:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong big:
                writer.WriteNumberValue(big);
                break;
            case float or double:
                var number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (double.IsFinite(number))
                {
                    writer.WriteNumberValue(number);
                }
                else
                {
                    writer.WriteStringValue(number.ToString(CultureInfo.InvariantCulture));
                }

                break;
            case DateTime time:
                writer.WriteStringValue(time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
                break;
            case StatusCode status:
                writer.WriteNumberValue(status.Code);
                break;
            case LocalizedText text:
                writer.WriteStringValue(text.Text);
                break;
            case byte[] bytes:
                writer.WriteStringValue(Convert.ToBase64String(bytes));
                break;
            case Variant inner:
                WriteValue(writer, inner);
                break;
            case ExtensionObject structure:
                writer.WriteRawValue(DataValueConversion.StructureJson(structure));
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
