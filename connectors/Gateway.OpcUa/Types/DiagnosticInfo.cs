using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Status;

namespace Gateway.OpcUa.Types;

/// <summary>Vendor diagnostics attached to a result (Part 4, 7.8; encoding Part 6, 5.2.2.12).</summary>
public sealed record DiagnosticInfo(
    int? SymbolicId,
    int? NamespaceUri,
    int? Locale,
    int? LocalizedText,
    string? AdditionalInfo,
    StatusCode? InnerStatusCode,
    DiagnosticInfo? Inner)
{
    public static void Encode(UaBinaryWriter writer, DiagnosticInfo? info)
    {
        if (info is null)
        {
            writer.WriteByte(0);
            return;
        }

        byte mask = 0;
        mask |= info.SymbolicId.HasValue ? (byte)0x01 : (byte)0;
        mask |= info.NamespaceUri.HasValue ? (byte)0x02 : (byte)0;
        mask |= info.LocalizedText.HasValue ? (byte)0x04 : (byte)0;
        mask |= info.Locale.HasValue ? (byte)0x08 : (byte)0;
        mask |= info.AdditionalInfo is not null ? (byte)0x10 : (byte)0;
        mask |= info.InnerStatusCode.HasValue ? (byte)0x20 : (byte)0;
        mask |= info.Inner is not null ? (byte)0x40 : (byte)0;
        writer.WriteByte(mask);
        if (info.SymbolicId is { } symbolic)
        {
            writer.WriteInt32(symbolic);
        }

        if (info.NamespaceUri is { } ns)
        {
            writer.WriteInt32(ns);
        }

        if (info.Locale is { } locale)
        {
            writer.WriteInt32(locale);
        }

        if (info.LocalizedText is { } text)
        {
            writer.WriteInt32(text);
        }

        if (info.AdditionalInfo is not null)
        {
            writer.WriteString(info.AdditionalInfo);
        }

        if (info.InnerStatusCode is { } inner)
        {
            writer.WriteUInt32(inner.Code);
        }

        if (info.Inner is not null)
        {
            Encode(writer, info.Inner);
        }
    }

    public static DiagnosticInfo? Decode(ref UaBinaryReader reader)
    {
        var mask = reader.ReadByte();
        if (mask == 0)
        {
            return null;
        }

        reader.EnterNested();
        try
        {
            int? symbolic = (mask & 0x01) != 0 ? reader.ReadInt32() : null;
            int? ns = (mask & 0x02) != 0 ? reader.ReadInt32() : null;
            int? locale = (mask & 0x08) != 0 ? reader.ReadInt32() : null;
            int? text = (mask & 0x04) != 0 ? reader.ReadInt32() : null;
            var additional = (mask & 0x10) != 0 ? reader.ReadString() : null;
            StatusCode? innerStatus = (mask & 0x20) != 0 ? reader.ReadStatusCode() : null;
            var inner = (mask & 0x40) != 0 ? Decode(ref reader) : null;
            return new DiagnosticInfo(symbolic, ns, locale, text, additional, innerStatus, inner);
        }
        finally
        {
            reader.LeaveNested();
        }
    }
}
