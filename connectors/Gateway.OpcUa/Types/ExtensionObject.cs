using System.Buffers;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Status;

namespace Gateway.OpcUa.Types;

/// <summary>
/// A structure inside a Variant (Part 6, 5.2.2.15). Known types (registered in <see cref="KnownTypes"/> by their
/// binary encoding NodeId) are decoded into <see cref="Body"/>, and so is the Decimal (TypeId i=50, as a
/// <see cref="DecimalValue"/>); unknown ones keep the type id and raw bytes, so that they reach the application as
/// data (Part 6, 5.1.10: "Decoders that do not understand [a type] shall treat it like any other unknown Structure
/// and pass it on to the application").
/// </summary>
public sealed class ExtensionObject
{
    public ExtensionObject(NodeId typeId, byte[]? rawBody, IEncodeable? body = null, bool isXml = false)
    {
        TypeId = typeId;
        RawBody = rawBody;
        Body = body;
        IsXml = isXml;
    }

    public static ExtensionObject From(IBinaryEncodeable body) => new(new NodeId(0, body.BinaryEncodingId), null, body);

    public static ExtensionObject FromEncodeable(NodeId encodingId, IEncodeable body) => new(encodingId, null, body);

    public NodeId TypeId { get; }

    public byte[]? RawBody { get; }

    public IEncodeable? Body { get; }

    public bool IsXml { get; }

    /// <summary>How the body travels (Part 6, 5.2.2.15): "binary" (0x01), "xml" (0x02) or "none" (0x00, no body).</summary>
    public string EncodingName => IsXml ? "xml" : RawBody is null && Body is null ? "none" : "binary";

    /// <summary>The body as it is (or would be) on the wire: the received bytes, or the decoded body encoded again.</summary>
    public byte[]? BodyBytes()
    {
        if (RawBody is not null || Body is null)
        {
            return RawBody;
        }

        var buffer = new ArrayBufferWriter<byte>();
        Body.Encode(new UaBinaryWriter(buffer));
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decoders for structures the client understands, by binary encoding id (namespace 0).</summary>
    public static Dictionary<uint, Func<IEncodeable>> KnownTypes { get; } = [];

    public void Encode(UaBinaryWriter writer)
    {
        writer.WriteNodeId(TypeId);
        if (Body is not null)
        {
            var buffer = new ArrayBufferWriter<byte>();
            Body.Encode(new UaBinaryWriter(buffer));
            writer.WriteByte(0x01);
            writer.WriteByteString(buffer.WrittenSpan);
        }
        else if (RawBody is not null)
        {
            writer.WriteByte(IsXml ? (byte)0x02 : (byte)0x01);
            writer.WriteByteString(RawBody);
        }
        else
        {
            writer.WriteByte(0x00);
        }
    }

    public static ExtensionObject Decode(ref UaBinaryReader reader)
    {
        var typeId = reader.ReadNodeId();
        var encoding = reader.ReadByte();
        switch (encoding)
        {
            case 0x00:
                return new ExtensionObject(typeId, null);
            case 0x01 or 0x02:
                var raw = reader.ReadByteString();
                if (encoding == 0x01 && raw is not null && typeId.NamespaceIndex == 0 && typeId.IdType == IdType.Numeric
                    && typeId.NumericIdentifier == DecimalValue.DataTypeId && DecimalValue.TryDecodeBody(raw, out var number))
                {
                    return new ExtensionObject(typeId, raw, number);
                }

                if (encoding == 0x01 && raw is not null && typeId.NamespaceIndex == 0 && typeId.IdType == IdType.Numeric
                    && KnownTypes.TryGetValue(typeId.NumericIdentifier, out var create))
                {
                    reader.EnterNested();
                    try
                    {
                        var body = create();
                        var inner = new UaBinaryReader(raw, reader.Limits);
                        body.Decode(ref inner);
                        return new ExtensionObject(typeId, raw, body);
                    }
                    finally
                    {
                        reader.LeaveNested();
                    }
                }

                return new ExtensionObject(typeId, raw, null, encoding == 0x02);
            default:
                throw new UaDecodingException($"unknown ExtensionObject encoding 0x{encoding:X2}");
        }
    }

    public override string ToString() => $"ExtensionObject({TypeId}, {Body?.GetType().Name ?? $"{RawBody?.Length ?? 0} bytes"})";
}
