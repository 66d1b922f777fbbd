using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Services;

/// <summary>The array shapes that recur in service messages.</summary>
internal static class ArrayCodec
{
    public static void WriteStrings(this UaBinaryWriter w, IReadOnlyList<string?>? values) => w.WriteArray(values, static (x, v) => x.WriteString(v));

    public static string?[]? ReadStrings(this ref UaBinaryReader r) => r.ReadArray(static (ref UaBinaryReader x) => x.ReadString(), 4);

    public static void WriteStatusCodes(this UaBinaryWriter w, IReadOnlyList<StatusCode>? values) => w.WriteArray(values, static (x, v) => x.WriteUInt32(v.Code));

    public static StatusCode[]? ReadStatusCodes(this ref UaBinaryReader r) => r.ReadArray(static (ref UaBinaryReader x) => x.ReadStatusCode(), 4);

    public static void WriteUInt32s(this UaBinaryWriter w, IReadOnlyList<uint>? values) => w.WriteArray(values, static (x, v) => x.WriteUInt32(v));

    public static uint[]? ReadUInt32s(this ref UaBinaryReader r) => r.ReadArray(static (ref UaBinaryReader x) => x.ReadUInt32(), 4);

    public static void WriteDiagnostics(this UaBinaryWriter w, IReadOnlyList<DiagnosticInfo?>? values) => w.WriteArray(values, static (x, v) => DiagnosticInfo.Encode(x, v));

    public static DiagnosticInfo?[]? ReadDiagnostics(this ref UaBinaryReader r) => r.ReadArray(static (ref UaBinaryReader x) => x.ReadDiagnosticInfo(), 1);

    public static void WriteByteStrings(this UaBinaryWriter w, IReadOnlyList<byte[]?>? values) => w.WriteArray(values, static (x, v) => x.WriteByteString(v));

    public static byte[]?[]? ReadByteStrings(this ref UaBinaryReader r) => r.ReadArray(static (ref UaBinaryReader x) => x.ReadByteString(), 4);

    public static void WriteDataValues(this UaBinaryWriter w, IReadOnlyList<DataValue>? values) => w.WriteArray(values, static (x, v) => v.Encode(x));

    public static DataValue[]? ReadDataValues(this ref UaBinaryReader r) => r.ReadArray(static (ref UaBinaryReader x) => x.ReadDataValue(), 1);

    public static void WriteExtensionObjects(this UaBinaryWriter w, IReadOnlyList<ExtensionObject>? values) => w.WriteArray(values, static (x, v) => v.Encode(x));

    public static ExtensionObject[]? ReadExtensionObjects(this ref UaBinaryReader r) => r.ReadArray(static (ref UaBinaryReader x) => x.ReadExtensionObject(), 3);
}
