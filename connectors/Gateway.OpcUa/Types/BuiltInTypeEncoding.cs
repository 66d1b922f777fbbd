using Gateway.OpcUa.Encoding;

namespace Gateway.OpcUa.Types;

/// <summary>
/// The built-in types on the reader and writer (Part 6, 5.2.2). They live here, beside the types, so that the
/// Encoding layer knows only bytes and primitives and nothing of NodeId, Variant or DataValue.
/// </summary>
public static class BuiltInTypeEncoding
{
    public static NodeId ReadNodeId(this ref UaBinaryReader reader) => NodeId.Decode(ref reader);

    public static ExpandedNodeId ReadExpandedNodeId(this ref UaBinaryReader reader) => ExpandedNodeId.Decode(ref reader);

    public static QualifiedName ReadQualifiedName(this ref UaBinaryReader reader) => new(reader.ReadUInt16(), reader.ReadString());

    /// <summary>Part 6, 5.2.2.14: an encoding mask, then the locale and the text when their bits are set.</summary>
    public static LocalizedText ReadLocalizedText(this ref UaBinaryReader reader)
    {
        var mask = reader.ReadByte();
        var locale = (mask & 0x01) != 0 ? reader.ReadString() : null;
        var text = (mask & 0x02) != 0 ? reader.ReadString() : null;
        return new LocalizedText(text, locale);
    }

    public static Variant ReadVariant(this ref UaBinaryReader reader) => Variant.Decode(ref reader);

    public static DataValue ReadDataValue(this ref UaBinaryReader reader) => DataValue.Decode(ref reader);

    public static ExtensionObject ReadExtensionObject(this ref UaBinaryReader reader) => ExtensionObject.Decode(ref reader);

    public static DiagnosticInfo? ReadDiagnosticInfo(this ref UaBinaryReader reader) => DiagnosticInfo.Decode(ref reader);

    public static void WriteNodeId(this UaBinaryWriter writer, NodeId value) => value.Encode(writer);

    public static void WriteExpandedNodeId(this UaBinaryWriter writer, ExpandedNodeId value) => value.Encode(writer);

    public static void WriteQualifiedName(this UaBinaryWriter writer, QualifiedName value)
    {
        writer.WriteUInt16(value.NamespaceIndex);
        writer.WriteString(value.Name);
    }

    public static void WriteLocalizedText(this UaBinaryWriter writer, LocalizedText value)
    {
        byte mask = 0;
        if (value.Locale is not null)
        {
            mask |= 0x01;
        }

        if (value.Text is not null)
        {
            mask |= 0x02;
        }

        writer.WriteByte(mask);
        if (value.Locale is not null)
        {
            writer.WriteString(value.Locale);
        }

        if (value.Text is not null)
        {
            writer.WriteString(value.Text);
        }
    }

    public static void WriteVariant(this UaBinaryWriter writer, Variant value) => value.Encode(writer);

    public static void WriteDataValue(this UaBinaryWriter writer, DataValue value) => value.Encode(writer);

    public static void WriteExtensionObject(this UaBinaryWriter writer, ExtensionObject value) => value.Encode(writer);
}
